"""Extractive answers (pure): the documents' own sentences, each tied to a numbered citation.

No language model writes anything: the answer is 2-4 sentences quoted verbatim from the top
passages, chosen by their similarity to the question (sentence vectors made at index build
time), kept diverse, at most about 120 words, each followed by its [n] marker. When the best
passage is not similar enough, the answer says plainly that the documents don't seem to cover
the question, and the nearest passages are still returned to browse.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from index import Hit

NOT_COVERED = (
    "The toolkit and reports don't seem to cover this. The closest sections are listed below in "
    "case they help."
)
_BULLET = re.compile(r"^\s*[•●▪◦○■□‣*–-]\s*")
_WORD = re.compile(r"[a-z0-9]+")
# A contents line: a section number first ("8.6 Why were ...", after its page number "16 8.6
# ..."), or several numbered headings in one "sentence".
_SECTION_NUMBER = re.compile(r"\b\d+(\.\d+)+\s+[A-Z]")
_CONTENTS_START = re.compile(r"^(\d+\s+)?\d+(\.\d+)+\s")
_LIST_NUMBER = re.compile(r"^\(?\d{1,2}[.)]$")  # "4." split from its list item
_SHORT_ITEM = 8  # words: a numbered item this short is a topic in a list, not an answer
_STOP = frozenset(
    "a an and are as at be by can do does for from how i if in is it of on or our should that the "
    "their there they this to was we what when where which who why with you your".split()
)


@dataclass(frozen=True)
class Quote:
    n: int  # the citation number, 1-based
    sentence: str


@dataclass(frozen=True)
class Answer:
    text: str
    answered: bool
    citations: list[Hit]  # citation n is citations[n - 1]
    quotes: list[Quote] = field(default_factory=list)


@dataclass(frozen=True)
class _Candidate:
    score: float
    hit: int
    position: int
    text: str


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def _quotable(sentence: str, previous: str = "") -> str | None:
    """The sentence without its bullet, if it reads as a sentence (not a heading or contents).

    `previous` is the sentence before it in the passage: a bare list number there ("4.") makes
    this a numbered item, quoted only when it says more than a topic's name.
    """
    bullet = bool(_BULLET.match(sentence))
    text = _BULLET.sub("", sentence).strip()
    tokens = text.split()
    if not 5 <= len(tokens) <= 60 or text.endswith(":") or not re.search(r"[a-z]", text):
        return None
    if _CONTENTS_START.match(text) or len(_SECTION_NUMBER.findall(text)) >= 2:
        return None
    if _LIST_NUMBER.match(previous.strip()) and len(tokens) < _SHORT_ITEM:
        return None
    if sum(t.strip(".,;()").isdigit() for t in tokens) > len(tokens) / 5:
        return None  # a table row or a contents line
    if not bullet and not re.search(r"[.!?…][\"'”’)\]]*$", text):
        return None  # a heading, a caption or a fragment cut from a table
    return text


def _candidates(hits: list[Hit], gate: float) -> list[_Candidate]:
    """The quotable sentences of the passages scoring at least `gate`, best first."""
    candidates: list[_Candidate] = []
    for h, hit in enumerate(hits):
        if hit.score < gate:
            continue
        sentences = hit.chunk.sentences
        for i, (sentence, score) in enumerate(zip(sentences, hit.sentence_scores, strict=True)):
            text = _quotable(sentence, sentences[i - 1] if i else "")
            if text:
                candidates.append(_Candidate(0.75 * score + 0.25 * hit.score, h, i, text))
    return sorted(candidates, key=lambda c: -c.score)


def _similar(a: str, b: str) -> bool:
    wa, wb = _words(a), _words(b)
    return bool(wa and wb) and len(wa & wb) / min(len(wa), len(wb)) > 0.6


def compose(
    hits: Sequence[Hit],
    *,
    threshold: float,
    max_sentences: int = 4,
    min_sentences: int = 2,
    max_words: int = 120,
    pool: int = 4,
    supporting: float = 0.8,
) -> Answer:
    """Build the answer from a question's ranked `hits` (their sentence scores are the
    sentences' similarity to the question; see the module docstring).

    The answer is given when the best passage reaches `threshold`, from the sentences of the
    passages of the `pool` that reach it too. When none of those has a sentence to quote (the
    best passage may be a table), passages down to `supporting` × `threshold` are used.
    """
    hits = list(hits)
    if not hits or hits[0].score < threshold:
        return Answer(NOT_COVERED, False, hits)

    candidates = _candidates(hits[:pool], threshold) or _candidates(
        hits[:pool], threshold * supporting
    )

    chosen: list[_Candidate] = []
    words = 0
    for cand in candidates:
        if len(chosen) == max_sentences:
            break
        if len(chosen) >= min_sentences and cand.score < chosen[0].score - 0.12:
            break
        n = len(cand.text.split())
        if words + n > max_words or any(_similar(cand.text, c.text) for c in chosen):
            continue
        chosen.append(cand)
        words += n
    if not chosen:
        return Answer(NOT_COVERED, False, hits)

    # Passages in the order of their best sentence; sentences in document order within each.
    order: list[int] = []
    for cand in chosen:
        if cand.hit not in order:
            order.append(cand.hit)
    number = {h: n for n, h in enumerate(order, start=1)}
    cited = [hits[h] for h in order] + [hit for h, hit in enumerate(hits) if h not in number]
    quotes = [
        Quote(number[c.hit], c.text)
        for c in sorted(chosen, key=lambda c: (number[c.hit], c.position))
    ]
    text = " ".join(f"{q.sentence} [{q.n}]" for q in quotes)
    return Answer(text, True, cited, quotes)


def preceded_by(message: str, answer: Answer) -> Answer:
    """`message` first, then the answer's quotes if there are any (with their citations).

    For someone else in danger now: the call-999 message, then what the documents say to do.
    """
    if not answer.answered:
        return Answer(message, False, [])
    return Answer(f"{message}\n\n{answer.text}", True, answer.citations, answer.quotes)
