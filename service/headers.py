"""Security headers on every response; a strict Content-Security-Policy on HTML pages.

API responses are `Cache-Control: no-store`: answers to questions about mental health must not
be kept by a browser's or a proxy's cache. (The Swagger UI files are the exception: static,
cached for a day.) gunicorn's `Server` header names no version.
"""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response, request

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)
# The API docs page: Swagger UI from this host (service/apidocs.py). APIFlask's page template
# has one inline script and takes no nonce, so the policy allows that script by its sha256,
# computed from the page as rendered (its text depends on the configuration). Styles stay
# 'unsafe-inline': Swagger UI writes style attributes into the page as it renders.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' {scripts}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "object-src 'none'"
)
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
API_PREFIX = "/api/v1/"
CACHED_PREFIX = "/api/v1/docs/assets/"


def _script_hashes(html: str) -> str:
    digests = {
        base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        for body in _INLINE_SCRIPT.findall(html)
    }
    return " ".join(f"'sha256-{d}'" for d in sorted(digests))


def secure(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    path = request.path
    if path.startswith(API_PREFIX) and not path.startswith(CACHED_PREFIX):
        response.headers["Cache-Control"] = "no-store"
    if response.mimetype == "text/html":
        if path.startswith("/api/v1/docs") and not response.direct_passthrough:
            csp = DOCS_CSP.format(scripts=_script_hashes(response.get_data(as_text=True)))
        else:
            csp = PAGE_CSP
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def init_app(app: Flask) -> None:
    app.after_request(secure)
