"""The sentence encoder on ONNX Runtime: the same vectors as sentence-transformers, without torch.

Two halves with different dependencies:

- `ensure_onnx_model()` exports a local sentence-transformers folder (BERT + mean pooling) to a
  fused ONNX graph once, into a cache folder keyed by the source model's fingerprint. Exporting
  needs torch, transformers and onnx; it runs at install or index-build time, never per query.
- `OnnxEmbedder` runs that graph with onnxruntime and the model's own fast tokenizer
  (`tokenizers`): no torch and no transformers in the serving process.

Cache layout (default `instance/models`, or `$TOOLKIT_MODEL_CACHE`):

    <cache>/<model>-<source fingerprint>/fp32.r2.onnx   fused fp32 graph
    <cache>/<model>-<source fingerprint>/fp32.r2.json   sha256, size, versions, checked cosine
    <cache>/<model>-<source fingerprint>/int8.r2.onnx   (optional) dynamic int8 quantisation

Each file is written to a temporary name and renamed; the JSON record is written last, so a
graph without its record is never used. A lock file serialises concurrent exports.

Ahead of time (offline): `python -m index.onnx_encoder export [--int8]`; `... check` verifies.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import re
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from .embed import (
    DEFAULT_MODEL,
    HASH_MODEL,
    model_fingerprint,
    model_path,
    normalise_rows,
    split_model_name,
)

log = logging.getLogger(__name__)

#: Bump when the export recipe changes in a way that could change the graph's output.
RECIPE = 2
VARIANTS = ("fp32", "int8")
DEFAULT_CACHE = Path("instance/models")
OPSET = 17
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
#: Sentences the export is checked on: the ONNX graph must agree with torch on each of them.
_CHECK_SENTENCES = [
    "How do we agree ground rules at a first meeting?",
    "Silence at a first meeting is normal and can be comfortable.",
    "Choose a venue with step-free access and a quiet private room. " * 30,
    "é",
]
_MIN_COSINE = {"fp32": 0.9999, "int8": 0.95}
_FILE_MODE = 0o644  # mkstemp makes 0600 files; the service may run as another user


class ModelExportError(RuntimeError):
    """The ONNX model is missing or broken and could not be (re-)exported."""


class UnsupportedModelError(ValueError):
    """The model folder is not a BERT encoder with mean pooling: the recipe does not apply."""


def cache_dir(path: str | os.PathLike | None = None) -> Path:
    return Path(path or os.environ.get("TOOLKIT_MODEL_CACHE") or DEFAULT_CACHE)


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class SourceModel:
    """A local sentence-transformers folder and what the recipe needs from it."""

    name: str
    path: Path
    fingerprint: str
    dimension: int
    max_tokens: int
    num_heads: int
    hidden_size: int
    do_lower_case: bool

    @classmethod
    def resolve(cls, name: str = DEFAULT_MODEL) -> SourceModel:
        path = model_path(name)
        config = _json(path / "config.json")
        if config.get("model_type") != "bert":
            raise UnsupportedModelError(
                f"{name}: ONNX export supports BERT encoders only, not {config.get('model_type')}"
            )
        pooling_dir = _pooling_dir(path)
        pooling = _json(pooling_dir / "config.json")
        modes = {k for k, v in pooling.items() if k.startswith("pooling_mode") and v}
        if modes != {"pooling_mode_mean_tokens"}:
            raise UnsupportedModelError(f"{name}: ONNX export supports mean pooling only: {modes}")
        if not (path / "tokenizer.json").is_file():
            raise UnsupportedModelError(f"{name}: no tokenizer.json (a fast tokenizer) in {path}")
        st_config = path / "sentence_bert_config.json"
        st = _json(st_config) if st_config.is_file() else {}
        return cls(
            name=name,
            path=path,
            fingerprint=model_fingerprint(path),
            dimension=int(pooling["word_embedding_dimension"]),
            max_tokens=int(st.get("max_seq_length") or config["max_position_embeddings"]),
            num_heads=int(config["num_attention_heads"]),
            hidden_size=int(config["hidden_size"]),
            do_lower_case=bool(st.get("do_lower_case", False)),
        )

    @property
    def slug(self) -> str:
        name = self.name if self.name == DEFAULT_MODEL else self.path.name
        return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


def _pooling_dir(path: Path) -> Path:
    modules = path / "modules.json"
    if modules.is_file():
        for module in _json(modules):
            if module.get("type", "").endswith("Pooling"):
                return path / module["path"]
    return path / "1_Pooling"


@dataclass(frozen=True)
class OnnxModel:
    """An exported graph on disk and its record."""

    path: Path
    variant: str
    sha256: str
    record: dict


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _paths(source: SourceModel, variant: str, cache: Path) -> tuple[Path, Path]:
    folder = cache / f"{source.slug}-{source.fingerprint}"
    stem = f"{variant}.r{RECIPE}"
    return folder / f"{stem}.onnx", folder / f"{stem}.json"


def _check(onnx_path: Path, record_path: Path, source: SourceModel, verify: bool) -> OnnxModel:
    """The cached model, or ModelExportError saying what is wrong with it."""
    if not record_path.is_file() or not onnx_path.is_file():
        raise ModelExportError(f"no exported ONNX model at {onnx_path}")
    try:
        record = _json(record_path)
    except (OSError, ValueError) as exc:
        raise ModelExportError(f"unreadable record {record_path}: {exc}") from exc
    if record.get("source_fingerprint") != source.fingerprint or record.get("recipe") != RECIPE:
        raise ModelExportError(f"{record_path} describes another model or recipe")
    if onnx_path.stat().st_size != record.get("size"):
        raise ModelExportError(f"{onnx_path} has the wrong size: a partial or altered file")
    if verify and _sha256(onnx_path) != record.get("sha256"):
        raise ModelExportError(f"{onnx_path} does not match the sha256 in {record_path}")
    return OnnxModel(onnx_path, record["variant"], record["sha256"], record)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ensure_onnx_model(
    name: str = DEFAULT_MODEL,
    cache: str | os.PathLike | None = None,
    *,
    variant: str = "fp32",
    export: bool = True,
    verify: bool = True,
) -> OnnxModel:
    """The exported ONNX graph for model `name`, exporting it first when it is not cached.

    Idempotent and safe to call from several processes: a valid cached file is reused (checked
    by size, and by sha256 when `verify`). With `export=False` a missing or broken file raises
    ModelExportError instead of exporting (serving processes, which should not import torch).
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown ONNX variant {variant!r}: use one of {VARIANTS}")
    source = SourceModel.resolve(name)
    onnx_path, record_path = _paths(source, variant, cache_dir(cache))
    try:
        return _check(onnx_path, record_path, source, verify)
    except ModelExportError as exc:
        if not export:
            raise ModelExportError(
                f"{exc}. Export it once with `python -m index.onnx_encoder export"
                f"{' --int8' if variant == 'int8' else ''}` (needs torch; offline)."
            ) from exc
        reason = str(exc)
    # int8 is quantised from fp32: make sure of that one first (it takes the same lock)
    fp32 = ensure_onnx_model(name, cache, verify=verify) if variant == "int8" else None
    with _locked(onnx_path.parent):
        try:  # another process may have exported it while we waited for the lock
            return _check(onnx_path, record_path, source, verify)
        except ModelExportError:
            pass
        log.info("exporting %s to ONNX (%s): %s", name, variant, reason)
        t0 = time.perf_counter()
        if fp32 is None:
            record = _export_fp32(source, onnx_path)
        else:
            record = _export_int8(source, fp32.path, onnx_path)
        record.update(
            variant=variant,
            recipe=RECIPE,
            source_model=name,
            source_fingerprint=source.fingerprint,
            size=onnx_path.stat().st_size,
            sha256=_sha256(onnx_path),
            seconds=round(time.perf_counter() - t0, 1),
            created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        )
        _write_atomic(record_path, (json.dumps(record, indent=2) + "\n").encode())
        log.info("exported %s in %.1f s -> %s", variant, record["seconds"], onnx_path)
        return _check(onnx_path, record_path, source, verify=False)


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def _temp_file(target: Path) -> Iterator[Path]:
    """A temporary path beside `target`, renamed to `target` when the block succeeds."""
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, _FILE_MODE)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _export_fp32(source: SourceModel, target: Path) -> dict:
    """torch.onnx.export of the transformer (eager attention), fused by onnxruntime's optimizer."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import onnx  # noqa: F401  (the optimizer needs it; fail early with a clear message)
        import torch
        import transformers
        from onnxruntime.transformers.optimizer import optimize_model
        from transformers import AutoModel
    except ImportError as exc:
        raise ModelExportError(
            f"exporting the model to ONNX needs torch, transformers and onnx: {exc}"
        ) from exc

    # eager attention: the exported graph is one the BERT optimizer recognises and fuses;
    # no pooler: sentence-transformers pools the token states, the pooler would be dead weight
    verbosity = transformers.logging.get_verbosity()
    transformers.logging.set_verbosity_error()  # "pooler weights not used": as intended
    try:
        model = AutoModel.from_pretrained(
            str(source.path), attn_implementation="eager", add_pooling_layer=False
        ).eval()
    finally:
        transformers.logging.set_verbosity(verbosity)
    dummy = torch.ones((2, 8), dtype=torch.long)
    axes = {"batch": 0, "sequence": 1}
    dynamic = {n: {i: a for a, i in axes.items()} for n in (*_INPUTS, "last_hidden_state")}
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export-") as tmp:
        raw = Path(tmp) / "raw.onnx"
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
            torch.onnx.export(
                model,
                (dummy, dummy, torch.zeros_like(dummy)),
                str(raw),
                dynamo=False,
                input_names=list(_INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes=dynamic,
                opset_version=OPSET,
                do_constant_folding=True,
            )
        with _quiet_root_logger():  # the optimizer reports each fusion at INFO
            optimized = optimize_model(
                str(raw),
                model_type="bert",
                num_heads=source.num_heads,
                hidden_size=source.hidden_size,
                opt_level=1,
            )
            fused = {k: v for k, v in optimized.get_fused_operator_statistics().items() if v}
        if fused.get("Attention") != model.config.num_hidden_layers:
            log.warning("attention not fused in every layer (%s): the graph will be slower", fused)
        with _temp_file(target) as tmp_target:
            with _quiet_root_logger():
                optimized.save_model_to_file(str(tmp_target))
            cosine = _agreement(source, tmp_target, model, torch)
            if cosine < _MIN_COSINE["fp32"]:
                raise ModelExportError(f"the ONNX graph disagrees with torch (cosine {cosine})")
    return {
        "fused_operators": fused,
        "check_cosine_min": round(cosine, 6),
        "versions": {
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "onnxruntime": _ort_version(),
        },
    }


def _export_int8(source: SourceModel, fp32: Path, target: Path) -> dict:
    """Dynamic int8 quantisation (per channel) of the fused fp32 graph; needs onnx, not torch."""
    try:
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise ModelExportError(f"quantising the model needs onnx: {exc}") from exc
    with _temp_file(target) as tmp_target:
        try:
            with _quiet_root_logger(logging.ERROR):  # and its advice to pre-process
                quantize_dynamic(
                    str(fp32),
                    str(tmp_target),
                    per_channel=True,
                    weight_type=QuantType.QInt8,
                    # the fused contrib operators defeat shape inference: say their outputs' type
                    extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
                )
        except Exception as exc:
            raise ModelExportError(f"int8 quantisation failed: {exc}") from exc
        reference = OnnxEmbedder._from_files(source, fp32, "fp32", threads=None)
        quantized = OnnxEmbedder._from_files(source, tmp_target, "int8", threads=None)
        a, b = reference.encode(_CHECK_SENTENCES), quantized.encode(_CHECK_SENTENCES)
        cosine = float(np.min(np.sum(a * b, axis=1)))
        if cosine < _MIN_COSINE["int8"]:
            raise ModelExportError(f"the int8 graph disagrees with fp32 (cosine {cosine})")
    return {
        "quantization": "dynamic, per-channel, QInt8 weights",
        "check_cosine_min": round(cosine, 6),
        "versions": {"onnxruntime": _ort_version()},
    }


@contextlib.contextmanager
def _quiet_root_logger(keep: int = logging.WARNING) -> Iterator[None]:
    """onnxruntime's tools log chatter on the root logger: keep records from `keep` up."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, keep))
    try:
        yield
    finally:
        root.setLevel(level)


