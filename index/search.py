"""Query -> ranked hits over an opened index: dense, BM25, their fusion, and a sentence rerank.

Modes (`Index.search(query, k, mode=...)`), each ranking every chunk:

- "dense": cosine of the query with the chunk vector.
- "bm25": BM25 over accent- and case-folded words (chunks without any query word follow in
  dense order).
- "hybrid": cosine + 0.2 x BM25 / (the query's best BM25 score): a tuned weighting, which beat
  reciprocal rank fusion on both QA sets.
- "rerank" (the default): the best 30 hybrid candidates re-scored with the passage's best
  sentence: hybrid + 0.5 x (highest cosine of the query with one of the chunk's sentences).

Every mode costs one query embedding (cached per query text, LRU) and numpy arithmetic over the
whole index, exact and fast at this size (thousands of chunks).

What a Hit's numbers mean:

- `score` (for abstention; the API's Citation "score"): 0.5 x the cosine of the query with the
  chunk's best-matching sentence + 0.5 x the chunk's coverage of the query (the share of the
  query's distinct words, weighted by rarity, that the chunk contains). 0..1, the same whatever
  the mode, comparable across queries: a question the documents do not answer finds no passage
  that both means the same and uses its specific words (a drug name, a place, a form). The
  threshold for declining is calibrated on tests/data/qa.jsonl by `python -m index eval`.
- `cosine`: the plain cosine of the query with the chunk vector.
- `fused`: the value the mode ranked by (higher first); only comparable within one result list.
- `sentence_scores`: the cosine of the query with each of `chunk.sentences`, in that order.

Consecutive chunks of one document that share overlap sentences are the same place: only the
better ranked of the two is returned, so k hits show k different places.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .chunk import Chunk
from .embed import Embedder, encoder_record
from .errors import ModelMismatchError
from .store import StoredIndex, read_index

log = logging.getLogger(__name__)

SEARCH_MODES = ("dense", "bm25", "hybrid", "rerank")
DEFAULT_SEARCH_MODE = "rerank"
QUERY_CACHE_SIZE = 1024


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    filename: str
    pages: int
    sha256: str


@dataclass(frozen=True)
class Hit:
    """One ranked passage; see the module docstring for what the scores mean."""

    chunk: Chunk
    document: Document
    score: float  # 0..1, comparable across queries: abstain when the best hit's is low
    rank: int
    sentence_scores: tuple[float, ...] = ()  # cosine with each of chunk.sentences, same order
    fused: float = 0.0  # what the search mode ranked by (higher first)
    cosine: float = 0.0  # cosine of the query with the chunk vector


@dataclass(frozen=True)
class RankParams:
    """Weights, tuned on tests/data/qa.jsonl and checked on tests/data/qa_external.jsonl.

    MRR@10 bundled / external: dense 0.795 / 0.855; reciprocal rank fusion of dense and BM25
    at best 0.859 / 0.910 (k=10, BM25 weighted 0.5), this weighting 0.876 / 0.925; RRF of
    dense, BM25 and best-sentence rankings at best 0.896 / 0.934, this rerank 0.902 / 0.944.
    Neighbouring weights (keyword 0.15-0.25, sentence 0.5-0.75) stay within 0.01. The score's
    coverage weight: from 0.45 to 0.6 the bundled threshold declines the same share.
    """

    keyword_weight: float = 0.2  # hybrid: cosine + keyword_weight * bm25 / max(bm25)
    sentence_weight: float = 0.5  # rerank: hybrid + sentence_weight * best sentence cosine
    rerank_depth: int = 30  # hybrid candidates the rerank re-scores
    coverage_weight: float = 0.5  # score: (1 - w) * best sentence cosine + w * coverage


def citation(hit: Hit, n: int, url: str) -> dict:
    """The contract's Citation object for a hit (shared by the CLI's --json and the API)."""
    c = hit.chunk
    return {
        "n": n,
        "document": {
            "id": hit.document.id,
            "title": hit.document.title,
            "filename": hit.document.filename,
        },
        "page_start": c.page_start,
        "page_end": c.page_end,
        "page_label": c.page_label,
        "section": c.section,
        "text": c.text,
        "score": round(hit.score, 4),
        "url": url,
    }


class Index:
    """An index opened for searching with the embedder it was built with (thread-safe)."""

    def __init__(
        self, stored: StoredIndex, embedder: Embedder, params: RankParams | None = None
    ) -> None:
        model = stored.manifest["model"]
        if model.get("fingerprint") != embedder.fingerprint:
            raise ModelMismatchError(
                f"the index at {stored.path} was built with model {model.get('name')!r} "
                f"(fingerprint {model.get('fingerprint')}), but the configured model is "
                f"{embedder.name!r} (fingerprint {embedder.fingerprint}): set TOOLKIT_MODEL to "
                "the index's model or rebuild with `python -m index build --force`"
            )
        built_with, querying_with = stored.manifest.get("encoder"), encoder_record(embedder)
        if built_with and built_with != querying_with:
            # Same fingerprint, so the vectors agree (an fp32 export is checked against torch
            # at cosine >= 0.9999), but say so: build and queries should use one encoder.
            log.warning(
                "the index at %s was built with encoder %s but is queried with %s; rebuild "
                "(`python -m index build --force`) to use one encoder for both",
                stored.path,
                built_with,
                querying_with,
            )
        self.encoder_matches = built_with == querying_with
        self._stored = stored
        self.embedder = embedder
        self.params = params or RankParams()
        self.manifest = stored.manifest
        self.path = stored.path
        self.chunks = stored.chunks
        self.documents = [
            Document(d["id"], d["title"], d["filename"], d["pages"], d["sha256"])
            for d in stored.manifest["documents"]
        ]
        self._by_id = {d.id: d for d in self.documents}
        text = json.dumps(stored.manifest, sort_keys=True).encode()
        self.version = hashlib.sha256(text).hexdigest()[:12]
        self._matrix = np.ascontiguousarray(stored.matrix(), dtype=np.float32)
        self._sentences = stored.sentences
        self._keyword = stored.keyword
        counts = np.diff(self._sentences.offsets)
        self._has_sentences = counts > 0
        self._sentence_starts = self._sentences.offsets[:-1][self._has_sentences]
        self._overlaps_next = self._overlaps(stored.chunks)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: Path, embedder: Embedder, params: RankParams | None = None) -> Index:
        return cls(read_index(Path(path)), embedder, params)

    def document(self, document_id: str) -> Document | None:
        return self._by_id.get(document_id)

    @staticmethod
    def _overlaps(chunks: list[Chunk]) -> np.ndarray:
        """overlaps[i]: chunk i and chunk i + 1 are consecutive in one document and share text."""
        out = np.zeros(len(chunks), dtype=bool)
        for i, (a, b) in enumerate(itertools.pairwise(chunks)):
            out[i] = (
                a.document_id == b.document_id
                and b.ordinal == a.ordinal + 1
                and not set(a.sentences).isdisjoint(b.sentences)
            )
        return out

    # -- query vectors ---------------------------------------------------------------------

    def query_vector(self, query: str) -> np.ndarray:
        """The query's embedding, from an LRU cache keyed by the exact query text."""
        with self._lock:
            vector = self._cache.get(query)
            if vector is not None:
                self._cache.move_to_end(query)
                return vector
        vector = np.asarray(self.embedder.encode([query])[0], dtype=np.float32)
        vector.setflags(write=False)
        with self._lock:
            self._cache[query] = vector
            self._cache.move_to_end(query)
            while len(self._cache) > QUERY_CACHE_SIZE:
                self._cache.popitem(last=False)
        return vector

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    # -- scoring ---------------------------------------------------------------------------

    def best_sentence(self, sentence_cosines: np.ndarray) -> np.ndarray:
        """Per chunk, the highest cosine among its sentences (the chunk's own cosine if none)."""
        best = np.full(len(self.chunks), -1.0, dtype=np.float32)
        if len(self._sentence_starts):
            per_row = sentence_cosines[self._sentences.rows]
            best[self._has_sentences] = np.maximum.reduceat(per_row, self._sentence_starts)
        return best

    def signals(self, query: str) -> dict[str, np.ndarray]:
        """Every per-chunk signal the modes combine (for the search and for tuning)."""
        q = self.query_vector(query)
        dense = self._matrix @ q
        sentence_cosines = self._sentences.vectors @ q
        best = np.where(self._has_sentences, self.best_sentence(sentence_cosines), dense)
        bm25, coverage = self._keyword.match(query)
        return {
            "dense": dense,
            "bm25": bm25,
            "coverage": coverage,
            "sentence": best,
            "sentence_cosines": sentence_cosines,
        }

    def rank(self, signals: dict[str, np.ndarray], mode: str) -> tuple[np.ndarray, np.ndarray]:
        """(positions best first, the value each position was ranked by) for a mode."""
        p = self.params
        dense, bm25 = signals["dense"], signals["bm25"]
        if mode in ("dense", "bm25"):
            dense_order = np.argsort(-dense, kind="stable")
            if mode == "dense":
                return dense_order, dense
            return dense_order[np.argsort(-bm25[dense_order], kind="stable")], bm25
        top_bm25 = float(bm25.max())
        hybrid = dense + p.keyword_weight * (bm25 / top_bm25 if top_bm25 > 0 else bm25)
        hybrid_order = np.argsort(-hybrid, kind="stable")
        if mode == "hybrid":
            return hybrid_order, hybrid
        if mode != "rerank":
            raise ValueError(f"unknown search mode {mode!r}: use one of {', '.join(SEARCH_MODES)}")
        top = hybrid_order[: p.rerank_depth]
        values = hybrid.copy()
        values[top] += p.sentence_weight * signals["sentence"][top]
        order = np.concatenate(
            [top[np.argsort(-values[top], kind="stable")], hybrid_order[len(top) :]]
        )
        return order, values

    def search(self, query: str, k: int = 5, mode: str = DEFAULT_SEARCH_MODE) -> list[Hit]:
        if mode not in SEARCH_MODES:
            raise ValueError(f"unknown search mode {mode!r}: use one of {', '.join(SEARCH_MODES)}")
        if k < 1 or not query.strip() or not self.chunks:
            return []
        signals = self.signals(query)
        order, values = self.rank(signals, mode)
        return self.hits(order, values, signals, k)

    def _score(self, signals: dict[str, np.ndarray], pos: int) -> float:
        w = self.params.coverage_weight
        value = (1 - w) * signals["sentence"][pos] + w * signals["coverage"][pos]
        return float(min(1.0, max(0.0, value)))

    def hits(
        self, order: np.ndarray, values: np.ndarray, signals: dict[str, np.ndarray], k: int
    ) -> list[Hit]:
        """The first k positions of a ranking that are not the same place as a better one."""
        chosen: set[int] = set()
        hits: list[Hit] = []
        last = len(self.chunks) - 1
        sentences = signals["sentence_cosines"]
        for pos in order:
            pos = int(pos)
            if (pos > 0 and pos - 1 in chosen and self._overlaps_next[pos - 1]) or (
                pos < last and pos + 1 in chosen and self._overlaps_next[pos]
            ):
                continue
            chosen.add(pos)
            chunk = self.chunks[pos]
            start, end = self._sentences.offsets[pos], self._sentences.offsets[pos + 1]
            rows = self._sentences.rows[start:end]
            hits.append(
                Hit(
                    chunk=chunk,
                    document=self._by_id[chunk.document_id],
                    score=self._score(signals, pos),
                    rank=len(hits) + 1,
                    sentence_scores=tuple(float(s) for s in sentences[rows]),
                    fused=float(values[pos]),
                    cosine=float(signals["dense"][pos]),
                )
            )
            if len(hits) >= k:
                break
        return hits
