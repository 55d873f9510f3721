"""Hybrid retrieval with the fake embedder: BM25, fusion, de-duplication, sentence vectors."""

import json
from pathlib import Path

import numpy as np
import pytest

import index.search as search_module
from index import ChunkParams, HashEmbedder, Index, IndexCorruptError, build
from index.eval import calibrate
from index.keyword import KeywordIndex, tokenize
from index.search import DEFAULT_SEARCH_MODE, SEARCH_MODES
from index.store import FORMAT_VERSION, read_index
from tests import pdfs
from tests.conftest import guide_spec
from tests.index.test_cli import run

SESSION = [
    "Open each session with a short round of names.",
    "Remind everyone of the group agreement before sharing starts.",
    "Some members like to write a WRAP plan for their own wellbeing.",
    "Offer tea and biscuits in the break halfway through.",
    "We sometimes meet at the Café Rouge on the high street.",
    "Keep an eye on the time so that everyone gets a turn.",
    "Close with a round where each person says one hopeful thing.",
    "Write a short note after the session for the co-facilitator.",
]
SMALL = ChunkParams(max_tokens=40, overlap_tokens=15)  # a few sentences a chunk, one overlapping


class CountingEmbedder(HashEmbedder):
    """The fake embedder, counting how many texts it was asked to encode."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def encode(self, texts, batch_size=32):
        self.calls += 1
        return super().encode(texts, batch_size)


@pytest.fixture
def src(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    pdfs.write(folder / "guide.pdf", guide_spec())
    pdfs.write(folder / "session.pdf", pdfs.Spec(pages=[pdfs.Page(SESSION, heading="Sessions")]))
    return folder


@pytest.fixture
def idx(src: Path, tmp_path: Path, embedder) -> Index:
    build(src, tmp_path / "index", embedder, SMALL, progress=False)
    return Index.open(tmp_path / "index", embedder)


def overlapping_pairs(index: Index) -> list[tuple[int, int]]:
    chunks = index.chunks
    return [
        (i, i + 1)
        for i in range(len(chunks) - 1)
        if chunks[i].document_id == chunks[i + 1].document_id
        and chunks[i + 1].ordinal == chunks[i].ordinal + 1
        and set(chunks[i].sentences) & set(chunks[i + 1].sentences)
    ]


# -- keyword index ---------------------------------------------------------------------------


def test_tokenize_ignores_case_accents_stop_words_and_single_letters():
    assert tokenize("Zoë's CAFÉ and the naïve WRAP-plan") == [
        "zoe",
        "cafe",
        "naive",
        "wrap",
        "plan",
    ]
    assert tokenize("What is it?") == []
    assert tokenize("Who wrote the WHO plan?") == ["wrote", "who", "plan"]  # capitals: a name


def test_bm25_matches_regardless_of_case_and_accents():
    keyword = KeywordIndex.build(
        ["Meet at the Café Rouge", "Dinner at home", "A cafe list", "Nothing here"]
    )
    for query in ("cafe rouge", "CAFÉ ROUGE", "Cafe Rouge?"):
        scores = keyword.scores(query)
        assert int(np.argmax(scores)) == 0 and scores[2] > 0 and scores[1] == scores[3] == 0
    assert not keyword.scores("the and of").any()  # only stop words
    assert not keyword.scores("zebra").any()  # no indexed word


def test_coverage_weighs_the_query_words_a_text_contains():
    keyword = KeywordIndex.build(["peer support group", "peer mentoring", "group rules"])
    _, coverage = keyword.match("peer group")
    assert coverage[0] == pytest.approx(1.0)
    assert 0 < coverage[1] < 1 and 0 < coverage[2] < 1
    _, unknown = keyword.match("peer quetiapine")  # a word no text has weighs the most
    assert unknown[0] < 0.5


def test_keyword_index_survives_save_and_load(tmp_path: Path):
    keyword = KeywordIndex.build(["Ground rules for groups", "Choosing a venue"])
    keyword.save(tmp_path)
    loaded = KeywordIndex.load(tmp_path)
    assert loaded.documents == 2
    assert np.allclose(loaded.scores("venue"), keyword.scores("venue"))
    assert loaded.describe() == keyword.describe()


def test_an_exact_acronym_is_found_in_every_mode(idx: Index):
    for mode in SEARCH_MODES:
        hits = idx.search("WRAP", k=3, mode=mode)
        assert "WRAP plan" in hits[0].chunk.text, mode
    bm25 = idx.search("wrap", k=3, mode="bm25")
    assert bm25[0].fused > 0 and all(h.fused == 0 for h in bm25[1:])


def test_accented_text_is_found_by_an_unaccented_query(idx: Index):
    assert "Café Rouge" in idx.search("cafe rouge", k=1, mode="bm25")[0].chunk.text


# -- fusion and ranking -----------------------------------------------------------------------


def _signals(n: int, **values: dict[int, float]) -> dict[str, np.ndarray]:
    out = {}
    for name in ("dense", "bm25", "sentence", "coverage"):
        array = np.zeros(n, dtype=np.float32)
        for pos, v in values.get(name, {}).items():
            array[pos] = v
        out[name] = array
    return out


def test_hybrid_adds_normalised_bm25_to_the_cosine_and_rerank_adds_the_best_sentence(
    idx: Index,
):
    n = len(idx.chunks)
    signals = _signals(
        n,
        dense={0: 0.9, 1: 0.8, 2: 0.1},
        bm25={1: 5.0, 2: 6.0},
        sentence={0: 0.9, 1: 0.1, 2: 0.1},
    )
    assert list(idx.rank(signals, "dense")[0][:2]) == [0, 1]
    bm25_order = list(idx.rank(signals, "bm25")[0])
    assert bm25_order[:3] == [2, 1, 0]  # then the chunks without a query word, in dense order
    order, fused = idx.rank(signals, "hybrid")
    assert list(order[:3]) == [1, 0, 2]
    assert fused[1] == pytest.approx(0.8 + 0.2 * 5 / 6)
    order, fused = idx.rank(signals, "rerank")
    assert list(order[:3]) == [0, 1, 2]
    assert fused[0] == pytest.approx(0.9 + 0.5 * 0.9)
    with pytest.raises(ValueError, match="unknown search mode"):
        idx.rank(signals, "magic")


def test_modes_default_and_bad_arguments(idx: Index):
    assert DEFAULT_SEARCH_MODE == "rerank" and set(SEARCH_MODES) == {
        "dense", "bm25", "hybrid", "rerank",
    }  # fmt: skip
    query = "agree the ground rules together"
    by_default = [(h.chunk.id, h.fused) for h in idx.search(query)]
    assert by_default == [(h.chunk.id, h.fused) for h in idx.search(query, mode="rerank")]
    assert by_default != [(h.chunk.id, h.fused) for h in idx.search(query, mode="dense")]
    with pytest.raises(ValueError, match="unknown search mode 'magic'"):
        idx.search("ground rules", mode="magic")
    assert idx.search("ground rules", k=0) == []
    assert idx.search("   ") == []


def test_every_mode_returns_ranked_hits_with_bounded_scores(idx: Index, embedder):
    q = embedder.encode(["agree the ground rules together"])[0]
    for mode in SEARCH_MODES:
        hits = idx.search("agree the ground rules together", k=4, mode=mode)
        assert [h.rank for h in hits] == [1, 2, 3, 4]
        assert all(0.0 <= h.score <= 1.0 for h in hits)
        fused = [h.fused for h in hits]
        assert fused == sorted(fused, reverse=True), mode
        for h in hits:
            text = f"{h.chunk.section}: {h.chunk.text}" if h.chunk.section else h.chunk.text
            assert h.cosine == pytest.approx(float(embedder.encode([text])[0] @ q), abs=1e-5)
    best = idx.search("agree the ground rules together", k=1)[0]
    assert best.chunk.section == "Ground rules" and best.score > 0.5


def test_an_unrelated_question_scores_lower_than_a_related_one(idx: Index):
    related = idx.search("how do we agree ground rules together", k=1)[0].score
    unrelated = idx.search("quetiapine dosage for insomnia", k=1)[0].score
    assert unrelated < related


# -- overlapping chunks -----------------------------------------------------------------------


def test_overlapping_chunks_of_one_place_are_returned_once(idx: Index):
    pairs = overlapping_pairs(idx)
    assert pairs, "the fixture should produce overlapping chunks"
    a, b = pairs[0]
    shared = next(s for s in idx.chunks[a].sentences if s in idx.chunks[b].sentences)
    # both chunks hold the sentence, so without de-duplication they would rank 1 and 2
    order, _ = idx.rank(idx.signals(shared), "dense")
    assert {int(order[0]), int(order[1])} == {a, b}
    for mode in SEARCH_MODES:
        hits = idx.search(shared, k=len(idx.chunks), mode=mode)
        ids = [h.chunk.id for h in hits]
        assert not (idx.chunks[a].id in ids and idx.chunks[b].id in ids), mode
        assert len(ids) == len(set(ids))
        # any pair of returned chunks that are neighbours share no sentence
        for h1 in hits:
            for h2 in hits:
                neighbours = (
                    h1.chunk.document_id == h2.chunk.document_id
                    and h2.chunk.ordinal == h1.chunk.ordinal + 1
                )
                assert not (neighbours and set(h1.chunk.sentences) & set(h2.chunk.sentences))


# -- sentence vectors -------------------------------------------------------------------------


def test_sentence_scores_follow_the_chunk_sentences(idx: Index, embedder):
    query = "a round of names at the start of each session"
    q = embedder.encode([query])[0]
    for mode in SEARCH_MODES:
        for hit in idx.search(query, k=5, mode=mode):
            assert len(hit.sentence_scores) == len(hit.chunk.sentences) > 0
            expected = embedder.encode(list(hit.chunk.sentences)) @ q
            assert np.allclose(hit.sentence_scores, expected, atol=1e-5)
    top = idx.search(query, k=1)[0]
    best = top.chunk.sentences[int(np.argmax(top.sentence_scores))]
    assert best == "Open each session with a short round of names."


def test_identical_sentences_are_embedded_once(src: Path, tmp_path: Path, embedder):
    report = build(src, tmp_path / "index", embedder, SMALL, progress=False)
    stored = read_index(tmp_path / "index")
    every = [s for c in stored.chunks for s in c.sentences]
    assert len(every) > len(set(every))  # overlap repeats sentences...
    assert report.sentences == report.embedded_sentences == len(set(every))  # ...encoded once
    assert stored.sentences.vectors.shape == (len(set(every)), embedder.dimension)
    assert stored.manifest["sentences"] == {"total": len(every), "distinct": len(set(every))}
    assert stored.manifest["keyword"]["library"] == "bm25s"
    assert stored.manifest["keyword"]["documents"] == len(stored.chunks)


def test_rebuild_reuses_sentence_vectors(src: Path, tmp_path: Path, embedder):
    out = tmp_path / "index"
    first = build(src, out, embedder, SMALL, progress=False)
    again = build(src, out, embedder, SMALL, progress=False)
    assert (again.embedded_chunks, again.embedded_sentences) == (0, 0)
    assert again.sentences == first.sentences
    # one known sentence and one new one: only the new one is encoded
    pdfs.write(
        src / "session.pdf",
        pdfs.Spec(pages=[pdfs.Page([SESSION[0], "Finish on time, always."], heading="Sessions")]),
    )
    changed = build(src, out, embedder, SMALL, progress=False)
    assert changed.reused_documents == 1
    assert changed.embedded_sentences == 1
    stored = read_index(out)
    for position, chunk in enumerate(stored.chunks):
        fresh = embedder.encode(list(chunk.sentences))
        assert np.allclose(stored.sentences.of_chunk(position), fresh, atol=1e-6)
    hits = Index.open(out, embedder).search("finish on time", k=1)
    assert "Finish on time, always." in hits[0].chunk.sentences


# -- query cache ------------------------------------------------------------------------------


def test_one_query_embedding_per_distinct_query(src: Path, tmp_path: Path, monkeypatch):
    build(src, tmp_path / "index", HashEmbedder(), SMALL, progress=False)
    counting = CountingEmbedder()
    index = Index.open(tmp_path / "index", counting)
    for mode in SEARCH_MODES:
        index.search("ground rules", mode=mode)
    assert counting.calls == 1
    monkeypatch.setattr(search_module, "QUERY_CACHE_SIZE", 2)
    for query in ("venue", "silence", "ground rules"):  # 'ground rules' was the oldest: evicted
        index.search(query)
    assert counting.calls == 4
    index.search("silence")
    assert counting.calls == 4
    index.clear_cache()
    index.search("silence")
    assert counting.calls == 5


# -- format, evaluation -----------------------------------------------------------------------


def test_an_index_in_the_previous_format_asks_for_a_rebuild(src: Path, tmp_path: Path, embedder):
    out = tmp_path / "index"
    build(src, out, embedder, progress=False)
    manifest = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").write_text(json.dumps({**manifest, "format_version": 1}))
    with pytest.raises(IndexCorruptError, match="rebuild"):
        Index.open(out, embedder)
    report = build(src, out, embedder, progress=False)  # rebuilt from scratch
    assert report.reused_documents == 0
    assert read_index(out).manifest["format_version"] == FORMAT_VERSION


def test_missing_sentence_vectors_make_the_index_corrupt(src: Path, tmp_path: Path, embedder):
    out = tmp_path / "index"
    build(src, out, embedder, progress=False)
    (out / "sentence_vectors.npy").unlink()
    with pytest.raises(IndexCorruptError, match=r"sentence_vectors\.npy is missing"):
        Index.open(out, embedder)


def test_calibrate_declines_the_most_unanswerable_while_answering_95_percent():
    answerable = [i / 100 for i in range(40, 80)]  # 40 questions, 0.40 .. 0.79
    unanswerable = [0.1, 0.2, 0.41, 0.5]
    cal = calibrate(answerable, unanswerable)
    # 0.42 is the highest threshold answering 95% (38 of 40); the best-scoring declined
    # unanswerable question is at 0.41, so the threshold goes halfway: 0.415
    assert cal.threshold == pytest.approx(0.415)
    assert (cal.answered, cal.declined) == (0.95, 0.75)
    loose = calibrate(answerable, [0.1, 0.2])
    assert loose.threshold == pytest.approx(0.31) and (loose.answered, loose.declined) == (1, 1)
    assert calibrate(answerable, []).threshold == pytest.approx(0.42)
    assert calibrate([], [0.3]) is None


def test_eval_cli_takes_a_mode(src: Path, tmp_path: Path):
    out = tmp_path / "idx"
    assert run("build", "--src", str(src), "--out", str(out)).returncode == 0
    qa = tmp_path / "qa.jsonl"
    rows = [
        {"id": "a", "question": "WRAP plan", "kind": "answerable",
         "answers": [{"document": "session.pdf", "pages": [1]}]},
        {"id": "b", "question": "price of a train ticket", "kind": "unanswerable", "answers": []},
    ]  # fmt: skip
    qa.write_text("\n".join(json.dumps(r) for r in rows))
    for mode in SEARCH_MODES:
        result = run("eval", str(qa), "--index", str(out), "--mode", mode, "--json")
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        assert (data["mode"], data["recall@1"]) == (mode, 1.0)
        assert data["abstention"]["answered"] == 1.0
    text = run("eval", str(qa), "--index", str(out)).stdout
    assert f"mode: {DEFAULT_SEARCH_MODE}" in text and "abstention threshold" in text
    bad = run("eval", str(qa), "--index", str(out), "--mode", "magic")
    assert bad.returncode != 0 and "invalid choice" in bad.stderr
