"""Retrieval evaluation on a QA set: recall@k, MRR@10, latency, and the abstention threshold."""

from __future__ import annotations

import json
import math
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from .search import DEFAULT_SEARCH_MODE, Hit, Index

KS = (1, 5, 10)
ANSWER_SHARE = 0.95  # the abstention threshold must let at least this share of answerable through


@dataclass(frozen=True)
class QAEntry:
    id: str
    question: str
    kind: str  # answerable | unanswerable | crisis | crisis_info
    answers: tuple[tuple[str, frozenset[int]], ...]


@dataclass(frozen=True)
class Calibration:
    """The highest best-hit score threshold that still answers `answer_share` of answerable."""

    threshold: float
    answered: float  # share of answerable questions whose best hit scores >= threshold
    declined: float  # share of unanswerable questions whose best hit scores < threshold

    def to_dict(self) -> dict:
        return {
            "threshold": round(self.threshold, 4),
            "answered": round(self.answered, 4),
            "declined": round(self.declined, 4),
        }


@dataclass
class EvalResult:
    mode: str = DEFAULT_SEARCH_MODE
    answerable: int = 0
    recall: dict[int, float] = field(default_factory=dict)
    mrr10: float = 0.0
    answerable_scores: list[float] = field(default_factory=list)
    unanswerable_scores: list[float] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else 0.0

    @property
    def calibration(self) -> Calibration | None:
        return calibrate(self.answerable_scores, self.unanswerable_scores)

    def to_dict(self) -> dict:
        calibration = self.calibration
        return {
            "mode": self.mode,
            "answerable": self.answerable,
            **{f"recall@{k}": round(v, 4) for k, v in self.recall.items()},
            "mrr@10": round(self.mrr10, 4),
            "p50_ms": round(self.p50_ms, 2),
            "best_score_answerable": _describe(self.answerable_scores),
            "best_score_unanswerable": _describe(self.unanswerable_scores),
            "abstention": calibration.to_dict() if calibration else None,
            "misses": self.misses,
        }


def load_qa(path: Path) -> list[QAEntry]:
    """Read a QA set (JSON lines); a malformed line is an error naming its line number."""
    entries = []
    with Path(path).open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                answers = tuple(
                    (a["document"], frozenset(int(p) for p in a["pages"]))
                    for a in raw.get("answers", [])
                )
                entries.append(QAEntry(raw["id"], raw["question"], raw["kind"], answers))
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{n}: not a valid QA entry ({exc})") from exc
    return entries


def first_relevant_rank(hits: list[Hit], entry: QAEntry) -> int | None:
    """Rank of the first hit from a right document whose page span holds a right page."""
    for hit in hits:
        for filename, pages in entry.answers:
            if hit.document.filename == filename and any(
                hit.chunk.page_start <= p <= hit.chunk.page_end for p in pages
            ):
                return hit.rank
    return None


def calibrate(
    answerable: list[float], unanswerable: list[float], answer_share: float = ANSWER_SHARE
) -> Calibration | None:
    """The abstention threshold on the best hit's score (answer when score >= threshold).

    The highest threshold that still answers `answer_share` of the answerable questions
    declines the most unanswerable ones; any lower threshold above the best-scoring of those
    declines just as many and answers more, so the threshold is put halfway down that gap
    (a margin on both sides), rounded down to 3 decimals.
    """
    if not answerable:
        return None
    ordered = sorted(answerable)
    may_decline = math.floor((1 - answer_share) * len(ordered) + 1e-9)
    highest = ordered[may_decline]
    below = [s for s in unanswerable if s < highest]
    threshold = (max(below) + highest) / 2 if below else highest
    threshold = math.floor(threshold * 1000 + 1e-9) / 1000
    answered = sum(s >= threshold for s in answerable) / len(answerable)
    declined = sum(s < threshold for s in unanswerable) / len(unanswerable) if unanswerable else 0.0
    return Calibration(threshold, answered, declined)


def evaluate(
    index: Index,
    entries: list[QAEntry],
    k: int = 10,
    mode: str = DEFAULT_SEARCH_MODE,
    *,
    cold: bool = True,
) -> EvalResult:
    """Search every question; `cold` empties the query cache first, so latency includes the
    query's embedding (what a new question costs)."""
    result = EvalResult(mode=mode)
    ranks: list[int | None] = []
    for entry in entries:
        if cold:
            index.clear_cache()
        started = time.perf_counter()
        hits = index.search(entry.question, k=k, mode=mode)
        result.latencies_ms.append((time.perf_counter() - started) * 1000)
        best = hits[0].score if hits else 0.0
        if entry.answers:
            rank = first_relevant_rank(hits, entry)
            ranks.append(rank)
            result.answerable_scores.append(best)
            if rank is None or rank > 5:
                result.misses.append(entry.id)
        elif entry.kind == "unanswerable":
            result.unanswerable_scores.append(best)
    result.answerable = len(ranks)
    if ranks:
        for cut in KS:
            result.recall[cut] = sum(1 for r in ranks if r and r <= cut) / len(ranks)
        result.mrr10 = sum(1 / r for r in ranks if r and r <= 10) / len(ranks)
    return result


