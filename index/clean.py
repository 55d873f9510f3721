"""Pure text cleaning of extracted pages: what a reader would not count as the page's text.

Removes running headers and footers (lines that repeat at the top or bottom of many pages,
page numbers included), joins words hyphenated across line breaks, normalises ligatures and
unicode, and tidies whitespace. Nothing else of the text is altered. Pages of a table of
contents are marked (`CleanPage.contents`): their lines are titles and page numbers, which
answer no question, so chunks made of them can be left out of answers.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

# lines at the top and bottom of a page that may be a header or footer: a two-line header plus
# a footer and a page number, in whatever order the PDF draws them
EDGE_LINES = 4
MIN_REPEATS = 3  # a header repeats at the edge of at least this many pages (one more from 20)

_INVISIBLE = dict.fromkeys(
    # soft hyphen, zero-width characters, and private-use glyphs (icon fonts, drawn bullets)
    [0x00AD, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, *range(0xE000, 0xF900)]
)
_DASHES = {0x2010: "-", 0x2011: "-"}
_ROMAN = re.compile(r"^[ivxlcdm]{1,6}$", re.IGNORECASE)
_HYPHEN_BREAK = re.compile(r"([A-Za-z]{1,40})-\n([a-z][A-Za-z]*)")
_DOT_LEADER = re.compile(r"(?:\s?\.){4,}\s?")  # table-of-contents dot leaders
_HYPHEN_PREFIXES = {"non", "self", "well", "peer", "co", "semi", "anti"}
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_ENDS_IN_PAGE = re.compile(r"(?:^|\s)(?:\d{1,3}|[ivxlc]{1,6})$", re.IGNORECASE)
CONTENTS_SHARE = 0.3  # of a page's lines ending in a page number (body pages: under 0.3)
CONTENTS_LINES = 5  # ... and at least this many (a page that continues contents: any)


@dataclass(frozen=True)
class CleanPage:
    text: str
    joins_next: bool  # the last word is hyphenated onto the next page: join without a space
    contents: bool = False  # a page of a table of contents


def _page_number_share(text: str) -> tuple[int, float]:
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    ending = sum(bool(_ENDS_IN_PAGE.search(line)) for line in lines)
    return ending, ending / len(lines) if lines else 0.0


def contents_pages(texts: list[str]) -> list[bool]:
    """Which cleaned pages list titles with page numbers: a table of contents (with its
    dot leaders gone, or with each number on a line of its own), or its last short page."""
    marks: list[bool] = []
    for text in texts:
        ending, share = _page_number_share(text)
        continues = bool(marks) and marks[-1] and ending > 0
        marks.append(share >= CONTENTS_SHARE and (ending >= CONTENTS_LINES or continues))
    return marks


def normalise_unicode(text: str) -> str:
    """NFKC (ligatures such as 'ﬁ' become 'fi'), no invisible or private-use characters."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_DASHES)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return "".join(c for c in text if c == "\n" or unicodedata.category(c)[0] != "C")


def _key(line: str) -> str:
    """A line with its page numbers (arabic, or lower-case roman) masked, for comparison."""
    masked = re.sub(r"\b[ivxlc]{1,7}\b", "#", re.sub(r"\d+", "#", line))
    return re.sub(r"\s+", " ", masked).strip().lower()


def _edges(lines: list[str]) -> tuple[list[int], list[int]]:
    """Indexes of the lines that may be a header (top) or a footer (bottom) on this page."""
    idx = [i for i, line in enumerate(lines) if line.strip()]
    n = EDGE_LINES if len(idx) > 2 * EDGE_LINES else 1  # short pages: only the outermost lines
    return idx[:n], idx[-n:] if idx else []


