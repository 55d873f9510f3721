"""Who may call the API and how often: partners' API keys and per-client rate limits.

Anonymous callers (the widget, a partner trying the API with curl) are served under a
per-client limit; a partner's `Authorization: Bearer <key>` raises it to the partner's limit.
An unknown or revoked key is refused with 401. Limits live in memory by default, or in Redis
(`TOOLKIT_RATELIMIT_STORAGE=redis://...`) so that several replicas share them. The client key
for anonymous callers is a salted hash of the address: limits work without keeping IPs.
"""

from __future__ import annotations

import hashlib
import secrets

from apiflask import APIBlueprint, abort
from flask import Flask, current_app, g, request
from flask_limiter import Limiter

from .storage import Storage

_SALT = secrets.token_hex(8)


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
    """Before each API request: a Bearer key must be a live partner key."""
    g.partner = None
    if request.blueprint != "api":
        return
    header = request.headers.get("Authorization")
    if not header:
        return
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        abort(401, "Use 'Authorization: Bearer <API key>'.", headers={"WWW-Authenticate": "Bearer"})
    storage: Storage = current_app.extensions["toolkit_storage"]
    partner = storage.partner_for(key.strip())
    if partner is None:
        abort(
            401,
            "This API key is not valid or has been revoked.",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    g.partner = partner


# Never limited: the crisis resources (someone in crisis must always get them) and the
# health check (a load balancer's probes).
UNLIMITED_ENDPOINTS = frozenset({"api.resources", "api.health"})


def _not_counted() -> bool:
    """CORS preflights are not counted (a refused preflight would hide the 429 from the
    widget), nor are the endpoints that must always answer."""
    return request.method == "OPTIONS" or request.endpoint in UNLIMITED_ENDPOINTS


def init_app(app: Flask, api: APIBlueprint) -> Limiter:
    """Authentication runs first (it decides the limit), then the limiter, on `api` routes."""
    app.config.setdefault(
        "RATELIMIT_STORAGE_URI", app.config.get("RATELIMIT_STORAGE") or "memory://"
    )
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "toolkit")
    app.before_request(authenticate)
    limiter = Limiter(key_func=_client_key, headers_enabled=True)
    limiter.limit(_limit, key_func=_client_key, exempt_when=_not_counted)(api)
    limiter.init_app(app)
    app.extensions["toolkit_limiter"] = limiter
    return limiter
