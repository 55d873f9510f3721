import json
from pathlib import Path

import pytest

import index.builder as build_module
from index import (
    HashEmbedder,
    Index,
    ModelMismatchError,
    NothingIndexedError,
    build,
)
from index.store import FORMAT_VERSION, read_index
from tests import pdfs
from tests.conftest import guide_spec


class OtherModel(HashEmbedder):
    """Same vectors, different fingerprint: stands for a different embedding model."""

    name = "other-model"

    @property
    def fingerprint(self) -> str:
        return "other-model-v1"


class OtherEncoder(HashEmbedder):
    """Same model (fingerprint), another runtime: stands for torch vs an ONNX export."""

    @property
    def encoder(self) -> dict:
        return {"backend": "onnxruntime", "variant": "fp32", "sha256": "ab" * 32}


def test_build_writes_chunks_vectors_and_manifest(docs: Path, tmp_path: Path, embedder):
    out = tmp_path / "index"
    report = build(docs, out, embedder, progress=False)
    assert (report.documents, report.pages, report.skipped) == (2, 7, [])
    stored = read_index(out)
    manifest = stored.manifest
    assert manifest["model"] == {
        "name": "hash",
        "fingerprint": embedder.fingerprint,
        "dimension": 384,
    }
    assert manifest["encoder"] == {"backend": "hash"}
    assert manifest["chunking"] == {"max_tokens": 200, "overlap_tokens": 40}
    assert manifest["format_version"] == FORMAT_VERSION and manifest["built_at"]
    docs_by_name = {d["filename"]: d for d in manifest["documents"]}
    assert docs_by_name["guide.pdf"]["title"] == "A small guide to running a group"
    assert len(docs_by_name["guide.pdf"]["sha256"]) == 64
    assert stored.vectors.ntotal == len(stored.chunks) == report.chunks
    # running header and footer are gone from every chunk; sections come from the outline
    for chunk in stored.chunks:
        assert "Small guide to peer support groups" not in chunk.text
        assert "Sample footer" not in chunk.text
    rules = next(c for c in stored.chunks if "Challenge the view" in c.text)
    assert (rules.section, rules.page_start, rules.page_end, rules.page_label) == (
        "Ground rules",
        2,
        2,
        "1",
    )


def test_search_finds_the_right_page(docs: Path, tmp_path: Path, embedder):
    build(docs, tmp_path / "index", embedder, progress=False)
    idx = Index.open(tmp_path / "index", embedder)
    hits = idx.search("venue with step-free access", k=3)
    assert hits[0].document.filename == "guide.pdf"
    assert hits[0].chunk.page_start == 4
    assert [h.rank for h in hits] == [1, 2, 3]
    assert hits[0].score >= hits[1].score


def test_bad_files_are_reported_and_skipped(docs: Path, tmp_path: Path, embedder):
    (docs / "empty.pdf").write_bytes(b"")
    (docs / "notes-renamed.pdf").write_text("minutes of the meeting")
    (docs / "truncated.pdf").write_bytes(pdfs.render(guide_spec())[:500])
    pdfs.encrypted(docs / "locked.pdf", guide_spec())
    pdfs.image_only(docs / "scan.pdf")
    report = build(docs, tmp_path / "index", embedder, progress=False)
    assert report.documents == 2
    reasons = {s.filename: s.reason for s in report.skipped}
    assert set(reasons) == {
        "empty.pdf",
        "notes-renamed.pdf",
        "truncated.pdf",
        "locked.pdf",
        "scan.pdf",
    }
    assert "empty" in reasons["empty.pdf"]
    assert "not a PDF" in reasons["notes-renamed.pdf"]
    assert "encrypted" in reasons["locked.pdf"]
    assert "no extractable text" in reasons["scan.pdf"]
    assert "skipped locked.pdf: the PDF is encrypted" in report.summary()


def test_nothing_indexable_is_an_error_saying_why(tmp_path: Path, embedder):
    src = tmp_path / "src"
    src.mkdir()
    (src / "empty.pdf").write_bytes(b"")
    with pytest.raises(NothingIndexedError, match=r"empty\.pdf: the file is empty"):
        build(src, tmp_path / "index", embedder, progress=False)
    assert not (tmp_path / "index").exists()