def find_running_lines(pages: list[list[str]]) -> set[str]:
    """Keys of lines repeating at page tops or bottoms often enough to be headers or footers.

    A line right next to such a header at a page edge (a chapter title printed under the book
    title, say) needs only two repeats, if at least half of its occurrences are in that place:
    short chapters repeat their running title less often.
    """
    counts: Counter[str] = Counter()
    for lines in pages:
        top, bottom = _edges(lines)
        counts.update({_key(lines[i]) for i in top + bottom})
    needed = MIN_REPEATS if len(pages) < 20 else MIN_REPEATS + 1
    running = {k for k, n in counts.items() if k and n >= needed}
    beside: Counter[str] = Counter()
    for lines in pages:
        top, bottom = _edges(lines)
        edge = set(top + bottom)
        keys = {_key(lines[i]) for i in edge}
        found = {i for i in edge if _key(lines[i]) in running}
        near = {j for i in found for j in (i - 1, i + 1) if j in edge and j not in found}
        beside.update({_key(lines[j]) for j in near} - keys.intersection(running))
    everywhere = Counter(_key(line) for lines in pages for line in lines)
    return running | {k for k, n in beside.items() if k and n >= 2 and 2 * n >= everywhere[k]}


def _is_page_number(line: str) -> bool:
    s = line.strip().strip("-–—|·. ").lower()
    s = re.sub(r"^(page|p\.)\s*", "", s)
    s = re.sub(r"\s*(of|/)\s*\d+$", "", s)
    return bool(s) and ((s.isdigit() and len(s) <= 4) or bool(_ROMAN.match(s)))


def _strip_edges(lines: list[str], running: set[str]) -> list[str]:
    def furniture(i: int) -> bool:
        return _key(lines[i]) in running or _is_page_number(lines[i])

    top, bottom = _edges(lines)
    drop = {i for i in top + bottom if furniture(i)}
    # A short page (the end of a chapter) counts only its outermost lines as edges, yet still
    # carries the whole footer: peel known running lines off each end, up to EDGE_LINES deep.
    # A line between two of them is part of the footer too: the running title of a chapter
    # one page long, which repeats nowhere else.
    idx = [i for i, line in enumerate(lines) if line.strip()]
    for side in (idx[:EDGE_LINES], idx[::-1][:EDGE_LINES]):
        for n, i in enumerate(side):
            beyond = side[n + 1] if n + 1 < len(side) else None
            between = bool(n) and beyond is not None and _key(lines[beyond]) in running
            if not (furniture(i) or between):
                break
            drop.add(i)
    return [line for i, line in enumerate(lines) if i not in drop]


def _vocabulary(text: str) -> tuple[set[str], set[str]]:
    """Words and hyphenated compounds that occur inside lines (not split by a line break)."""
    words, compounds = set(), set()
    for line in _HYPHEN_BREAK.sub(" ", text).split("\n"):  # fragments of split words left out
        for w in _WORD.findall(line):
            (compounds if "-" in w else words).add(w.lower())
    return words, compounds


def _join_hyphenated(text: str, words: set[str], compounds: set[str]) -> str:
    def join(m: re.Match[str]) -> str:
        left, right = m.group(1), m.group(2)
        joined, compound = (left + right).lower(), f"{left}-{right}".lower()
        if joined in words:
            return left + right  # the document spells it unbroken elsewhere
        if (
            compound in compounds
            or left.lower() in _HYPHEN_PREFIXES
            or (len(left) > 2 and len(right) > 2 and {left.lower(), right.lower()} <= words)
        ):
            return f"{left}-{right}"  # a real compound such as peer-led or non-harming
        return left + right

    return _HYPHEN_BREAK.sub(join, text)


def _tidy(text: str) -> str:
    text = _DOT_LEADER.sub(" … ", text)
    lines = [re.sub(r"[ \u00a0]{2,}", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def clean_pages(texts: list[str]) -> list[CleanPage]:
    """Clean every page of one document together (headers are found across pages)."""
    pages = [normalise_unicode(t).split("\n") for t in texts]
    running = find_running_lines(pages)
    stripped = [_tidy("\n".join(_strip_edges(lines, running))) for lines in pages]
    words, compounds = _vocabulary("\n".join(stripped))
    cleaned = [_join_hyphenated(t, words, compounds) for t in stripped]
    contents = contents_pages(cleaned)
    result: list[CleanPage] = []
    for i, text in enumerate(cleaned):
        nxt = cleaned[i + 1] if i + 1 < len(cleaned) else ""
        joins = bool(re.search(r"[A-Za-z]-$", text)) and bool(re.match(r"[a-z]", nxt))
        if joins:
            text = text[:-1]
        result.append(CleanPage(text=text, joins_next=joins, contents=contents[i]))
    return result
