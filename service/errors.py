"""One error shape for every 4xx and 5xx: {"error": {"status", "code", "message"}}."""

from __future__ import annotations

import logging

from apiflask import APIFlask, HTTPError
from werkzeug.exceptions import HTTPException

from index import IndexLibraryError

from . import jsonbody
from .storage import DatabaseUnavailable, UnknownQuery

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


UNAVAILABLE = "The document index is not available right now; please try again shortly."
DATABASE_UNAVAILABLE = "This cannot be recorded right now; please try again in a minute."
UNKNOWN_QUERY = "No answer has this query_id (use the query_id of an /ask reply)."
MESSAGES = {
    404: "Not found: check the address.",
    405: "This method is not allowed here; see /api/v1/docs for each endpoint's methods.",
    413: "The request body is too large.",
}


def error_body(status: int, message: str, code: str | None = None) -> dict:
    return {
        "error": {"status": status, "code": code or CODES.get(status, "error"), "message": message}
    }


def _flatten(detail: object, prefix: str = "") -> list[str]:
    """Marshmallow's nested {"json": {"k": ["Must be ..."]}} as 'k: Must be ...' lines."""
    if isinstance(detail, dict):
        out: list[str] = []
        for key, value in detail.items():
            name = "" if key in ("json", "_schema") else str(key)
            out += _flatten(value, f"{prefix}.{name}".strip(".") if name else prefix)
        return out
    if isinstance(detail, list | tuple):
        return [line for item in detail for line in _flatten(item, prefix)]
    return [f"{prefix}: {detail}" if prefix else str(detail)]


def init_app(app: APIFlask) -> None:
    jsonbody.init_app(app)  # hostile JSON bodies are a 400, never a 500

    @app.error_processor
    def shape(error: HTTPError):
        message = error.message or "error"
        if error.detail:
            message = "; ".join(_flatten(error.detail)) or message
        code = (error.extra_data or {}).get("code")
        return error_body(error.status_code, message, code), error.status_code, error.headers

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
        message = MESSAGES.get(status) or exc.description or exc.name
        if status == 429:
            message = f"Too many requests (limit {exc.description}): please wait and try again."
        return error_body(status, message), status, headers

    @app.errorhandler(IndexLibraryError)
    def index_unavailable(exc: IndexLibraryError):
        log.error("index unavailable: %s", exc)
        return error_body(503, UNAVAILABLE), 503

    @app.errorhandler(DatabaseUnavailable)
    def database_unavailable(exc: DatabaseUnavailable):
        log.warning("database unavailable: %s", exc)  # never a statement's values
        return error_body(503, DATABASE_UNAVAILABLE), 503, {"Retry-After": "30"}

    @app.errorhandler(UnknownQuery)
    def unknown_query(exc: UnknownQuery):  # feedback on an answer that does not exist
        return error_body(404, UNKNOWN_QUERY), 404

    @app.errorhandler(Exception)
    def unhandled(exc: Exception):
        log.exception("unhandled error")
        return error_body(500, "Something went wrong on our side; please try again."), 500
