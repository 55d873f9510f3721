"""The JSON API under /api/v1: parse, call the index and the composer, serialise."""

from __future__ import annotations

import logging
import time
import uuid

from apiflask import APIBlueprint, abort
from flask import Flask, current_app, request, url_for

from index import Hit, Index, IndexLibraryError, citation

from . import answer as composer
from . import safety
from .engine import Engine
from .schemas import (
    AskIn,
    AskOut,
    DocumentsOut,
    FeedbackIn,
    FeedbackOut,
    HealthOut,
    SearchIn,
    SearchOut,
)
from .storage import Storage

log = logging.getLogger(__name__)
bp = APIBlueprint("api", __name__, url_prefix="/api/v1")
ERRORS = [400, 413, 415, 422, 503]


def _engine() -> Engine:
    return current_app.extensions["toolkit"]


def _index() -> Index:
    try:
        return _engine().index()
    except IndexLibraryError as exc:
        log.error("index unavailable: %s", exc)
        abort(503, "The document index is not available right now; please try again shortly.")


@bp.before_request
def require_json():
    if request.method != "POST":
        return
    if not request.is_json:
        abort(415, "Send the request body as JSON with 'Content-Type: application/json'.")
    if request.get_json(silent=True) is None:
        abort(400, "The request body is not valid JSON (it must be a UTF-8 encoded JSON object).")


def pdf_url(filename: str, page: int) -> str:
    base = current_app.config.get("PUBLIC_URL")
    path = url_for("documents.pdf", filename=filename, _external=not base)
    return f"{base.rstrip('/') if base else ''}{path}#page={page}"


def _citations(hits: list[Hit]) -> list[dict]:
    return [
        citation(h, n, pdf_url(h.document.filename, h.chunk.page_start))
        for n, h in enumerate(hits, start=1)
    ]


@bp.post("/search")
@bp.input(SearchIn, arg_name="body")
@bp.output(SearchOut)
@bp.doc(summary="Passages that best match a query", responses=ERRORS)
def search(body: dict):
    hits = _index().search(body["query"], k=body["k"])
    return {"results": _citations(hits)}


@bp.post("/ask")
@bp.input(AskIn, arg_name="body")
@bp.output(AskOut)
@bp.doc(summary="A short answer quoted from the documents, with citations", responses=ERRORS)
def ask(body: dict):
    started = time.perf_counter()
    question, config = body["question"], current_app.config
    index = _index()
    check = safety.assess(
        question,
        _engine().crisis_similarity(question),
        resources=config["CRISIS_RESOURCES"],
        similarity_threshold=config["CRISIS_SIMILARITY"],
    )
    if check.crisis:
        result = composer.Answer(check.message or "", False, [])
    else:
        hits = index.search(question, k=body["k"])
        result = composer.compose(question, hits, threshold=config["ANSWER_THRESHOLD"])
    query_id = uuid.uuid4().hex
    log.info(
        "ask %s answered=%s crisis=%s citations=%d %.1f ms",
        query_id,
        result.answered,
        check.crisis,
        len(result.citations),
        (time.perf_counter() - started) * 1000,
    )
    return {
        "answer": result.text,
        "answered": result.answered,
        "citations": _citations(result.citations),
        "safety": check.to_dict(),
        "query_id": query_id,
    }


@bp.get("/documents")
@bp.output(DocumentsOut)
@bp.doc(summary="The documents the service answers from", responses=[503])
def documents():
    docs = _index().documents
    return {
        "documents": [
            {
                "id": d.id,
                "title": d.title,
                "filename": d.filename,
                "pages": d.pages,
                "url": pdf_url(d.filename, 1),
            }
            for d in docs
        ]
    }


@bp.get("/health")
@bp.output(HealthOut)
@bp.doc(summary="Index version and size; 503 when the index is missing", responses=[503])
def health():
    index = _index()
    return {
        "status": "ok",
        "index": {
            "version": index.version,
            "built_at": index.manifest.get("built_at"),
            "documents": len(index.documents),
            "chunks": len(index.chunks),
        },
        "model": index.manifest["model"]["name"],
    }


@bp.post("/feedback")
@bp.input(FeedbackIn, arg_name="body")
@bp.output(FeedbackOut, status_code=201)
@bp.doc(summary="Thumbs up or down on an answer", responses=ERRORS)
def feedback(body: dict):
    storage: Storage = current_app.extensions["toolkit_storage"]
    storage.add_feedback(body["query_id"], body["helpful"], body.get("reason"))
    return {"status": "recorded"}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