def _describe(scores: list[float]) -> dict:
    if not scores:
        return {}
    s = sorted(scores)
    q = statistics.quantiles(s, n=10, method="inclusive") if len(s) > 1 else [s[0]] * 9
    return {
        "n": len(s),
        "min": round(s[0], 4),
        "p10": round(q[0], 4),
        "median": round(statistics.median(s), 4),
        "p90": round(q[-1], 4),
        "max": round(s[-1], 4),
    }


def format_result(result: EvalResult) -> str:
    lines = [f"mode: {result.mode}", f"answerable questions: {result.answerable}"]
    lines += [f"recall@{k}: {v:.3f}" for k, v in result.recall.items()]
    lines.append(f"MRR@10: {result.mrr10:.3f}")
    lines.append(f"p50 latency: {result.p50_ms:.1f} ms")
    for name, scores in (
        ("answerable", result.answerable_scores),
        ("unanswerable", result.unanswerable_scores),
    ):
        d = _describe(scores)
        if d:
            lines.append(
                f"best-hit score, {name} (n={d['n']}): min {d['min']:.3f}  p10 {d['p10']:.3f}  "
                f"median {d['median']:.3f}  p90 {d['p90']:.3f}  max {d['max']:.3f}"
            )
    calibration = result.calibration
    if calibration:
        lines.append(
            f"abstention threshold {calibration.threshold:.3f}: answers "
            f"{calibration.answered:.1%} of answerable, declines {calibration.declined:.1%} "
            "of unanswerable"
        )
    if result.misses:
        lines.append("not in the top 5: " + ", ".join(result.misses))
    return "\n".join(lines)


@dataclass(frozen=True)
class FollowupEntry:
    """A follow-up question, the earlier user messages it follows, and the page that answers
    it; `new_topic`: a full question on another subject (history must not drag it back)."""

    id: str
    history: tuple[str, ...]
    question: str
    answers: tuple[tuple[str, frozenset[int]], ...]
    new_topic: bool


def load_followups(path: Path) -> list[FollowupEntry]:
    """Read a follow-up set (JSON lines: history, question, document, page, new_topic and
    optionally `also`, other pages that answer it as "file:page")."""
    entries = []
    with Path(path).open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                pages: dict[str, set[int]] = {raw["document"]: {int(raw["page"])}}
                for other in raw.get("also", []):
                    filename, _, page = other.rpartition(":")
                    pages.setdefault(filename, set()).add(int(page))
                entries.append(
                    FollowupEntry(
                        id=str(raw.get("id", n)),
                        history=tuple(str(h) for h in raw["history"]),
                        question=str(raw["question"]),
                        answers=tuple((f, frozenset(p)) for f, p in pages.items()),
                        new_topic=bool(raw["new_topic"]),
                    )
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{n}: not a valid follow-up entry ({exc})") from exc
    return entries


@dataclass
class FollowupResult:
    """recall@k of follow-ups and of new-topic controls, searched one way."""

    followups: int = 0
    followups_found: int = 0
    new_topics: int = 0
    new_topics_found: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def followup_recall(self) -> float:
        return self.followups_found / self.followups if self.followups else 0.0

    @property
    def new_topic_recall(self) -> float:
        return self.new_topics_found / self.new_topics if self.new_topics else 0.0


def evaluate_followups(
    index: Index, entries: list[FollowupEntry], how: str = "history", k: int = 5
) -> FollowupResult:
    """recall@k with `how` = "history" (Index.search's history), "alone" (the question
    without its conversation) or "prepended" (the earlier messages' text before the
    question: the simplest baseline)."""
    result = FollowupResult()
    for entry in entries:
        if how == "history":
            hits = index.search(entry.question, k=k, history=entry.history)
        elif how == "alone":
            hits = index.search(entry.question, k=k)
        elif how == "prepended":
            hits = index.search(" ".join([*entry.history, entry.question]), k=k)
        else:
            raise ValueError(f"unknown way {how!r}: history, alone or prepended")
        probe = QAEntry(entry.id, entry.question, "answerable", entry.answers)
        found = first_relevant_rank(hits, probe) is not None
        if entry.new_topic:
            result.new_topics += 1
            result.new_topics_found += found
        else:
            result.followups += 1
            result.followups_found += found
        if not found:
            result.misses.append(entry.id)
    return result