def _agreement(source: SourceModel, graph: Path, model, torch) -> float:
    """The smallest cosine between the graph's vectors and torch's on the check sentences."""
    ours = OnnxEmbedder._from_files(source, graph, "fp32", threads=None)
    enc = ours._batch(_CHECK_SENTENCES)
    with torch.no_grad():
        hidden = model(**{k: torch.from_numpy(v) for k, v in enc.items()}).last_hidden_state
    theirs = _mean_pool(hidden.numpy(), enc["attention_mask"])
    return float(np.min(np.sum(ours.encode(_CHECK_SENTENCES) * theirs, axis=1)))


def _ort_version() -> str:
    return ort.__version__


def _mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """sentence-transformers' mean pooling over the attention mask, then L2 normalisation."""
    weights = mask.astype(np.float32)
    summed = np.einsum("bs,bsh->bh", weights, hidden)
    counts = np.clip(weights.sum(axis=1, keepdims=True), 1e-9, None)
    return normalise_rows(summed / counts)


class OnnxEmbedder:
    """The Embedder protocol on onnxruntime + tokenizers.

    The fp32 graph gives the vectors sentence-transformers gives (cosine 1.0000), so it shares
    the torch embedder's name and fingerprint: indexes built with either open with the other.
    The int8 graph gives slightly different vectors, hence its own name and fingerprint.
    `threads` is onnxruntime's intra-op thread count (None or 0: one per core; the service
    wants 1 per worker); `$TOOLKIT_ENCODER_THREADS` sets the default.
    """

    def __init__(
        self,
        name: str = DEFAULT_MODEL,
        *,
        variant: str = "fp32",
        threads: int | None = None,
        cache: str | os.PathLike | None = None,
        export: bool = True,
    ) -> None:
        source = SourceModel.resolve(name)
        model = ensure_onnx_model(name, cache, variant=variant, export=export)
        self._setup(source, model.path, variant, threads)
        self.onnx_model = model

    @classmethod
    def _from_files(
        cls, source: SourceModel, graph: Path, variant: str, threads: int | None
    ) -> OnnxEmbedder:
        self = cls.__new__(cls)
        self._setup(source, graph, variant, threads)
        return self

    def _setup(self, source: SourceModel, graph: Path, variant: str, threads: int | None) -> None:
        self.source = source
        self.variant = variant
        self.graph_path = graph
        self.name = source.name if variant == "fp32" else f"{source.name}:{variant}"
        self.dimension = source.dimension
        self.max_tokens = source.max_tokens
        self._fingerprint = (
            source.fingerprint if variant == "fp32" else f"{source.fingerprint}-{variant}"
        )
        tokenizer = source.path / "tokenizer.json"
        # tokenizer.json carries its own truncation/padding (128, fixed): replace both.
        self._tokenizer = Tokenizer.from_file(str(tokenizer))
        self._tokenizer.enable_truncation(max_length=self.max_tokens)
        self._tokenizer.enable_padding(pad_id=self._pad_id(), pad_token="[PAD]")
        self._counter = Tokenizer.from_file(str(tokenizer))
        self._counter.no_truncation()
        self._counter.no_padding()
        self.threads = 0
        self._session = None
        self.set_threads(_default_threads() if threads is None else threads)

    def _pad_id(self) -> int:
        pad = self._tokenizer.token_to_id("[PAD]")
        return 0 if pad is None else int(pad)

    @property
    def fingerprint(self) -> str:
        return self._fingerprint

    @property
    def encoder(self) -> dict:
        model = getattr(self, "onnx_model", None)
        return {
            "backend": "onnxruntime",
            "variant": self.variant,
            "graph": self.graph_path.name,
            "sha256": model.sha256 if model else _sha256(self.graph_path),
            "onnxruntime": ort.__version__,
        }

    def set_threads(self, threads: int) -> None:
        """(Re)create the session with `threads` intra-op threads (0: onnxruntime's default).

        A no-op when the session already has that many: a forked worker keeps the session it
        shares with the master instead of building its own copy.
        """
        threads = max(0, int(threads))
        if getattr(self, "_session", None) is not None and threads == self.threads:
            return
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(self.graph_path), options, providers=["CPUExecutionProvider"]
        )
        self.threads = options.intra_op_num_threads

    def _prepare(self, text: str) -> str:
        text = str(text).strip()  # as sentence-transformers does
        return text.lower() if self.source.do_lower_case else text

    def _batch(self, texts: list[str]) -> dict[str, np.ndarray]:
        encodings = self._tokenizer.encode_batch([self._prepare(t) for t in texts])
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        return {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        texts = list(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        # Longest first, as sentence-transformers does: batches of similar length pad less.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            feeds = self._batch([texts[i] for i in rows])
            (hidden,) = self._session.run(["last_hidden_state"], feeds)
            out[rows] = _mean_pool(hidden, feeds["attention_mask"])
        return out

    def count_tokens(self, text: str) -> int:
        """Word pieces without special tokens or truncation, as `tokenizer.tokenize` counts."""
        return len(self._counter.encode(self._prepare(text), add_special_tokens=False).ids)


def _default_threads() -> int:
    value = os.environ.get("TOOLKIT_ENCODER_THREADS", "").strip()
    return int(value) if value else 0


def export_models(
    name: str | None = None,
    cache: str | os.PathLike | None = None,
    *,
    int8: bool = False,
    export: bool = True,
) -> list[OnnxModel]:
    """Make sure the graphs for a configured model name are exported (for CLIs and setup).

    `name` as for `load_embedder` (default `$TOOLKIT_MODEL`): a ':int8' suffix or `int8`
    adds the quantised graph; ':torch' and 'hash' need no export (empty list).
    """
    name = name or os.environ.get("TOOLKIT_MODEL") or DEFAULT_MODEL
    base, encoder = split_model_name(name)
    if name == HASH_MODEL or encoder == "torch":
        return []
    variants = ("fp32", "int8") if int8 or encoder == "int8" else ("fp32",)
    return [ensure_onnx_model(base, cache, variant=v, export=export) for v in variants]


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    p = argparse.ArgumentParser(prog="python -m index.onnx_encoder", description=__doc__)
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    sub = p.add_subparsers(dest="command", required=True)
    for command, text in [
        ("export", "export the model to ONNX unless cached (offline; needs torch once)"),
        ("check", "verify the cached export (sha256); exit 1 when it is missing or broken"),
    ]:
        c = sub.add_parser(command, help=text)
        c.add_argument("--model", help="model name (default: $TOOLKIT_MODEL or all-MiniLM-L6-v2)")
        c.add_argument(
            "--cache", help="cache folder (default: $TOOLKIT_MODEL_CACHE or instance/models)"
        )
        c.add_argument("--int8", action="store_true", help="the int8-quantised graph too")
    args = p.parse_args(argv)
    try:
        models = export_models(
            args.model, args.cache, int8=args.int8, export=args.command == "export"
        )
    except ModelExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1 if args.command == "check" else 2
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for model in models:
        print(f"{model.variant}: {model.path} sha256 {model.sha256}")
    if not models:
        print("nothing to export for this model")
    return 0


if __name__ == "__main__":
    sys.exit(main())
