"""Follow-up questions: when a message only makes sense after the previous one, and its context.

"and for groups that meet by video?" or "how much is typical?" asked alone finds nothing
useful; searched with the question it follows ("how do we run a group online?") it does. A
message is taken as a follow-up when it opens by referring back ("and ...", "what about ...",
"if they say no?"), or has almost no content words of its own, or leans on a pronoun with few
content words. A new full question is searched alone, so a change of topic is not dragged back.

In context, the query vector is the follow-up's blended with the vector of the question that
set the topic (the nearest earlier message that was not itself a follow-up), and BM25 gets the
words of every message of that chain. Only that one earlier message is encoded, and the search
caches vectors per text, so it is usually a cache hit: it was asked moments ago.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .keyword import tokenize

# opening words that tie a message to the previous one
_OPENERS = re.compile(
    r"^\s*(?:and|but|or|also|plus|so|then|ok(?:ay)?|what about|how about|what if|"
    r"what else|anything else|same|even|if (?:they|he|she|it|that|someone|we|i|not|so)|"
    r"in that case|instead)\b",
    re.IGNORECASE,
)
# words that point back to something named earlier
_POINTERS = re.compile(
    r"\b(?:it|its|they|them|their|theirs|this|that|these|those|there|he|she|him|her|"
    r"such|one|ones|others|else|too|either|instead|afterwards|then|typical|usual|normal)\b",
    re.IGNORECASE,
)
# phrases that can only point back, whatever else the message says: "one of them is on
# universal credit, does that change anything?", "it hasn't worked. what next", "do we warn
# people about it first"
_BACK_REFERENCES = re.compile(
    r"\b(?:one|some|all|both|any|none|each|either|neither|most|half)\s+of\s+(?:them|those|these)\b"
    r"|\b(?:does|did|would|will|could|can|is|was)\s+(?:that|this)\s+(?:change|matter|apply|work|count|affect|mean)\b"
    r"|\bwhat\s+next\b|\b(?:it|that|this)\s+(?:hasn'?t|has\s+not|didn'?t|did\s+not|doesn'?t|does\s+not)\s+"
    r"(?:worked|work|helped|help)\b|\b(?:warn|tell|ask|remind)\s+(?:people|members|everyone|them)\s+about\s+it\b",
    re.IGNORECASE,
)
# content words that say nothing about the topic on their own
_VAGUE = frozenset(
    "much many typical typically usual usually normal normally long often way ways thing "
    "things kind sort happen happens best good bad right ok okay need needs say says said "
    "mean means work works else instead example still actually really would could us "
    "put get got do does done".split()
)


# a message that says it changes the subject: "different question - ...", "ok ta. unrelated but
# ...", "Something else: ...". It is never a follow-up, and the marker is not what it asks.
_TOPIC_CHANGE = re.compile(
    r"^\s*(?:(?:ok(?:ay)?|ta|thanks|thank\s+you|cheers|right|also|and|so)\b[\s,.!]*){0,3}"
    r"(?:(?:(?:totally|completely)\s+)?(?:different|separate|new|another|other)\s+"
    r"(?:question|thing|topic|q|subject|one|matter)|(?:totally|completely)\s+different|unrelated|"
    r"changing\s+the\s+subject|something\s+else|on\s+another\s+note)\b(?:\s+but\b)?[\s,.:;!?-]*",
    re.IGNORECASE,
)


def without_topic_change(message: str) -> str:
    """The message without a leading "different question -" (itself, if it has none or if
    nothing would be left)."""
    found = _TOPIC_CHANGE.match(message)
    rest = message[found.end() :].strip() if found else ""
    return rest or message


@dataclass(frozen=True)
class FollowupParams:
    """When a message is a follow-up, and how much its context weighs (tuned on
    tests/data/followups_dev.jsonl; figures in the README)."""

    # query vector: follow-up + w * topic question, w = context_weight - context_weight_per_word
    # * the follow-up's topical words, at least min_context_weight: the fewer words of its own
    # ("how do we do that nicely?"), the more the topic question says what it is about
    context_weight: float = 1.0
    context_weight_per_word: float = 0.15
    min_context_weight: float = 0.4
    max_content_words: int = 2  # at most this many topical words: a follow-up by itself
    max_pointer_words: int = 3  # with a pronoun pointing back, a follow-up up to this many
    max_back_reference_words: int = 10  # with a phrase that can only point back (_BACK_REFERENCES)
    max_chain: int = 3  # earlier messages followed back at most


@dataclass(frozen=True)
class Context:
    """What a query is searched as: its vector, the text BM25 matches, what it follows up."""

    query: str
    vector: np.ndarray
    keywords: str
    follows: tuple[str, ...] = ()  # the earlier messages it was put in the context of

    @property
    def is_followup(self) -> bool:
        return bool(self.follows)


def refers_back(message: str, params: FollowupParams | None = None) -> bool:
    """Does this message only make sense after the previous one?"""
    params = params or FollowupParams()
    if without_topic_change(message) != message:
        return False
    topical = [w for w in tokenize(message) if w not in _VAGUE]
    if len(topical) <= params.max_content_words:
        return True
    if _OPENERS.match(message):
        return True
    if len(topical) <= params.max_back_reference_words and _BACK_REFERENCES.search(message):
        return True
    return len(topical) <= params.max_pointer_words and bool(_POINTERS.search(message))


def weight(query: str, params: FollowupParams | None = None) -> float:
    """How much the topic question weighs in a follow-up's query vector (FollowupParams)."""
    params = params or FollowupParams()
    topical = sum(1 for w in tokenize(query) if w not in _VAGUE)
    return max(
        params.min_context_weight,
        params.context_weight - params.context_weight_per_word * topical,
    )


def chain(query: str, history: Sequence[str], params: FollowupParams | None = None) -> list[str]:
    """The earlier messages the query follows up, nearest first, ending with the one that set
    the topic; empty when the query stands alone (or there is no usable history)."""
    params = params or FollowupParams()
    earlier = [m.strip() for m in history if m and m.strip()]
    if not earlier or not refers_back(query, params):
        return []
    out: list[str] = []
    for message in reversed(earlier):
        out.append(message)
        if len(out) >= params.max_chain or not refers_back(message, params):
            break
    return out


def context(
    query: str,
    history: Sequence[str],
    encode: Callable[[str], np.ndarray],
    params: FollowupParams | None = None,
) -> Context:
    """The query in the context of its conversation (`encode`: text -> unit vector, cached)."""
    params = params or FollowupParams()
    follows = chain(query, history, params)
    if not follows:
        asked = without_topic_change(query)
        return Context(query, encode(asked), asked)
    vector = encode(query)
    blended = vector + weight(query, params) * encode(follows[-1])
    norm = float(np.linalg.norm(blended))
    if norm > 0:
        blended = blended / norm
    keywords = " ".join([query, *follows])
    return Context(query, blended.astype(np.float32), keywords, tuple(follows))
