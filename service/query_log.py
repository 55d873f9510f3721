"""The privacy-respecting log line of each /ask: the redacted question (none at all for a
crisis), whether it was answered, the top citation, the latency and the partner; no address,
no history."""

from __future__ import annotations

import logging

from .assistant import Reply
from .privacy import redact
from .storage import Storage

log = logging.getLogger(__name__)

MAX_LOGGED_CHARS = 1200


def record(
    storage: Storage, query_id: str, question: str, reply: Reply, partner: str | None
) -> None:
    """Write one line; the answer matters more than its log line, so this never raises."""
    top = reply.citations[0] if reply.citations else None
    try:
        storage.log_query(
            query_id=query_id,
            question=None if reply.crisis else redact(question)[:MAX_LOGGED_CHARS],
            answered=reply.answered,
            crisis=reply.crisis,
            top_document=top.document.filename if top else None,
            top_page=top.chunk.page_start if top else None,
            latency_ms=round(reply.seconds * 1000, 2),
            partner=partner,
        )
    except Exception:
        log.exception("could not write the query log")
