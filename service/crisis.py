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
from pathlib import Path

import numpy as np

from index import Embedder

from . import crisis_model, safety

log = logging.getLogger(__name__)


def signals_of(
    text: str,
    encode: Callable[[list[str]], np.ndarray],
    exemplars: np.ndarray,
    model: crisis_model.CrisisModel | None,
) -> tuple[float, float | None]:
    """(exemplar similarity, learned probability or None) of `text`. Both read the message
    without its idioms of death ("this turnout is killing me"): the embedding of an idiom is
    close to that of what it says literally. Most messages have none, and their vector is the
    one retrieval uses too (a caching encoder computes it once)."""
    plain = safety.without_idioms(text) or text
    vector = encode([plain])[0]
    similarity = float(np.max(exemplars @ vector))
    probability = None if model is None else model.probability(plain, vector, encode)
    return similarity, probability


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
    similarity, probability = signals_of(text, encode, exemplars, model)
    return safety.assess(
        text,
        similarity,
        resources=resources,
        similarity_threshold=similarity_threshold,
        crisis_probability=probability,
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

    def signals(self, text: str) -> tuple[float | None, float | None]:
        """(exemplar similarity, learned probability) of `text`; (None, None) when the
        embedder fails, so that the patterns decide alone."""
        try:
            embedder = self._embedder()
            return signals_of(text, embedder.encode, self.exemplars(embedder), self.classifier)
        except Exception:  # any failure of the model: the patterns still decide
            log.exception("crisis signals unavailable: the patterns decide alone")
            return None, None

    def assess(self, text: str) -> safety.SafetyResult:
        """The crisis judgement of one message; never raises."""
        similarity, probability = self.signals(text)
        return safety.assess(
            text,
            similarity,
            resources=self.resources(),
            similarity_threshold=self.similarity_threshold,
            crisis_probability=probability,
        )

    def warm_up(self) -> None:
        """Encode the exemplars and load the learned signal (before a fork, to share them)."""
        self.exemplars(self._embedder())
        _ = self.classifier
