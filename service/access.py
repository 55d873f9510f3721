"""Who may call the API and how often: partners' API keys and per-client rate limits.

Anonymous callers (the widget, a partner trying the API with curl) are served under a
per-client limit; a partner's `Authorization: Bearer <key>` raises it to the partner's limit.
An unknown or revoked key is refused with 401, and counts against the caller's anonymous limit
like any request (300 guesses from one client meet 429s, not 300 answers). The client key for
anonymous callers is a salted hash of the address: limits work without keeping IPs.

Counters live in a SQLite file in the instance folder by default, shared by every worker on
the machine (service.ratelimit_storage), or in Redis (`TOOLKIT_RATELIMIT_STORAGE=redis://...`)
so that several replicas share them. When that storage is down the API fails open: the limiter
counts in each process's memory instead (and says so in the error log) and tries the storage
again, with a growing pause; the health check and the crisis resources are never limited.
Behind a reverse proxy, `TOOLKIT_PROXY_FIX` (the number of proxies in front) makes the client's
address the one the proxy saw, so visitors do not share one bucket.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from pathlib import Path

from apiflask import APIBlueprint, abort
from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from werkzeug.middleware.proxy_fix import ProxyFix

from . import ratelimit_storage  # noqa: F401  (registers the sqlite:// limits storage)
from .storage import DatabaseUnavailable, Storage

log = logging.getLogger(__name__)
_SALT = secrets.token_hex(8)
# A Redis that stops answering must not hold a request for long
REDIS_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}

# Never limited: the crisis resources (someone in crisis must always get them) and the
# health check (a load balancer's probes).
UNLIMITED_ENDPOINTS = frozenset({"api.resources", "api.health"})


def _client_key() -> str:
    partner = g.get("partner")
    if partner is not None:
        return f"partner:{partner.name}"
    salt = current_app.config.get("SECRET_KEY") or _SALT
    address = request.remote_addr or "unknown"
    return "anon:" + hashlib.sha256(f"{salt}:{address}".encode()).hexdigest()[:24]


def _limit() -> str:
    partner = g.get("partner")
    if partner is not None:
        return partner.rate_limit or current_app.config["RATELIMIT_PARTNER"]
    return current_app.config["RATELIMIT_ANONYMOUS"]


def authenticate() -> None:
    """Before each API request: a Bearer key must be a live partner key.

    A refused key is only noted here: the limiter counts the request against the caller's
    anonymous limit first, then `refuse_bad_key` answers 401 (or the limiter 429).
    """
    g.partner = None
    g.refused_key = None
    if request.blueprint != "api":
        return
    header = request.headers.get("Authorization")
    if not header:
        return
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        g.refused_key = (
            "Use 'Authorization: Bearer <API key>'.",
            {"WWW-Authenticate": "Bearer"},
        )
        return
    storage: Storage = current_app.extensions["toolkit_storage"]
    try:
        partner = storage.partner_for(key.strip())
    except DatabaseUnavailable as exc:
        # The API is public: serve the request at the anonymous limit rather than fail it
        log.warning("API key not checked (database unavailable: %s): served as anonymous", exc)
        return
    if partner is None:
        g.refused_key = (
            "This API key is not valid or has been revoked.",
            {"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
        return
    g.partner = partner


def refuse_bad_key() -> None:
    """After the limiter: the 401 of a refused key (see authenticate)."""
    refused = g.get("refused_key")
    if refused is not None:
        message, headers = refused
        abort(401, message, headers=headers)


def _not_counted() -> bool:
    """CORS preflights are not counted (a refused preflight would hide the 429 from the
    widget), nor are the endpoints that must always answer."""
    return request.method == "OPTIONS" or request.endpoint in UNLIMITED_ENDPOINTS


def storage_uri(app: Flask) -> str:
    """TOOLKIT_RATELIMIT_STORAGE, else the SQLite file in the instance folder."""
    configured = app.config.get("RATELIMIT_STORAGE")
    if configured:
        return configured
    return f"sqlite:///{Path(app.instance_path).absolute() / 'ratelimits.db'}"


def init_proxy_fix(app: Flask) -> None:
    """Trust X-Forwarded-For/-Proto/-Host from `PROXY_FIX` proxies (0: none, the default,
    so that a client cannot pick its own address)."""
    proxies = int(app.config.get("PROXY_FIX") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )


def init_app(app: Flask, api: APIBlueprint) -> Limiter:
    """Authentication runs first (it decides the limit), then the limiter, then the 401 of a
    refused key, on `api` routes."""
    init_proxy_fix(app)
    uri = storage_uri(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", uri)
    if uri.startswith(("redis://", "rediss://", "redis+")):
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", REDIS_OPTIONS)
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "toolkit")
    app.before_request(authenticate)
    # Storage down: count in this process's memory meanwhile (the same limits), and let a
    # request through rather than fail it if even that goes wrong.
    limiter = Limiter(
        key_func=_client_key,
        headers_enabled=True,
        in_memory_fallback_enabled=True,
        swallow_errors=True,
    )
    limiter.limit(_limit, key_func=_client_key, exempt_when=_not_counted)(api)
    limiter.init_app(app)
    app.before_request(refuse_bad_key)
    app.extensions["toolkit_limiter"] = limiter
    return limiter
