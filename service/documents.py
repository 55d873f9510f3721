"""The indexed PDFs at a stable URL (/documents/<filename>, open at a page with #page=N)."""

from __future__ import annotations

from pathlib import Path

from apiflask import APIBlueprint, abort
from flask import Flask, current_app, send_from_directory, url_for

bp = APIBlueprint("documents", __name__, enable_openapi=False)


@bp.get("/documents/<path:filename>")
def pdf(filename: str):
    known = {d.filename for d in current_app.extensions["toolkit"].index().documents}
    if filename not in known:  # only indexed documents, never any other path
        abort(404, "No such document.")
    folder = Path(current_app.config["DOCS_DIR"]).absolute()
    return send_from_directory(folder, filename, mimetype="application/pdf", max_age=3600)


def public_url(endpoint: str, **values: object) -> str:
    """An absolute URL for `endpoint`, on TOOLKIT_PUBLIC_URL when set (behind a proxy)."""
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
