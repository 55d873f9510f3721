"""The JSON API under /api/v1: parse, call the index and the composer, serialise."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from apiflask import APIBlueprint, abort
from flask import Flask, current_app, g, request

from index import Hit, Index, citation

from .answer import Quote
from .assistant import Assistant, Reply, Turn
from .documents import public_url
from .engine import Engine
from .schemas import (
    AskIn,
    AskOut,
    DocumentsOut,
    FeedbackIn,
    FeedbackOut,
    HealthOut,
    ResourcesOut,
    SearchIn,
    SearchOut,
)
from .storage import Storage
from .viewer import citation_viewer_url

log = logging.getLogger(__name__)
bp = APIBlueprint("api", __name__, url_prefix="/api/v1")
ERRORS = [400, 401, 413, 415, 422, 429, 503]
MAX_CRISIS_CHARS = 4000  # a crisis message over the question limit is still read for the check


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


def _citations(hits: list[Hit], quotes: Sequence[Quote] = ()) -> list[dict]:
    """Citations n = 1.. of `hits`; each viewer_url highlights the sentences quoted from it
    (`quotes`), or its best sentence when it is not quoted."""
    return [
        {
            **citation(h, n, pdf_url(h.document.filename, h.chunk.page_start)),
            "viewer_url": citation_viewer_url(h, [q.sentence for q in quotes if q.n == n]),
        }
        for n, h in enumerate(hits, start=1)
    ]


@bp.post("/search")
@bp.input(SearchIn, arg_name="body")
@bp.output(SearchOut)
@bp.doc(summary="Passages that best match a query", responses=ERRORS)
def search(body: dict):
    hits = _index().search(body["query"], k=body["k"])
    return {"results": _citations(hits)}


def _assistant() -> Assistant:
    return current_app.extensions["toolkit_assistant"]


def _partner_name() -> str | None:
    partner = g.get("partner")
    return partner.name if partner else None


def _reply_body(reply: Reply) -> dict:
    return {
        "answer": reply.answer,
        "answered": reply.answered,
        "citations": _citations(reply.citations, reply.quotes),
        "safety": reply.safety.to_dict(),
        "query_id": reply.query_id,
    }


@bp.post("/ask")
@bp.input(AskIn, arg_name="body")
@bp.output(AskOut)
@bp.doc(summary="A short answer quoted from the documents, with citations", responses=ERRORS)
def ask(body: dict):
    history = [Turn(t["role"], t["content"]) for t in body["history"]]
    checked = g.pop("crisis_check", None)  # made by crisis_first for this very question
    check = checked[1] if checked and checked[0] == body["question"] else None
    reply = _assistant().ask(
        body["question"], history, body["k"], partner=_partner_name(), check=check
    )
    return _reply_body(reply)


def crisis_first():
    """Before the rate limiter, the key lookup and validation: a crisis message to /ask gets
    its reply whatever else is failing (or limited)."""
    if request.method != "POST" or request.endpoint != "api.ask":
        return None
    try:
        body = request.get_json(silent=True)
    except Exception:  # e.g. a body over the size limit: the usual error follows
        return None
    question = body.get("question") if isinstance(body, dict) else None
    if not isinstance(question, str) or not question.strip():
        return None
    question = question[:MAX_CRISIS_CHARS]
    assistant = _assistant()
    check = assistant.crisis.assess(question)
    if not check.crisis:
        g.crisis_check = (question, check)  # the view reuses it
        return None
    k = body.get("k")
    k = k if isinstance(k, int) and not isinstance(k, bool) and 1 <= k <= 50 else 5
    reply = assistant.ask(question, (), k, check=check)
    return AskOut().dump(_reply_body(reply))


@bp.get("/resources")
@bp.output(ResourcesOut)
@bp.doc(summary="The crisis resources the service signposts (never rate limited)")
def resources():
    return {"resources": [r.to_dict() for r in _assistant().crisis.resources()]}


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
@bp.doc(summary="Thumbs up or down on an answer", responses=[*ERRORS, 404])  # 404: no such answer
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


def init_crisis_first(app: Flask) -> None:
    """Register the crisis check before every other request hook (call it first)."""
    app.before_request(crisis_first)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.spec_processor(_require_bodies)
