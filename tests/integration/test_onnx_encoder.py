"""The ONNX encoder against sentence-transformers on the real model: same vectors, same tokens.

The export runs here from scratch, offline, in a fresh process (as `make setup` or an index
build would), into a temporary cache; a second run must reuse it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index import Index
from index.embed import DEFAULT_MODEL, SentenceTransformerEmbedder
from index.onnx_encoder import RECIPE, OnnxEmbedder

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"

SENTENCES = [
    "how do we agree ground rules at a first meeting?",
    "What should I do if nobody talks?",
    "venue accessibility",
    "Can a facilitator share their own experience?",
    "Agree the ground rules together at the first meeting.",
    "Everyone has the chance to speak and nobody has to share.",
    "What is said in the group stays in the group — unless someone is at risk of harm.",
    "Silence at a first meeting is normal and can be comfortable.",
    "Choose a venue with step-free access, a hearing loop and a quiet private room.",
    "Peer support is built on shared experience, mutuality and respect.",
    "I feel like I can't cope any more and I don't know who to ask",
    "Co-facilitation: sharing the load between two facilitators prevents burnout.",
    "Supervision gives facilitators a space to reflect on sessions (monthly, 1:1 or in groups).",
    "The evaluation found that 78% of members felt less isolated after six months.",
    "Naïve café résumé: “curly quotes”, ellipses… and emoji 🙂",
    "GROUND RULES",
    "   leading and trailing whitespace   ",
    "a",
    "Think about toilets, lighting, and somewhere to make a hot drink. " * 8,
    "Facilitators can wait, offer a gentle question, or invite pairs to talk first. " * 30,
]


def _run_export(cache: Path, home: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_HOME": str(home),  # an empty hub cache: only the packaged files can be used
        "PYTHONPATH": str(ROOT),
    }
    env.pop("TOOLKIT_MODEL", None)
    return subprocess.run(
        [sys.executable, "-m", "index.onnx_encoder", "export", "--int8", "--cache", str(cache)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("onnx")
    result = _run_export(base / "cache", base / "hf-home")
    assert result.returncode == 0, result.stderr
    return base / "cache"


@pytest.fixture(scope="module")
def torch_embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(DEFAULT_MODEL)


@pytest.fixture(scope="module")
def onnx_embedder(exported) -> OnnxEmbedder:
    return OnnxEmbedder(DEFAULT_MODEL, cache=exported, export=False)


@pytest.fixture(scope="module")
def int8_embedder(exported) -> OnnxEmbedder:
    return OnnxEmbedder(DEFAULT_MODEL, variant="int8", cache=exported, export=False)


def test_export_works_offline_and_is_reused(exported, tmp_path):
    (folder,) = exported.iterdir()
    graphs = {p.name: p.stat() for p in folder.glob("*.onnx")}
    assert set(graphs) == {f"fp32.r{RECIPE}.onnx", f"int8.r{RECIPE}.onnx"}
    record = json.loads((folder / f"fp32.r{RECIPE}.json").read_text())
    assert record["check_cosine_min"] >= 0.9999
    assert record["fused_operators"]["Attention"] == 6  # the graph is fused

    again = _run_export(exported, tmp_path / "hf-home")
    assert again.returncode == 0, again.stderr
    assert "exporting" not in again.stderr
    for name, before in graphs.items():
        after = (folder / name).stat()
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_fp32_is_interchangeable_with_torch(onnx_embedder, torch_embedder):
    assert onnx_embedder.name == torch_embedder.name
    assert onnx_embedder.fingerprint == torch_embedder.fingerprint
    assert onnx_embedder.dimension == torch_embedder.dimension == 384
    assert onnx_embedder.max_tokens == torch_embedder.max_tokens == 256


def test_fp32_vectors_match_torch(onnx_embedder, torch_embedder):
    ours = onnx_embedder.encode(SENTENCES, batch_size=8)
    theirs = torch_embedder.encode(SENTENCES, batch_size=8)
    cosine = np.sum(ours * theirs, axis=1)
    assert cosine.min() >= 0.9999, dict(zip(SENTENCES, cosine.round(6), strict=True))
    assert np.abs(ours - theirs).max() < 1e-4


def test_single_queries_match_torch(onnx_embedder, torch_embedder):
    for text in SENTENCES[:6]:
        ours, theirs = onnx_embedder.encode([text])[0], torch_embedder.encode([text])[0]
        assert float(ours @ theirs) >= 0.9999, text


def test_count_tokens_matches_the_tokenizer(onnx_embedder, torch_embedder):
    for text in [*SENTENCES, "", "x" * 600, "word " * 700]:
        assert onnx_embedder.count_tokens(text) == torch_embedder.count_tokens(text), text[:40]
    assert onnx_embedder.count_tokens(SENTENCES[-1]) > 256  # counted in full, not truncated


def test_int8_is_close_but_distinct(int8_embedder, onnx_embedder):
    assert int8_embedder.name == f"{DEFAULT_MODEL}:int8"
    assert int8_embedder.fingerprint != onnx_embedder.fingerprint
    cosine = np.sum(int8_embedder.encode(SENTENCES) * onnx_embedder.encode(SENTENCES), axis=1)
    assert cosine.min() >= 0.95


def test_an_index_searches_the_same_with_either_encoder(external_index, torch_embedder):
    index, stored = external_index
    with_torch = Index(stored, torch_embedder)
    questions = [
        json.loads(line)["question"]
        for line in (DATA / "qa_external.jsonl").read_text(encoding="utf-8").splitlines()[:10]
    ]
    for question in questions:
        ours = [h.chunk.id for h in index.search(question, k=5)]
        theirs = [h.chunk.id for h in with_torch.search(question, k=5)]
        assert ours == theirs, question


def test_the_manifest_names_the_exported_graph_the_vectors_came_from(
    external_index, real_embedder, torch_embedder
):
    index, stored = external_index
    encoder = stored.manifest["encoder"]
    assert encoder["backend"] == "onnxruntime" and encoder["variant"] == "fp32"
    assert encoder["sha256"] == real_embedder.onnx_model.sha256
    assert len(encoder["sha256"]) == 64
    assert index.encoder_matches
    assert not Index(stored, torch_embedder).encoder_matches  # usable, but reported
