"""What the documents are missing: similar declined or thumbs-down questions grouped together.

Pure apart from the embedder passed in: questions are embedded, then grouped greedily by cosine
similarity to each group's first question, largest groups first.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import numpy as np

from index import Embedder


@dataclass
class Group:
    questions: list[str] = field(default_factory=list)
    declined: int = 0
    thumbs_down: int = 0

    @property
    def count(self) -> int:
        return len(self.questions)


def group_questions(rows: list[dict], embedder: Embedder, threshold: float = 0.6) -> list[Group]:
    """Rows have 'question', 'answered', 'thumbs_down'; returns groups, biggest first."""
    if not rows:
        return []
    vectors = embedder.encode([r["question"] for r in rows])
    groups: list[Group] = []
    centres: list[np.ndarray] = []
    for row, vec in zip(rows, vectors, strict=True):
        sims = [float(c @ vec) for c in centres]
        best = int(np.argmax(sims)) if sims else -1
        if best < 0 or sims[best] < threshold:
            groups.append(Group())
            centres.append(vec)
            best = len(groups) - 1
        group = groups[best]
        group.questions.append(row["question"])
        group.declined += not row["answered"]
        group.thumbs_down += bool(row["thumbs_down"])
    return sorted(groups, key=lambda g: -g.count)


def as_markdown(groups: list[Group], since_days: int, examples: int = 3) -> str:
    lines = [
        f"# Questions the documents did not answer well (last {since_days} days)",
        "",
        "| # | questions | declined | thumbs down | examples |",
        "| ---: | ---: | ---: | ---: | --- |",
    ]
    for n, g in enumerate(groups, start=1):
        sample = "; ".join(dict.fromkeys(g.questions))
        shown = " · ".join(list(dict.fromkeys(g.questions))[:examples]) if sample else ""
        lines.append(
            f"| {n} | {g.count} | {g.declined} | {g.thumbs_down} | {shown.replace('|', '/')} |"
        )
    if not groups:
        lines.append("| – | 0 | 0 | 0 | nothing to report |")
    return "\n".join(lines)


def as_csv(groups: list[Group], examples: int = 3) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["group", "questions", "declined", "thumbs_down", "examples"])
    for n, g in enumerate(groups, start=1):
        shown = " | ".join(list(dict.fromkeys(g.questions))[:examples])
        writer.writerow([n, g.count, g.declined, g.thumbs_down, shown])
    return out.getvalue()
