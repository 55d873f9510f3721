"""The indexed PDFs at a stable URL (/documents/<filename>, open at a page with #page=N)."""

from __future__ import annotations

from pathlib import Path

from apiflask import APIBlueprint, abort
from flask import Flask, current_app, send_from_directory

from index import IndexLibraryError

bp = APIBlueprint("documents", __name__, enable_openapi=False)


@bp.get("/documents/<path:filename>")
def pdf(filename: str):
    try:
        known = {d.filename for d in current_app.extensions["toolkit"].index().documents}
    except IndexLibraryError:
        abort(503, "The document index is not available right now.")
    if filename not in known:  # only indexed documents, never any other path
        abort(404, "No such document.")
    folder = Path(current_app.config["DOCS_DIR"]).absolute()
    return send_from_directory(folder, filename, mimetype="application/pdf", max_age=3600)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
