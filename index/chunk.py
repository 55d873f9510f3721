"""Pure chunking: cleaned pages of one document -> chunks that follow sentences.

A chunk never cuts a word or a sentence (a sentence longer than the budget is split at word
boundaries), starts afresh at each section heading, and repeats the last sentence or two of
the previous chunk as overlap. Page spans are exact: a chunk records the physical pages of its
first and last character, so one that crosses a page break has page_start < page_end.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

TokenCounter = Callable[[str], int]

_ABBREVIATIONS = {
    "e.g", "i.e", "etc", "dr", "mr", "mrs", "ms", "vs", "st", "no", "p", "pp", "fig", "al",
    "approx", "cf", "vol", "ed", "eds", "inc", "ltd", "dept", "prof", "jr", "sr",
}  # fmt: skip
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9•])")
_BULLET_LINE = re.compile(r"\n(?=\s*(?:[•●▪◦○■□‣–\-*]|\d{1,2}[.)]|[a-z][.)])\s)")
_TOKEN = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class ChunkParams:
    max_tokens: int = 200  # the model reads 256 word pieces; leave room for the section title
    overlap_tokens: int = 40


@dataclass(frozen=True)
class PageText:
    number: int  # 1-based physical page
    label: str | None
    text: str
    joins_next: bool = False
    contents: bool = False  # a page of a table of contents


@dataclass(frozen=True)
class SectionMark:
    page: int
    title: str
    level: int = 0


@dataclass(frozen=True)
class Chunk:
    """A passage of one document with its exact page span and the heading it sits under."""

    id: str
    document_id: str
    ordinal: int
    page_start: int
    page_end: int
    page_label: str | None
    section: str | None
    text: str
    sentences: tuple[str, ...] = field(default=())
    contents: bool = False  # made of table-of-contents lines only: not worth quoting

    def to_dict(self) -> dict:
        data = asdict(self)
        data["sentences"] = list(self.sentences)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Chunk:
        return cls(**{**data, "sentences": tuple(data.get("sentences", ()))})


def approx_tokens(text: str) -> int:
    """Word-piece estimate used when no tokenizer is given (tests, fake embedder)."""
    return math.ceil(len(_TOKEN.findall(text)) * 1.2)


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    text: str
    section: str | None
    tokens: int


def _layout(pages: Sequence[PageText]) -> tuple[str, list[int]]:
    parts, starts, pos = [], [], 0
    for i, page in enumerate(pages):
        starts.append(pos)
        sep = "" if page.joins_next or i == len(pages) - 1 else "\n"
        parts.append(page.text + sep)
        pos += len(page.text) + len(sep)
    return "".join(parts), starts


def _locate_headings(
    full: str,
    starts: list[int],
    pages: Sequence[PageText],
    marks: Sequence[SectionMark],
) -> list[tuple[int, int, str]]:
    """(start, end, title) of each heading in the text; end == start when not found verbatim."""
    by_number = {p.number: i for i, p in enumerate(pages)}
    found: list[tuple[int, int, str]] = []
    for mark in marks:
        i = by_number.get(mark.page)
        if i is None:
            continue
        lo = starts[i]
        hi = starts[i + 1] if i + 1 < len(starts) else len(full)
        words = [re.escape(w) for w in mark.title.split()]
        m = re.search(r"\s+".join(words), full[lo:hi], re.IGNORECASE) if words else None
        if m:
            found.append((lo + m.start(), lo + m.end(), mark.title))
        else:
            found.append((lo, lo, mark.title))
    found.sort()
    return found


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Offsets of sentences in a block of text (abbreviations such as 'e.g.' do not end one)."""
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        before = text[start : m.start() + 1].rstrip()
        last_word = re.split(r"\s", before)[-1].rstrip(".!?…\"'”’)]").lower() if before else ""
        if last_word in _ABBREVIATIONS or re.fullmatch(r"[a-z]", last_word or "x"):
            continue
        spans.append((start, m.end()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def _split_long(text: str, budget: int, count: TokenCounter) -> list[str]:
    """Cut an over-long sentence at word boundaries, preferring ';' or ',' breaks."""
    words = text.split()
    pieces, current = [], []
    for word in words:
        trial = " ".join([*current, word])
        if current and count(trial) > budget:
            cut = max((j for j, w in enumerate(current) if w.endswith((";", ","))), default=-1)
            if cut >= len(current) // 2:
                pieces.append(" ".join(current[: cut + 1]))
                current = current[cut + 1 :]
            else:
                pieces.append(" ".join(current))
                current = []
        current.append(word)
    if current:
        pieces.append(" ".join(current))
    return pieces


def _units(
    full: str,
    headings: list[tuple[int, int, str]],
    params: ChunkParams,
    count: TokenCounter,
    breaks: Sequence[int] = (),
) -> list[_Unit]:
    """Sentences (or pieces of over-long ones) between cuts: headings and `breaks`."""
    cuts = sorted({0, len(full), *[h[0] for h in headings], *[h[1] for h in headings], *breaks})
    head_at = {(s, e): t for s, e, t in headings if e > s}
    titles = [(s, t) for s, _, t in headings]
    units: list[_Unit] = []
    for a, b in itertools.pairwise(cuts):
        if (a, b) in head_at or a >= b:
            continue
        k = bisect.bisect_right([s for s, _ in titles], a) - 1
        section = titles[k][1] if k >= 0 else None
        region = full[a:b]
        block_starts = [0] + [m.end() for m in re.finditer(r"\n\s*\n", region)]
        block_starts += [m.start() + 1 for m in _BULLET_LINE.finditer(region)]
        block_starts = [*sorted(set(block_starts)), len(region)]
        for bs, be in itertools.pairwise(block_starts):
            block = region[bs:be]
            for s, e in split_sentences(block):
                raw = block[s:e]
                text = " ".join(raw.split())
                if not text:
                    continue
                lead = len(raw) - len(raw.lstrip())
                start = a + bs + s + lead
                end = a + bs + s + len(raw.rstrip())
                n = count(text)
                if n <= params.max_tokens:
                    units.append(_Unit(start, end, text, section, n))
                    continue
                offset = start
                for piece in _split_long(text, params.max_tokens, count):
                    words = piece.split()
                    offset = max(full.find(words[0], offset, end), start)
                    stop = offset
                    for word in words:  # where the piece's last word ends in the page text
                        found = full.find(word, stop, end)
                        stop = end if found < 0 else found + len(word)
                    units.append(_Unit(offset, stop, piece, section, count(piece)))
                    offset = stop
    return units


def _label(pages: Sequence[PageText], i: int, j: int) -> str | None:
    a, b = pages[i].label, pages[j].label
    if a is None or b is None:
        return None
    return a if i == j else f"{a}–{b}"


def chunk_document(
    document_id: str,
    pages: Sequence[PageText],
    sections: Sequence[SectionMark] = (),
    params: ChunkParams | None = None,
    count_tokens: TokenCounter = approx_tokens,
) -> list[Chunk]:
    """Split one document's cleaned pages into chunks with exact page spans and sections."""
    params = params or ChunkParams()
    full, starts = _layout(pages)
    # where a table of contents begins or ends: no sentence runs across
    breaks = [starts[i] for i in range(1, len(pages)) if pages[i].contents != pages[i - 1].contents]
    headings = _locate_headings(full, starts, pages, sections)
    units = _units(full, headings, params, count_tokens, breaks)
    groups: list[list[_Unit]] = []
    current: list[_Unit] = []
    size = 0

    def in_contents(unit: _Unit) -> bool:
        return pages[bisect.bisect_right(starts, unit.start) - 1].contents

    for unit in units:
        # a table of contents never shares a chunk with the text after it
        new_section = current and (
            unit.section != current[-1].section or in_contents(unit) != in_contents(current[-1])
        )
        if current and (new_section or size + unit.tokens > params.max_tokens):
            groups.append(current)
            carry: list[_Unit] = []
            if not new_section:
                for prev in reversed(current):
                    kept = sum(u.tokens for u in carry) + prev.tokens
                    if kept > params.overlap_tokens or kept + unit.tokens > params.max_tokens:
                        break
                    carry.insert(0, prev)
            current, size = carry, sum(u.tokens for u in carry)
        current.append(unit)
        size += unit.tokens
    if current:
        groups.append(current)

    chunks: list[Chunk] = []
    for ordinal, group in enumerate(groups):
        first = bisect.bisect_right(starts, group[0].start) - 1
        last = bisect.bisect_right(starts, max(group[-1].end - 1, group[0].start)) - 1
        chunks.append(
            Chunk(
                id=f"{document_id}:{ordinal}",
                document_id=document_id,
                ordinal=ordinal,
                page_start=pages[first].number,
                page_end=pages[last].number,
                page_label=_label(pages, first, last),
                section=group[0].section,
                text=" ".join(u.text for u in group),
                sentences=tuple(u.text for u in group),
                contents=all(p.contents for p in pages[first : last + 1]),
            )
        )
    return chunks