def test_missing_or_empty_source_folder_says_so(tmp_path: Path, embedder):
    with pytest.raises(NothingIndexedError, match="does not exist"):
        build(tmp_path / "nope", tmp_path / "index", embedder, progress=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(NothingIndexedError, match=r"contains no \.pdf files"):
        build(tmp_path / "empty", tmp_path / "index", embedder, progress=False)


def test_rebuild_reuses_vectors_of_unchanged_documents(docs: Path, tmp_path: Path, embedder):
    out = tmp_path / "index"
    first = build(docs, out, embedder, progress=False)
    again = build(docs, out, embedder, progress=False)
    assert (again.reused_documents, again.embedded_chunks) == (2, 0)
    assert again.chunks == first.chunks
    pdfs.write(
        docs / "notes.pdf", pdfs.Spec(pages=[pdfs.Page(["A changed document."])], footer=None)
    )
    changed = build(docs, out, embedder, progress=False)
    assert changed.reused_documents == 1
    assert changed.embedded_chunks == 1
    hits = Index.open(out, embedder).search("A changed document", k=1)
    assert hits[0].document.filename == "notes.pdf"
    assert hits[0].chunk.text == "A changed document."


def test_reused_vectors_equal_fresh_ones(docs: Path, tmp_path: Path, embedder):
    out = tmp_path / "index"
    build(docs, out, embedder, progress=False)
    build(docs, out, embedder, progress=False)
    stored = read_index(out)
    fresh = embedder.encode([build_module.embedding_text(c) for c in stored.chunks])
    assert (abs(stored.reconstruct(list(range(len(stored.chunks)))) - fresh) < 1e-6).all()


def test_failed_build_leaves_the_previous_index_untouched(
    docs: Path, tmp_path: Path, embedder, monkeypatch
):
    out = tmp_path / "index"
    build(docs, out, embedder, progress=False)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    pdfs.write(docs / "third.pdf", pdfs.Spec(pages=[pdfs.Page(["Brand new text."])]))

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(build_module, "_embed", crash)
    with pytest.raises(KeyboardInterrupt):
        build(docs, out, embedder, progress=False)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".index")] == []


def test_a_different_model_fails_clearly_on_build_and_search(docs: Path, tmp_path: Path, embedder):
    out = tmp_path / "index"
    build(docs, out, embedder, progress=False)
    with pytest.raises(ModelMismatchError, match=r"built with model 'hash'.*'other-model'"):
        build(docs, out, OtherModel(), progress=False)
    with pytest.raises(ModelMismatchError, match="rebuild"):
        Index.open(out, OtherModel())
    report = build(docs, out, OtherModel(), progress=False, force=True)
    assert report.embedded_chunks == report.chunks
    assert json.loads((out / "manifest.json").read_text())["model"]["name"] == "other-model"


def test_another_encoder_of_the_same_model_re_embeds_everything_and_is_recorded(
    docs: Path, tmp_path: Path, embedder, caplog
):
    out = tmp_path / "index"
    build(docs, out, embedder, progress=False)
    with caplog.at_level("INFO", logger="index.builder"):
        again = build(docs, out, OtherEncoder(), progress=False)
    assert (again.reused_documents, again.embedded_chunks) == (0, again.chunks)
    assert "encoder changed (hash -> onnxruntime fp32 abababababab)" in caplog.text
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["encoder"]["sha256"] == "ab" * 32


def test_searching_with_another_encoder_than_the_build_warns(
    docs: Path, tmp_path: Path, embedder, caplog
):
    out = tmp_path / "index"
    build(docs, out, embedder, progress=False)
    assert Index.open(out, embedder).encoder_matches
    with caplog.at_level("WARNING", logger="index.search"):
        index = Index.open(out, OtherEncoder())
    assert not index.encoder_matches
    assert "built with encoder {'backend': 'hash'} but is queried with" in caplog.text
    assert index.search("ground rules", k=1)  # same model: still searchable


def test_a_new_extraction_version_rereads_unchanged_documents(
    docs: Path, tmp_path: Path, embedder, monkeypatch
):
    out = tmp_path / "index"
    build(docs, out, embedder, progress=False)
    monkeypatch.setattr(build_module, "EXTRACTION_VERSION", build_module.EXTRACTION_VERSION + 1)
    again = build(docs, out, embedder, progress=False)
    assert again.reused_documents == 0
    assert json.loads((out / "manifest.json").read_text())["extraction"] == (
        build_module.EXTRACTION_VERSION
    )
    # the texts came out the same: their vectors are reused, nothing is encoded again
    assert (again.embedded_chunks, again.embedded_sentences) == (0, 0)
    fresh = Index.open(out, embedder).search("venue with step-free access", k=1)[0]
    assert fresh.cosine == pytest.approx(
        float(
            embedder.encode([f"{fresh.chunk.section}: {fresh.chunk.text}"])[0]
            @ embedder.encode(["venue with step-free access"])[0]
        ),
        abs=1e-5,
    )
