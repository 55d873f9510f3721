"""The admin console under /admin/: charity staff sign in to manage the documents, partners'
keys and crisis resources, and to see what people ask (server-rendered pages, no build step).

`init_app(app)` registers the blueprint, the `admin` command group, CSRF protection for the
console's forms only (the JSON API is not cookie-authenticated and keeps working without
tokens), and the session cookie: signed, HttpOnly, SameSite=Lax, sent only under /admin/, and
Secure when the public URL is https or the request came over HTTPS (e.g. a proxy saying so
with X-Forwarded-Proto, which gunicorn trusts from 127.0.0.1).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

from .accounts import Accounts
from .cli import admin as admin_cli
from .uploads import DocumentFolder

csrf = CSRFProtect()


class _SessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (
            has_request_context() and request.is_secure
        )


class Console:
    """What the console's views use, made once per app; the database is opened (and
    migrated) on first use, not at start-up."""

    def __init__(self, app: Flask, documents: DocumentFolder, build_dir: Path) -> None:
        self._app = app
        self._accounts: Accounts | None = None
        self.documents = documents
        self.build_dir = build_dir

    @property
    def accounts(self) -> Accounts:
        if self._accounts is None:
            storage = self._app.extensions["toolkit_storage"]
            self._accounts = Accounts(storage.engine, self._app.config["SECRET_KEY"])
        return self._accounts


def init_app(app: Flask) -> None:
    from . import views

    config = app.config
    public = str(config.get("PUBLIC_URL") or "")
    config["SESSION_COOKIE_NAME"] = "toolkit_admin"
    config["SESSION_COOKIE_PATH"] = "/admin"
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["SESSION_COOKIE_SAMESITE"] = "Lax"
    config["SESSION_COOKIE_SECURE"] = public.startswith("https://")
    config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=float(config["ADMIN_SESSION_HOURS"]))
    config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # checked by the admin blueprint only
    config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the session
    app.session_interface = _SessionInterface()
    csrf.init_app(app)

    instance = Path(app.instance_path) / "admin"
    max_bytes = int(float(config["ADMIN_MAX_UPLOAD_MB"]) * 1024 * 1024)
    documents = DocumentFolder(Path(config["DOCS_DIR"]), instance / "removed", max_bytes)
    app.extensions["toolkit_admin"] = Console(app, documents, instance / "build")
    app.register_blueprint(views.bp)
    app.cli.add_command(admin_cli)
