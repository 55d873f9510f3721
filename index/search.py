"""Query -> ranked hits over an opened index: FAISS and BM25 candidates, fused and reranked.

Candidates: FAISS finds the `candidates` chunks nearest the query vector (an exact flat
inner-product index) and BM25 its `candidates` best keyword matches; every mode ranks the
union of the two, never the whole index, so a search costs one FAISS search, one sparse BM25
pass and arithmetic over a few hundred chunks whatever the corpus size.

Modes (`Index.search(query, k, mode=...)`):

- "dense": cosine of the query with the chunk vector.
- "bm25": BM25 over accent- and case-folded words (candidates without any query word follow
  in dense order).
- "hybrid": cosine + 0.2 x BM25 / (the query's best BM25 score): a tuned weighting, which beat
  reciprocal rank fusion on both QA sets.
- "rerank" (the default): the best 30 hybrid candidates re-scored with the passage's best
  sentence: hybrid + 0.5 x (highest cosine of the query with one of the chunk's sentences).

Every mode costs one query embedding (cached per query text, LRU).

Follow-ups: `history` (the conversation's earlier user messages, oldest first) puts a
follow-up that refers back ("and for groups that meet by video?") in its context: the query
vector is blended with the previous question's and BM25 gets its words too (index.followup
decides when); a new full question is searched alone.

What a Hit's numbers mean (for a follow-up searched in context: of the blended query):

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
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import followup
from .chunk import Chunk
from .embed import Embedder, encoder_record
from .errors import ModelMismatchError
from .followup import Context, FollowupParams
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
    """Ranking weights, tuned on tests/data/qa.jsonl and checked on tests/data/qa_external.jsonl
    (the README's retrieval section has the figures of each choice and its neighbours)."""

    keyword_weight: float = 0.2  # hybrid: cosine + keyword_weight * bm25 / max(bm25)
    sentence_weight: float = 0.5  # rerank: hybrid + sentence_weight * best sentence cosine
    rerank_depth: int = 30  # hybrid candidates the rerank re-scores
    coverage_weight: float = 0.5  # score: (1 - w) * best sentence cosine + w * coverage
    # chunks taken from each retriever (FAISS nearest, BM25 best); the modes rank their union.
    # Well above rerank_depth, so that the rerank sees the same 30 as ranking everything would.
    candidates: int = 100
    followup: FollowupParams = field(default_factory=FollowupParams)


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
        self._stored = stored
        self._sentences = stored.sentences
        self._keyword = stored.keyword
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

    def in_context(self, query: str, history: Sequence[str] = ()) -> Context:
        """What a query is searched as: alone, or blended with the question it follows up.

        At most one earlier message is encoded (usually a cache hit: it was asked moments ago).
        """
        return followup.context(query, history, self.query_vector, self.params.followup)

    # -- scoring ---------------------------------------------------------------------------

    def signals(
        self, query: str, depth: int | None = None, *, context: Context | None = None
    ) -> dict[str, np.ndarray]:
        """Every signal the modes combine, for the candidates only (for the search and tuning).

        `positions` are the candidates' chunk positions (ascending, so ties rank as the index
        orders them); every other array is aligned with it, except `sentence_cosines`, the
        candidates' sentences concatenated, candidate i's at
        `sentence_offsets[i]:sentence_offsets[i + 1]`.
        """
        context = context or Context(query, self.query_vector(query), query)
        q = context.vector
        depth = max(1, min(len(self.chunks), depth or self.params.candidates))
        bm25_all, coverage_all = self._keyword.match(context.keywords)
        _, nearest = self._stored.search(q[None, :], depth)
        positions = np.union1d(nearest[0][nearest[0] >= 0], _top(bm25_all, depth))
        dense = self._stored.reconstruct(positions) @ q
        offsets = self._sentences.offsets
        counts = offsets[positions + 1] - offsets[positions]
        local = np.zeros(len(positions) + 1, dtype=np.int64)
        np.cumsum(counts, out=local[1:])
        within = np.arange(local[-1]) - np.repeat(local[:-1], counts)
        rows = self._sentences.rows[np.repeat(offsets[positions], counts) + within]
        sentence_cosines = self._sentences.vectors[rows] @ q
        best = dense.copy()
        has = counts > 0
        if has.any():
            best[has] = np.maximum.reduceat(sentence_cosines, local[:-1][has])
        top_bm25 = float(bm25_all.max()) if len(bm25_all) else 0.0
        return {
            "positions": positions,
            "dense": dense,
            "bm25": bm25_all[positions],
            "bm25_max": np.float32(top_bm25),
            "coverage": coverage_all[positions],
            "sentence": best,
            "sentence_cosines": sentence_cosines,
            "sentence_offsets": local,
        }

    def rank(self, signals: dict[str, np.ndarray], mode: str) -> tuple[np.ndarray, np.ndarray]:
        """(candidate indexes best first, the value each candidate was ranked by) for a mode."""
        p = self.params
        dense, bm25 = signals["dense"], signals["bm25"]
        if mode in ("dense", "bm25"):
            dense_order = np.argsort(-dense, kind="stable")
            if mode == "dense":
                return dense_order, dense
            return dense_order[np.argsort(-bm25[dense_order], kind="stable")], bm25
        top_bm25 = float(signals.get("bm25_max", bm25.max() if len(bm25) else 0.0))
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

    def search(
        self,
        query: str,
        k: int = 5,
        mode: str = DEFAULT_SEARCH_MODE,
        history: Sequence[str] = (),
    ) -> list[Hit]:
        """The k best places for a query; `history`: the conversation's earlier user
        messages, oldest first (a follow-up that refers back is searched in their context)."""
        if mode not in SEARCH_MODES:
            raise ValueError(f"unknown search mode {mode!r}: use one of {', '.join(SEARCH_MODES)}")
        if k < 1 or not query.strip() or not self.chunks:
            return []
        context = self.in_context(query, history)
        depth = max(self.params.candidates, k)
        while True:
            signals = self.signals(query, depth, context=context)
            order, values = self.rank(signals, mode)
            hits = self.hits(order, values, signals, k)
            # overlapping neighbours are dropped: widen the candidates if too few places remain
            if len(hits) >= k or depth >= len(self.chunks):
                return hits
            depth *= 4

    def _score(self, signals: dict[str, np.ndarray], i: int) -> float:
        w = self.params.coverage_weight
        value = (1 - w) * signals["sentence"][i] + w * signals["coverage"][i]
        return float(min(1.0, max(0.0, value)))

    def hits(
        self, order: np.ndarray, values: np.ndarray, signals: dict[str, np.ndarray], k: int
    ) -> list[Hit]:
        """The first k candidates of a ranking that are not the same place as a better one."""
        chosen: set[int] = set()
        hits: list[Hit] = []
        last = len(self.chunks) - 1
        positions = signals["positions"]
        sentences, offsets = signals["sentence_cosines"], signals["sentence_offsets"]
        for i in order:
            i = int(i)
            pos = int(positions[i])
            if (pos > 0 and pos - 1 in chosen and self._overlaps_next[pos - 1]) or (
                pos < last and pos + 1 in chosen and self._overlaps_next[pos]
            ):
                continue
            chosen.add(pos)
            chunk = self.chunks[pos]
            hits.append(
                Hit(
                    chunk=chunk,
                    document=self._by_id[chunk.document_id],
                    score=self._score(signals, i),
                    rank=len(hits) + 1,
                    sentence_scores=tuple(float(s) for s in sentences[offsets[i] : offsets[i + 1]]),
                    fused=float(values[i]),
                    cosine=float(signals["dense"][i]),
                )
            )
            if len(hits) >= k:
                break
        return hits


def _top(scores: np.ndarray, n: int) -> np.ndarray:
    """Positions of the n highest positive scores (any order)."""
    positive = np.flatnonzero(scores > 0)
    if len(positive) <= n:
        return positive
    return positive[np.argpartition(-scores[positive], n - 1)[:n]]
