"""The crisis check as the service runs it: the three signals of service.safety, computed with
nothing but the embedder.

It is the first thing a question meets and must not fail because anything else fails: it never
touches the index, the database or the rate limiter, and when the embedder itself cannot be
loaded or fails, the patterns alone decide (they need nothing).
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index import Embedder

from . import crisis_model, safety

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Signals:
    """The embedding signals of a message: exemplar similarity and learned probability of the
    whole message (None when off or unavailable), and its clauses with their own."""

    similarity: float | None = None
    probability: float | None = None
    parts: tuple[safety.Clause, ...] = ()


def patterns_only(text: str) -> Signals:
    """No embedding signals: the message and its clauses are judged by the patterns alone."""
    return Signals(parts=tuple(safety.Clause(c) for c in safety.clauses(text)))


def signals_of(
    text: str,
    encode: Callable[[list[str]], np.ndarray],
    exemplars: np.ndarray,
    model: crisis_model.CrisisModel | None,
) -> Signals:
    """The signals of `text`. They read the message without its idioms of death ("this
    turnout is killing me"): the embedding of an idiom is close to that of what it says
    literally. Most messages have none, and their vector is the one retrieval uses too (a
    caching encoder computes it once); a message of two clauses or more costs one more encode
    call, of its clauses in one batch (those in the writer's own words: `safety.embeddable`)."""
    plain = safety.without_idioms(text) or text
    vector = encode([plain])[0]
    similarity = float(np.max(exemplars @ vector))
    probability = None if model is None else float(model.probabilities(vector[None, :])[0])
    texts = safety.clauses(text)
    # only the clauses whose own embedding can count are encoded; the patterns read them all
    wanted = [t for t in dict.fromkeys(texts) if safety.embeddable(t)]
    if not wanted:
        return Signals(similarity, probability, tuple(safety.Clause(t) for t in texts))
    vectors = encode(wanted)
    similarities = np.max(vectors @ exemplars.T, axis=1)
    chances = [None] * len(wanted) if model is None else model.probabilities(vectors)
    found = {
        t: (float(s), None if p is None else float(p))
        for t, s, p in zip(wanted, similarities, chances, strict=True)
    }
    parts = tuple(safety.Clause(t, *found.get(t, (None, None))) for t in texts)
    return Signals(similarity, probability, parts)


def decide(
    text: str,
    signals: Signals,
    model: crisis_model.CrisisModel | None,
    *,
    resources: tuple[safety.Resource, ...] = safety.DEFAULT_RESOURCES,
    similarity_threshold: float = safety.DEFAULT_SIMILARITY_THRESHOLD,
) -> safety.SafetyResult:
    """safety.assess with the signals and the model's thresholds."""
    return safety.assess(
        text,
        signals.similarity,
        resources=resources,
        similarity_threshold=similarity_threshold,
        crisis_probability=signals.probability,
        probability_threshold=crisis_model.THRESHOLD if model is None else model.threshold,
        parts=signals.parts,
        part_threshold=None if model is None else model.part_threshold,
    )


def judge(
    text: str,
    encode: Callable[[list[str]], np.ndarray],
    exemplars: np.ndarray,
    model: crisis_model.CrisisModel | None,
    *,
    resources: tuple[safety.Resource, ...] = safety.DEFAULT_RESOURCES,
    similarity_threshold: float = safety.DEFAULT_SIMILARITY_THRESHOLD,
) -> safety.SafetyResult:
    """The check of `text` as `CrisisCheck.assess` makes it (and as
    `python -m service.crisis_model check` measures it)."""
    signals = signals_of(text, encode, exemplars, model)
    return decide(
        text, signals, model, resources=resources, similarity_threshold=similarity_threshold
    )


class CrisisCheck:
    """`assess(text)` with the exemplar similarity and the learned probability added."""

    def __init__(
        self,
        embedder: Callable[[], Embedder],
        *,
        resources: Callable[[], tuple[safety.Resource, ...]] = lambda: safety.DEFAULT_RESOURCES,
        similarity_threshold: float = safety.DEFAULT_SIMILARITY_THRESHOLD,
        model_path: Path | None = crisis_model.MODEL_PATH,
    ) -> None:
        self._embedder = embedder  # called when first needed: loading it may fail
        self.resources = resources  # the resources to signpost now (staff may edit them)
        self.similarity_threshold = similarity_threshold
        self.model_path = model_path
        self._lock = threading.Lock()
        self._exemplars: np.ndarray | None = None

    def exemplars(self, embedder: Embedder) -> np.ndarray:
        """The crisis exemplars' vectors (encoded once)."""
        if self._exemplars is None:
            vectors = embedder.encode(list(safety.EXEMPLARS))
            with self._lock:
                if self._exemplars is None:
                    self._exemplars = vectors
        return self._exemplars

    @functools.cached_property
    def classifier(self) -> crisis_model.CrisisModel | None:
        """The learned crisis signal for this embedding model, or None (then it is off)."""
        found = crisis_model.load(self.model_path) if self.model_path else None
        fingerprint = self._embedder().fingerprint
        if found is not None and found.fingerprint != fingerprint:
            log.info(
                "crisis model %s is for embedding model %s, not %s: learned signal off",
                self.model_path,
                found.fingerprint,
                fingerprint,
            )
            return None
        return found

    def signals(self, text: str) -> Signals:
        """The embedding signals of `text`; none when the embedder fails, so that the
        patterns decide alone (on the whole message and on each clause)."""
        try:
            embedder = self._embedder()
            return signals_of(text, embedder.encode, self.exemplars(embedder), self.classifier)
        except Exception:  # any failure of the model: the patterns still decide
            log.exception("crisis signals unavailable: the patterns decide alone")
        try:
            return patterns_only(text)
        except Exception:  # never: but the check must not raise
            log.exception("clauses unavailable: the whole message is judged alone")
            return Signals()

    def assess(self, text: str) -> safety.SafetyResult:
        """The crisis judgement of one message; never raises."""
        signals = self.signals(text)
        try:
            model = self.classifier if signals.probability is not None else None
        except Exception:
            model = None
        return decide(
            text,
            signals,
            model,
            resources=self.resources(),
            similarity_threshold=self.similarity_threshold,
        )

    def warm_up(self) -> None:
        """Encode the exemplars and load the learned signal (before a fork, to share them)."""
        self.exemplars(self._embedder())
        _ = self.classifier
