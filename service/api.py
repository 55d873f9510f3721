"""The JSON API under /api/v1: parse, call the index and the composer, serialise."""

from __future__ import annotations

import logging
import time
import uuid

from apiflask import APIBlueprint, abort
from flask import Flask, current_app, g, request

from index import Hit, Index, citation

from . import answer as composer
from . import safety
from .documents import public_url
from .engine import Engine
from .privacy import redact
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
ERRORS = [400, 401, 413, 415, 422, 429, 503]


def _engine() -> Engine:
    return current_app.extensions["toolkit"]


def _index() -> Index:
    """The current index (an unavailable one becomes a 503 in service.errors)."""
    return _engine().index()


@bp.before_request
def require_json():
    if request.method != "POST":
        return
    if not request.is_json:
        abort(415, "Send the request body as JSON with 'Content-Type: application/json'.")
    if request.get_json(silent=True) is None:
        abort(400, "The request body is not valid JSON (it must be a UTF-8 encoded JSON object).")


def pdf_url(filename: str, page: int) -> str:
    return f"{public_url('documents.pdf', filename=filename)}#page={page}"


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
        crisis_probability=_engine().crisis_probability(question),
    )
    if check.crisis and not check.someone_else:
        result = composer.Answer(check.message or "", False, [])  # no passages: help first
    else:
        hits = index.search(safety.search_text(question, check), k=body["k"])
        result = composer.compose(hits, threshold=config["ANSWER_THRESHOLD"])
        if check.crisis:  # someone else in danger now: call 999 first, then the guidance
            result = composer.preceded_by(check.message or "", result)
    query_id = uuid.uuid4().hex
    _log_query(query_id, question, result, check.crisis, time.perf_counter() - started)
    return {
        "answer": result.text,
        "answered": result.answered,
        "citations": _citations(result.citations),
        "safety": check.to_dict(),
        "query_id": query_id,
    }


def _log_query(
    query_id: str, question: str, result: composer.Answer, crisis: bool, seconds: float
) -> None:
    """The privacy-respecting log: redacted question (none at all for a crisis), no address."""
    top = result.citations[0] if result.citations else None
    partner = g.get("partner")
    try:
        current_app.extensions["toolkit_storage"].log_query(
            query_id=query_id,
            question=None if crisis else redact(question)[:1200],
            answered=result.answered,
            crisis=crisis,
            top_document=top.document.filename if top else None,
            top_page=top.chunk.page_start if top else None,
            latency_ms=round(seconds * 1000, 2),
            partner=partner.name if partner else None,
        )
    except Exception:  # the answer matters more than its log line
        log.exception("could not write the query log")


@bp.get("/documents")
@bp.output(DocumentsOut)
@bp.doc(summary="The documents the service answers from", responses=[401, 429, 503])
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
@bp.doc(summary="Index version and size; 503 when the index is missing", responses=[401, 429, 503])
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


def _require_bodies(spec: dict) -> dict:
    """Every JSON body is required (requests without one get 415 or 400)."""
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                operation["requestBody"]["required"] = True
    return spec


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.spec_processor(_require_bodies)
