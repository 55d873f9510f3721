"""FAISS finds the dense candidates, BM25 the keyword ones; the modes rank their union."""

from pathlib import Path

import numpy as np
import pytest

from index import Index, RankParams, build
from index.search import SEARCH_MODES
from index.store import StoredIndex
from tests.index.test_hybrid import SESSION, SMALL, src  # noqa: F401  (src is a fixture)


def _open(src: Path, tmp_path: Path, embedder, **params) -> Index:  # noqa: F811
    out = tmp_path / "index"
    if not out.exists():
        build(src, out, embedder, SMALL, progress=False)
    return Index.open(out, embedder, RankParams(**params))


def _reference(index: Index, query: str, mode: str) -> list[tuple[str, float, float, float]]:
    """Every chunk ranked the way the search did before FAISS: numpy over the whole index."""
    p = index.params
    q = index.query_vector(query)
    stored = index._stored
    dense = stored.matrix() @ q
    sentence_cosines = stored.sentences.vectors @ q
    best = np.array(
        [
            max(sentence_cosines[stored.sentences.rows[a:b]], default=dense[i])
            for i, (a, b) in enumerate(
                zip(stored.sentences.offsets[:-1], stored.sentences.offsets[1:], strict=True)
            )
        ]
    )
    bm25, coverage = stored.keyword.match(query)
    hybrid = dense + p.keyword_weight * (bm25 / bm25.max() if bm25.max() > 0 else bm25)
    if mode == "dense":
        fused = order_by = dense
    elif mode == "bm25":
        fused, order_by = bm25, bm25 + 1e-6 * dense  # then dense order
    elif mode == "hybrid":
        fused = order_by = hybrid
    else:
        top = np.argsort(-hybrid, kind="stable")[: p.rerank_depth]
        fused = hybrid.copy()
        fused[top] += p.sentence_weight * best[top]
        order_by = fused.copy()
        order_by[np.setdiff1d(np.arange(len(fused)), top)] -= 100  # the rest follow
    w = p.coverage_weight
    return [
        (index.chunks[i].id, float((1 - w) * best[i] + w * coverage[i]), dense[i], fused[i])
        for i in np.argsort(-order_by, kind="stable")
    ]


@pytest.mark.parametrize("mode", SEARCH_MODES)
def test_the_candidate_search_ranks_as_ranking_every_chunk_did(src, tmp_path, embedder, mode):  # noqa: F811
    index = _open(src, tmp_path, embedder)
    for query in ("agree the ground rules together", "WRAP plan", "tea in the break"):
        hits = index.search(query, k=3, mode=mode)
        expected = [r for r in _reference(index, query, mode)]
        got = [h.chunk.id for h in hits]
        # de-duplication of overlapping neighbours skips some of the reference's places
        assert got == [r[0] for r in expected if r[0] in got][: len(got)]
        assert got[0] == expected[0][0]
        by_id = {r[0]: r for r in expected}
        for hit in hits:
            assert hit.score == pytest.approx(by_id[hit.chunk.id][1], abs=1e-6)
            assert hit.cosine == pytest.approx(by_id[hit.chunk.id][2], abs=1e-6)
            assert hit.fused == pytest.approx(by_id[hit.chunk.id][3], abs=1e-6)


def test_candidates_are_faiss_nearest_and_bm25_best(src, tmp_path, embedder, monkeypatch):  # noqa: F811
    index = _open(src, tmp_path, embedder, candidates=2)
    calls = []
    faiss_search = StoredIndex.search

    def spy(self, queries, k):
        scores, ids = faiss_search(self, queries, k)
        calls.append(ids[0].tolist())
        return scores, ids

    monkeypatch.setattr(StoredIndex, "search", spy)
    query = "WRAP plan"
    bm25 = index._keyword.scores(query)
    bm25_best = {int(i) for i in np.argsort(-bm25)[:2] if bm25[i] > 0}
    # a query whose meaning (vector) is a chunk that has none of its words
    far = next(i for i in range(len(index.chunks)) if bm25[i] == 0 and i + 1 not in bm25_best)
    index._cache[query] = index._stored.reconstruct([far])[0]
    signals = index.signals(query, 2)
    assert len(calls) == 1 and len(calls[0]) == 2 and far in calls[0]
    exact = np.argsort(-(index._stored.matrix() @ index.query_vector(query)))[:2]
    assert set(calls[0]) == set(exact.tolist())  # FAISS's nearest are the exact nearest
    assert bm25_best - set(calls[0])
    assert set(signals["positions"].tolist()) == set(calls[0]) | bm25_best
    dense_hit = index.search(query, k=1, mode="dense")[0]
    keyword_hit = index.search(query, k=1, mode="bm25")[0]
    assert dense_hit.chunk == index.chunks[far]
    assert "WRAP" in keyword_hit.chunk.text


def test_too_few_places_among_the_candidates_widens_them(src, tmp_path, embedder):  # noqa: F811
    wide = _open(src, tmp_path, embedder)
    narrow = _open(src, tmp_path, embedder, candidates=1)
    places = [h.chunk.id for h in wide.search("agreement", k=len(wide.chunks), mode="dense")]
    assert len(places) < len(wide.chunks)  # overlapping neighbours were dropped
    for query in SESSION:  # each of them is in two overlapping chunks, or next to one
        hits = narrow.search(query, k=3, mode="dense")
        assert len(hits) == 3 and hits[0].chunk == wide.search(query, k=1, mode="dense")[0].chunk
        for a in hits:
            for b in hits:
                assert not (
                    a.chunk.document_id == b.chunk.document_id
                    and b.chunk.ordinal == a.chunk.ordinal + 1
                    and set(a.chunk.sentences) & set(b.chunk.sentences)
                )
