"""Retrieval evaluation on a QA set: recall@k, MRR@10 and best-hit scores for abstention."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from .search import Hit, Index

KS = (1, 5, 10)


@dataclass(frozen=True)
class QAEntry:
    id: str
    question: str
    kind: str  # answerable | unanswerable | crisis | crisis_info
    answers: tuple[tuple[str, frozenset[int]], ...]


@dataclass
class EvalResult:
    answerable: int = 0
    recall: dict[int, float] = field(default_factory=dict)
    mrr10: float = 0.0
    answerable_scores: list[float] = field(default_factory=list)
    unanswerable_scores: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "answerable": self.answerable,
            **{f"recall@{k}": round(v, 4) for k, v in self.recall.items()},
            "mrr@10": round(self.mrr10, 4),
            "best_score_answerable": _describe(self.answerable_scores),
            "best_score_unanswerable": _describe(self.unanswerable_scores),
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


def evaluate(index: Index, entries: list[QAEntry], k: int = 10) -> EvalResult:
    result = EvalResult()
    ranks: list[int | None] = []
    for entry in entries:
        hits = index.search(entry.question, k=k)
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
    q = statistics.quantiles(s, n=10) if len(s) > 1 else [s[0]] * 9
    return {
        "n": len(s),
        "min": round(s[0], 4),
        "p10": round(q[0], 4),
        "median": round(statistics.median(s), 4),
        "p90": round(q[-1], 4),
        "max": round(s[-1], 4),
    }


def format_result(result: EvalResult) -> str:
    lines = [f"answerable questions: {result.answerable}"]
    lines += [f"recall@{k}: {v:.3f}" for k, v in result.recall.items()]
    lines.append(f"MRR@10: {result.mrr10:.3f}")
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
    if result.misses:
        lines.append("not in the top 5: " + ", ".join(result.misses))
    return "\n".join(lines)
