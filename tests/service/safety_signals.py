"""`assess` as the service runs it, with the embedding signals given explicitly (as the real
model put them on a message a held-out set had), for the crisis rules' tests."""

from __future__ import annotations

from service.safety import Clause, SafetyResult, assess, clauses


def with_signals(
    message: str, whole: float, part: float, flagged: str | None = None
) -> SafetyResult:
    """The learned signal at `whole` on the message and at `part` on each clause containing
    `flagged` (every clause when None; 0.05 on the others), the exemplar similarity low."""
    parts = tuple(
        Clause(t, 0.3, part if flagged is None or flagged in t else 0.05) for t in clauses(message)
    )
    return assess(message, 0.3, crisis_probability=whole, probability_threshold=0.65, parts=parts)
