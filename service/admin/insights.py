"""What people ask, from the redacted query log and the feedback (pure: rows in, figures out).

Crisis messages are counted and never shown: the log keeps no text for them anyway. Charts are
drawn here as SVG markup (no script, no third-party request) with a table of the same figures.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html import escape

PERIODS = (7, 30, 90, 365)


@dataclass(frozen=True)
class Bucket:
    start: date
    days: int
    asked: int  # non-crisis questions
    answered: int
    crisis: int

    @property
    def share(self) -> float | None:
        return self.answered / self.asked if self.asked else None

    @property
    def label(self) -> str:
        if self.days == 1:
            return f"{self.start:%d %b}"
        return f"week of {self.start:%d %b}"


@dataclass(frozen=True)
class ThumbsDown:
    at: datetime
    question: str | None  # redacted; None when the question is no longer in the log
    reason: str | None
    document: str | None
    page: int | None


@dataclass
class Overview:
    days: int
    asked: int = 0
    answered: int = 0
    crisis: int = 0
    helpful: int = 0
    unhelpful: int = 0
    buckets: list[Bucket] = field(default_factory=list)
    documents: list[tuple[str, int]] = field(default_factory=list)  # filename, answers citing it
    pages: list[tuple[str, int, int]] = field(default_factory=list)  # filename, page, answers
    thumbs_down: list[ThumbsDown] = field(default_factory=list)

    @property
    def declined(self) -> int:
        return self.asked - self.answered

    @property
    def share(self) -> float | None:
        return self.answered / self.asked if self.asked else None


def aware(value: datetime) -> datetime:
    """SQLite gives back naive datetimes; the log is written in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def period(value: object, retention_days: int) -> int:
    """A period in days from the query string: one of PERIODS, 30 by default."""
    try:
        days = int(str(value))
    except (TypeError, ValueError):
        days = 30
    return days if days in PERIODS else 30


def overview(
    queries: list[dict], feedback: list[dict], days: int, today: date | None = None
) -> Overview:
    """Figures over the last `days` days; `queries` and `feedback` are storage rows."""
    today = today or datetime.now(UTC).date()
    first = today - timedelta(days=days - 1)
    step = 1 if days <= 31 else 7
    result = Overview(days=days)
    counts: dict[int, list[int]] = {}
    cited_docs: Counter[str] = Counter()
    cited_pages: Counter[tuple[str, int]] = Counter()
    by_id = {}
    for row in queries:
        day = aware(row["created_at"]).date()
        if day < first:
            continue
        by_id[row["query_id"]] = row
        slot = counts.setdefault((day - first).days // step, [0, 0, 0])
        if row["crisis"]:
            result.crisis += 1
            slot[2] += 1
            continue
        result.asked += 1
        slot[0] += 1
        if row["answered"]:
            result.answered += 1
            slot[1] += 1
            if row["top_document"]:
                cited_docs[row["top_document"]] += 1
                cited_pages[(row["top_document"], row["top_page"] or 0)] += 1
    n_buckets = (days + step - 1) // step
    for i in range(n_buckets):
        start = first + timedelta(days=i * step)
        asked, answered, crisis = counts.get(i, (0, 0, 0))
        result.buckets.append(Bucket(start, step, asked, answered, crisis))
    result.documents = cited_docs.most_common(10)
    result.pages = [(d, p, n) for (d, p), n in cited_pages.most_common(10)]
    for note in sorted(feedback, key=lambda r: aware(r["created_at"]), reverse=True):
        if aware(note["created_at"]).date() < first:
            continue
        if note["helpful"]:
            result.helpful += 1
            continue
        result.unhelpful += 1
        row = by_id.get(note["query_id"])
        if row is not None and row["crisis"]:
            continue  # never any detail about a crisis message
        result.thumbs_down.append(
            ThumbsDown(
                at=aware(note["created_at"]),
                question=row["question"] if row else None,
                reason=note["reason"],
                document=row["top_document"] if row else None,
                page=row["top_page"] if row else None,
            )
        )
    return result


def share_chart(buckets: list[Bucket], width: int = 640, height: int = 180) -> str:
    """An SVG bar chart of the share answered per bucket (an empty bar: nothing asked)."""
    n = max(1, len(buckets))
    left, bottom, top = 36, 22, 8
    plot_h = height - bottom - top
    bar_w = (width - left) / n
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-title" '
        f'xmlns="http://www.w3.org/2000/svg">',
        '<title id="chart-title">Share of questions answered, '
        f"{escape(buckets[0].label) if buckets else ''} to "
        f"{escape(buckets[-1].label) if buckets else ''}</title>",
    ]
    for pct in (0, 50, 100):
        y = top + plot_h * (1 - pct / 100)
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{pct}%</text>'
        )
    for i, b in enumerate(buckets):
        x = left + i * bar_w + bar_w * 0.15
        w = max(1.0, bar_w * 0.7)
        if b.share is None:
            continue
        h = plot_h * b.share
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{w:.1f}" '
            f'height="{h:.1f}"><title>{escape(b.label)}: {b.answered} of {b.asked} answered'
            f"</title></rect>"
        )
    label_every = max(1, n // 6)
    for i, b in enumerate(buckets):
        if i % label_every == 0:
            x = left + i * bar_w + bar_w / 2
            parts.append(
                f'<text class="axis" x="{x:.1f}" y="{height - 6}" text-anchor="middle">'
                f"{b.start:%d %b}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def overview_csv(result: Overview) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["period_start", "days", "questions", "answered", "declined", "crisis"])
    for b in result.buckets:
        writer.writerow([b.start.isoformat(), b.days, b.asked, b.answered, b.asked - b.answered,
                         b.crisis])  # fmt: skip
    return out.getvalue()


def thumbs_down_csv(result: Overview) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["when", "question", "reason", "document", "page"])
    for t in result.thumbs_down:
        writer.writerow(
            [t.at.isoformat(timespec="seconds"), t.question or "", t.reason or "",
             t.document or "", t.page or ""]
        )  # fmt: skip
    return out.getvalue()
