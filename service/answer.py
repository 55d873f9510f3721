"""Extractive answers (pure): the documents' own sentences, each run tied to a numbered citation.

No language model writes anything. For each thing the question asks (most ask one; "how do we
find a venue and what should we charge?" asks two: service/question.py), the judge
(service/judge.py) decides whether the passages found answer it. If so, the answer quotes an
excerpt: the sentence that answers best, then the sentences that follow it in the same
passage while they stay on the question (consecutive sentences read as the documents wrote
them; a collage of loose sentences does not), with one [n] marker after the run; a second,
shorter excerpt from another passage is added when the first is short. A list is quoted
whole with the sentence that introduces it. Contents lines, headings, list stubs, table cells
and running footers are never quoted (service/sentences.py).

A part the documents don't cover gets a fixed sentence naming that part; a question none of
whose parts is covered gets the fixed NOT_COVERED sentence, and the nearest passages are
returned as citations so that what the documents do say nearby can still be read.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from index import Hit

from . import question as q
from .judge import Judge, for_model
from .sentences import Candidate, candidates

NOT_COVERED = (
    "The toolkit and reports don't seem to cover this. The closest sections are listed below in "
    "case they help."
)
PART_NOT_COVERED = "The toolkit and reports don't seem to cover this part: “{part}”"
POOL = 2  # passages an excerpt may come from
MAX_RUN = 5  # sentences in one excerpt
DROP = 0.7  # the next sentence stays in the excerpt while its cosine is within this of the first's
FLOOR = 0.12  # ... and at least this
BACK = 4  # sentences before the best one that may open the excerpt: when it refers back to
LEAD = 0.3  # them, or when they are nearly as close to the question (a topic sentence)
SHORT = 30  # words: an excerpt this short gets a second one from another passage
SECOND = 0.12  # ... if that one's best sentence's cosine is within this of the first's
_REFERS_BACK = re.compile(r"^(?:It|This|These|That|Those|They|Such|So|But|However|Also)\b")


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


def _words(text: str) -> set[str]:
    return set(q.content_words(text))


def _similar(a: str, b: str) -> bool:
    wa, wb = _words(a), _words(b)
    return bool(wa and wb) and len(wa & wb) / min(len(wa), len(wb)) > 0.6


def _follows(sentence: Candidate, anchor: Candidate) -> bool:
    return sentence.cosine >= max(FLOOR, anchor.cosine - DROP)


def _run(anchor: Candidate, scored: dict, budget: int, taken: list[str]) -> list[Candidate]:
    """The excerpt that starts at `anchor` (or at the sentence before it, when the anchor only
    makes sense after it) and continues while the next sentences stay on the question."""
    run = [anchor]
    words = len(anchor.text.split())
    for back in range(1, BACK + 1):
        before = scored.get((anchor.hit, anchor.position - back))
        needed = _REFERS_BACK.match(run[0].text)
        if (
            before is None
            or before.position + before.span != run[0].position  # a list the run starts inside
            or not (_follows(before, anchor) and (needed or before.cosine >= anchor.cosine - LEAD))
            or (words + len(before.text.split()) > budget and not needed)
            or any(_similar(before.text, t) for t in taken)  # quoted already, for another part
        ):
            break
        run.insert(0, before)
        words += len(before.text.split())
    position = anchor.position + anchor.span
    while len(run) < MAX_RUN:
        nxt = scored.get((anchor.hit, position))
        if nxt is None or not _follows(nxt, anchor):
            break
        n = len(nxt.text.split())
        if words + n > budget or any(_similar(nxt.text, t) for t in taken):
            break  # skipping a sentence would join two that do not follow each other
        run.append(nxt)
        words += n
        position += nxt.span
    return run


def _excerpts(
    part: q.Asked, hits: list[Hit], budget: int, taken: list[str]
) -> list[list[Candidate]]:
    """One or two excerpts answering `part`, best first (empty if nothing can be quoted)."""
    scored = candidates(_words(part.text), hits, POOL)
    ranked = sorted(scored.values(), key=lambda s: -s.score)
    ranked = [s for s in ranked if not any(_similar(s.text, t) for t in taken)]
    if not ranked:
        return []
    first = _run(ranked[0], scored, budget, taken)
    runs = [first]
    used = sum(len(s.text.split()) for s in first)
    if used < SHORT:
        texts = taken + [s.text for s in first]
        for cand in ranked[1:]:
            if cand.cosine < ranked[0].cosine - SECOND:
                break
            if cand.hit != first[0].hit and not any(_similar(cand.text, t) for t in texts):
                second = _run(cand, scored, budget - used, texts)
                runs.append(second[:2])
                break
    return runs


def compose(
    question: str,
    hits: Sequence[Hit],
    *,
    judge: Judge,
    max_words: int = 120,
    vector: np.ndarray | None = None,
) -> Answer:
    """The answer to `question` from its ranked `hits` (their sentence scores are the
    sentences' cosines with the question); see the module docstring. `vector`: the question's
    embedding, which the judge's question prior reads (the search computed it); not for a
    question of several parts, whose vector is no one part's."""
    hits = list(hits)
    if not hits:
        return Answer(NOT_COVERED, False, [])
    parts = q.parts(question)
    budget = max(40, max_words // len(parts))
    taken: list[str] = []
    answers: list[list[list[Candidate]] | None] = []
    for part in parts:
        runs = (
            _excerpts(part, hits, budget, taken)
            if judge.judge(part, question, hits, vector if len(parts) == 1 else None).answers
            else []
        )
        answers.append(runs or None)
        taken += [s.text for run in runs for s in run]
    if all(a is None for a in answers):
        return Answer(NOT_COVERED, False, hits)

    order: list[int] = []
    for runs in answers:
        for run in runs or []:
            if run[0].hit not in order:
                order.append(run[0].hit)
    number = {h: n for n, h in enumerate(order, start=1)}
    cited = [hits[h] for h in order] + [hit for h, hit in enumerate(hits) if h not in number]
    # Runs in answer order; consecutive runs from one passage that join up (two parts answered
    # from the same place) become one run in document order, under one marker.
    pieces: list[tuple[int, list[Candidate]] | str] = []
    for part, runs in zip(parts, answers, strict=True):
        if runs is None:
            pieces.append(PART_NOT_COVERED.format(part=part.text.rstrip("?.! ") + "?"))
            continue
        for run in runs:
            n = number[run[0].hit]
            last = pieces[-1] if pieces else None
            merged = {s.position: s for s in (last[1] if isinstance(last, tuple) else []) + run}
            ordered = [merged[p] for p in sorted(merged)]
            contiguous = all(
                a.position + a.span == b.position for a, b in itertools.pairwise(ordered)
            )
            if isinstance(last, tuple) and last[0] == n and contiguous:
                pieces[-1] = (n, ordered)
            else:
                pieces.append((n, run))
    texts: list[str] = []
    quotes: list[Quote] = []
    for piece in pieces:
        if isinstance(piece, str):
            texts.append(piece)
            continue
        n, run = piece
        texts.append(" ".join(s.text for s in run) + f" [{n}]")
        quotes += [Quote(n, sentence) for s in run for sentence in s.sentences]
    return Answer(" ".join(texts), True, cited, quotes)


def judge_for(fingerprint: str, fallback_threshold: float) -> Judge:
    """The judge for an embedding model: the learned one it was trained for, else the plain
    score threshold (service/judge.py)."""
    return for_model(fingerprint, fallback_threshold)
