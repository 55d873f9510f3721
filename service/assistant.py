"""The /ask pipeline: safety first, then retrieval (in the conversation's context), then the
answer, then the privacy-respecting log line. The API, the command line and the tests call it.

The crisis check runs before anything that can fail: it needs only the embedder (and not even
that: without it the patterns decide). Someone at risk themselves gets the crisis message and
nothing else; someone else in danger now gets the call-999 message and, when the index is up
and the documents cover it, their guidance after it.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from index import Hit, IndexLibraryError, without_topic_change

from . import answer as composer
from . import safety
from .crisis import CrisisCheck
from .engine import Engine

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Turn:
    """One earlier message of the conversation (the API's `history` items)."""

    role: str  # "user" or "assistant"
    content: str


@dataclass(frozen=True)
class Reply:
    """What the assistant says to one question, in parts.

    `answer` is what to show after `safety.message`: the documents' answer (or the fixed
    sentence of a declined question). For someone at risk themselves it is the crisis message
    itself, with no citations (there is nothing to add to it).
    """

    answer: str
    answered: bool
    citations: list[Hit]
    safety: safety.SafetyResult
    query_id: str
    quotes: list[composer.Quote] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def crisis(self) -> bool:
        return self.safety.crisis


# What is logged of a reply: (query_id, question, reply, partner) -> None; never raises.
QueryLog = Callable[[str, str, Reply, str | None], None]


def _no_log(query_id: str, question: str, reply: Reply, partner: str | None) -> None:
    return None


def _random_query_id(crisis: bool) -> str:
    return uuid.uuid4().hex


class Assistant:
    """Owns the pipeline; holds nothing but what it is given."""

    def __init__(
        self,
        engine: Engine,
        crisis: CrisisCheck,
        *,
        answer_threshold: float,
        query_log: QueryLog = _no_log,
        new_query_id: Callable[[bool], str] = _random_query_id,
    ) -> None:
        self.engine = engine
        self.crisis = crisis
        self.answer_threshold = answer_threshold
        self.query_log = query_log
        # crisis -> a query_id; the service's are signed (Storage.new_query_id), so feedback
        # can check an id was issued without waiting for its log row
        self.new_query_id = new_query_id

    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        k: int = 5,
        *,
        partner: str | None = None,
        check: safety.SafetyResult | None = None,
    ) -> Reply:
        """Answer `question`; raises IndexLibraryError only when the index is needed (not a
        crisis) and unavailable. `check`: the crisis check of `question` if already made."""
        started = time.perf_counter()
        if check is None:
            check = self.crisis.assess(question)  # the new message itself, never the history
        if check.crisis and not check.someone_else:
            result = composer.Answer(check.message or "", False, [])  # help first, nothing else
        else:
            try:
                result = self._answer(question, check, history, k)
            except IndexLibraryError:
                if not check.crisis:
                    raise
                log.error("index unavailable: the crisis message is sent alone")
                result = composer.Answer(check.message or "", False, [])
            else:
                if check.crisis and not result.answered:
                    result = composer.Answer(check.message or "", False, [])
        reply = Reply(
            answer=result.text,
            answered=result.answered,
            citations=result.citations,
            safety=check,
            query_id=self.new_query_id(check.crisis),
            quotes=result.quotes,
            seconds=time.perf_counter() - started,
        )
        self.query_log(reply.query_id, question, reply, partner)
        return reply

    def _answer(
        self, question: str, check: safety.SafetyResult, history: Sequence[Turn], k: int
    ) -> composer.Answer:
        earlier = [t.content for t in history if t.role == "user"]
        index = self.engine.index()
        searched = safety.search_text(question, check)
        hits = index.search(searched, k=k, history=earlier)
        # the question's own vector, which the search has just encoded (a cache hit)
        vector = index.query_vector(without_topic_change(searched)) if hits else None
        judge = composer.judge_for(self.engine.embedder.fingerprint, self.answer_threshold)
        # "different question - how do we ...": the marker is not part of what is asked
        return composer.compose(without_topic_change(question), hits, judge=judge, vector=vector)

    def warm_up(self) -> None:
        """Load the model and the crisis signals, then the index (which may not exist yet)."""
        self.crisis.warm_up()
        self.engine.warm_up()
