"""The sentence encoder on ONNX Runtime: the same vectors as sentence-transformers, without torch.

`OnnxEmbedder.from_cache(name, cache)` runs a graph that `index.onnx_export` wrote into the model
cache, with the model's own fast tokenizer (`tokenizers`). It needs neither torch nor the source
weights: the cache folder carries the graph, the tokenizer files and the few numbers the vectors
need, so that folder is all a serving machine needs.

Cache layout (one folder per source model, keyed by its fingerprint):

    <cache>/<model>-<fingerprint>/model.json        fingerprint, dimension, max tokens, casing
    <cache>/<model>-<fingerprint>/tokenizer.json    (and the other tokenizer files), copied
    <cache>/<model>-<fingerprint>/fp32.r2.onnx      the fused fp32 graph
    <cache>/<model>-<fingerprint>/fp32.r2.json      its record: sha256, size, versions, cosine
    <cache>/<model>-<fingerprint>/int8.r2.onnx      (optional) dynamic int8 quantisation, + .json

A graph is used only beside its record, which the export writes last.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from .embed import DEFAULT_MODEL, model_fingerprint, model_path, normalise_rows
from .errors import ModelNotAvailableError, UnsupportedModelError

log = logging.getLogger(__name__)

#: Bump when the export recipe changes in a way that could change the graph's output.
RECIPE = 2
VARIANTS = ("fp32", "int8")
#: Relative to the working directory: for the command lines; the service passes its own.
DEFAULT_CACHE = Path("instance/models")
CARD_FILE = "model.json"
TOKENIZER_FILE = "tokenizer.json"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_FINGERPRINT = re.compile(r"[0-9a-f]{16}")


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def file_sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


@dataclass(frozen=True)
class ModelCard:
    """What the vectors need besides the graph and the tokenizer, taken from the source model."""

    fingerprint: str
    dimension: int
    max_tokens: int
    do_lower_case: bool

    @classmethod
    def read(cls, path: Path) -> ModelCard:
        data = _json(path)
        return cls(
            fingerprint=str(data["fingerprint"]),
            dimension=int(data["dimension"]),
            max_tokens=int(data["max_tokens"]),
            do_lower_case=bool(data["do_lower_case"]),
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"


@dataclass(frozen=True)
class SourceModel:
    """A local sentence-transformers folder and what the recipe needs from it."""

    name: str
    path: Path
    card: ModelCard
    num_heads: int
    hidden_size: int

    @classmethod
    def resolve(cls, name: str = DEFAULT_MODEL) -> SourceModel:
        """The model folder `name` names; UnsupportedModelError when the recipe does not apply.

        ModuleNotFoundError when `name` is the bundled model and its package is not installed.
        """
        path = model_path(name)
        config = _json(path / "config.json")
        if config.get("model_type") != "bert":
            raise UnsupportedModelError(
                f"{name}: ONNX export supports BERT encoders only, not {config.get('model_type')}"
            )
        pooling = _json(_pooling_dir(path) / "config.json")
        modes = {k for k, v in pooling.items() if k.startswith("pooling_mode") and v}
        if modes != {"pooling_mode_mean_tokens"}:
            raise UnsupportedModelError(f"{name}: ONNX export supports mean pooling only: {modes}")
        if not (path / TOKENIZER_FILE).is_file():
            raise UnsupportedModelError(f"{name}: no tokenizer.json (a fast tokenizer) in {path}")
        st_config = path / "sentence_bert_config.json"
        st = _json(st_config) if st_config.is_file() else {}
        card = ModelCard(
            fingerprint=model_fingerprint(path),
            dimension=int(pooling["word_embedding_dimension"]),
            max_tokens=int(st.get("max_seq_length") or config["max_position_embeddings"]),
            do_lower_case=bool(st.get("do_lower_case", False)),
        )
        return cls(
            name=name,
            path=path,
            card=card,
            num_heads=int(config["num_attention_heads"]),
            hidden_size=int(config["hidden_size"]),
        )


def _pooling_dir(path: Path) -> Path:
    modules = path / "modules.json"
    if modules.is_file():
        for module in _json(modules):
            if module.get("type", "").endswith("Pooling"):
                return path / module["path"]
    return path / "1_Pooling"


def slug(name: str) -> str:
    """The cache folder's name for model `name`: the bundled model's name, or a folder's name."""
    base = name if name == DEFAULT_MODEL else Path(name).name
    return re.sub(r"[^A-Za-z0-9._-]+", "_", base)


def export_folder(cache: str | os.PathLike, name: str, fingerprint: str) -> Path:
    return Path(cache) / f"{slug(name)}-{fingerprint}"


def graph_files(folder: Path, variant: str) -> tuple[Path, Path]:
    """The graph and its record for `variant` in an export folder."""
    stem = f"{variant}.r{RECIPE}"
    return folder / f"{stem}.onnx", folder / f"{stem}.json"


@dataclass(frozen=True)
class Export:
    """One exported graph in the cache, checked against its record."""

    model: str
    variant: str
    folder: Path
    graph: Path
    sha256: str
    card: ModelCard
    record: dict

    @property
    def tokenizer(self) -> Path:
        return self.folder / TOKENIZER_FILE


def export_command(name: str, cache: str | os.PathLike, variant: str = "fp32") -> str:
    """The command that makes the export `read_export` could not find."""
    model = "" if name == DEFAULT_MODEL else f" --model {name}"
    int8 = " --int8" if variant == "int8" else ""
    return f"python -m index.onnx_export --cache {Path(cache).absolute()}{model}{int8}"


def read_export(
    name: str,
    folder: Path,
    variant: str = "fp32",
    *,
    fingerprint: str | None = None,
    verify: bool = True,
) -> Export:
    """The export of `variant` in `folder`, or ModelNotAvailableError saying what is wrong.

    Checked by size and (with `verify`) sha256 against its record, and, when `fingerprint` is
    given (the source model is installed here), that it was made from that source.
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown ONNX variant {variant!r}: use one of {VARIANTS}")
    graph, record_path = graph_files(folder, variant)
    if not record_path.is_file() or not graph.is_file():
        raise ModelNotAvailableError(f"no exported ONNX model at {graph}")
    try:
        record = _json(record_path)
        card = ModelCard.read(folder / CARD_FILE)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelNotAvailableError(f"incomplete export in {folder}: {exc}") from exc
    if not (folder / TOKENIZER_FILE).is_file():
        raise ModelNotAvailableError(f"incomplete export in {folder}: no {TOKENIZER_FILE}")
    made_from = {
        record.get("source_fingerprint"),
        fingerprint or card.fingerprint,
        card.fingerprint,
    }
    if record.get("recipe") != RECIPE or len(made_from) != 1:
        raise ModelNotAvailableError(f"{record_path} describes another model or recipe")
    if graph.stat().st_size != record.get("size"):
        raise ModelNotAvailableError(f"{graph} has the wrong size: a partial or altered file")
    if verify and file_sha256(graph) != record.get("sha256"):
        raise ModelNotAvailableError(f"{graph} does not match the sha256 in {record_path}")
    return Export(name, variant, folder, graph, record["sha256"], card, record)


def _installed_source(name: str) -> SourceModel | None:
    """The source model when its weights are on this machine; None on a serving install."""
    try:
        model_path(name)
    except ModuleNotFoundError:  # the bundled weights' package is not installed
        return None
    except ValueError:  # not a model folder on this machine
        return None
    return SourceModel.resolve(name)


def find_export(
    name: str = DEFAULT_MODEL,
    cache: str | os.PathLike | None = None,
    *,
    variant: str = "fp32",
    verify: bool = True,
) -> Export:
    """The export of model `name` in `cache`, or ModelNotAvailableError saying what to run.

    Where the source weights are installed, the export must be of exactly those (the folder of
    their fingerprint); on a serving machine without them, the newest export of that name.
    """
    cache = Path(cache or DEFAULT_CACHE)
    source = _installed_source(name)
    try:
        if source is not None:
            folder = export_folder(cache, name, source.card.fingerprint)
            return read_export(
                name, folder, variant, fingerprint=source.card.fingerprint, verify=verify
            )
        return _newest_export(name, cache, variant, verify)
    except ModelNotAvailableError as exc:
        where = "" if source is not None else " (its source weights are not installed here)"
        raise ModelNotAvailableError(
            f"no usable ONNX export of {name} in {cache.absolute()}{where}: {exc}. "
            f"Run `{export_command(name, cache, variant)}` (needs `pip install .[export]`), "
            "or copy that folder from a machine that ran it"
        ) from exc


def _newest_export(name: str, cache: Path, variant: str, verify: bool) -> Export:
    prefix = f"{slug(name)}-"
    found = []
    for folder in cache.glob(f"{prefix}*"):
        if folder.is_dir() and _FINGERPRINT.fullmatch(folder.name.removeprefix(prefix)):
            try:
                found.append(read_export(name, folder, variant, verify=False))
            except ModelNotAvailableError as exc:
                log.info("skipping %s: %s", folder, exc)
    if not found:
        raise ModelNotAvailableError(f"no {prefix}<fingerprint>/ folder with a {variant} graph")
    newest = max(found, key=lambda e: (str(e.record.get("created_at", "")), e.folder.name))
    if len(found) > 1:
        log.info("%d exports of %s in %s: using the newest, %s", len(found), name, cache, newest)
    return read_export(name, newest.folder, variant, verify=verify) if verify else newest


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """sentence-transformers' mean pooling over the attention mask, then L2 normalisation."""
    weights = mask.astype(np.float32)
    summed = np.einsum("bs,bsh->bh", weights, hidden)
    counts = np.clip(weights.sum(axis=1, keepdims=True), 1e-9, None)
    return normalise_rows(summed / counts)


class OnnxEmbedder:
    """The Embedder protocol on onnxruntime + tokenizers, for one exported graph.

    The fp32 graph gives the vectors sentence-transformers gives (cosine 1.0000), so it shares
    the torch embedder's name and fingerprint: indexes built with either open with the other.
    The int8 graph gives slightly different vectors, hence its own name and fingerprint.
    `threads` is onnxruntime's intra-op thread count (0: one per core; the service wants 1 per
    worker).
    """

    def __init__(self, export: Export, *, threads: int | None = None) -> None:
        self.export = export
        self.variant = export.variant
        self.graph_path = export.graph
        card = export.card
        self.name = export.model if self.variant == "fp32" else f"{export.model}:{self.variant}"
        self.dimension = card.dimension
        self.max_tokens = card.max_tokens
        self._lower = card.do_lower_case
        self._fingerprint = (
            card.fingerprint if self.variant == "fp32" else f"{card.fingerprint}-{self.variant}"
        )
        # tokenizer.json carries its own truncation/padding (128, fixed): replace both.
        self._tokenizer = Tokenizer.from_file(str(export.tokenizer))
        self._tokenizer.enable_truncation(max_length=self.max_tokens)
        pad = self._tokenizer.token_to_id("[PAD]")
        self._tokenizer.enable_padding(pad_id=0 if pad is None else int(pad), pad_token="[PAD]")
        self._counter = Tokenizer.from_file(str(export.tokenizer))
        self._counter.no_truncation()
        self._counter.no_padding()
        self.threads = max(0, int(threads or 0))
        self._session = self._new_session(self.threads)

    @classmethod
    def from_cache(
        cls,
        name: str = DEFAULT_MODEL,
        cache: str | os.PathLike | None = None,
        *,
        variant: str = "fp32",
        threads: int | None = None,
        verify: bool = True,
    ) -> OnnxEmbedder:
        """The encoder for model `name` from its export in `cache` (see `find_export`)."""
        return cls(find_export(name, cache, variant=variant, verify=verify), threads=threads)

    @property
    def fingerprint(self) -> str:
        return self._fingerprint

    @property
    def encoder(self) -> dict:
        return {
            "backend": "onnxruntime",
            "variant": self.variant,
            "graph": self.graph_path.name,
            "sha256": self.export.sha256,
            "onnxruntime": ort.__version__,
        }

    def _new_session(self, threads: int) -> ort.InferenceSession:
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        return ort.InferenceSession(
            str(self.graph_path), options, providers=["CPUExecutionProvider"]
        )

    def set_threads(self, threads: int) -> None:
        """(Re)create the session with `threads` intra-op threads (0: onnxruntime's default).

        A no-op when the session already has that many: a forked worker keeps the session it
        shares with the master instead of building its own copy.
        """
        threads = max(0, int(threads))
        if threads != self.threads:
            self._session = self._new_session(threads)
            self.threads = threads

    def _prepare(self, text: str) -> str:
        text = str(text).strip()  # as sentence-transformers does
        return text.lower() if self._lower else text

    def feeds(self, texts: list[str]) -> dict[str, np.ndarray]:
        """The graph's inputs for `texts`: token ids, attention mask, token types (padded)."""
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
            feeds = self.feeds([texts[i] for i in rows])
            (hidden,) = self._session.run(["last_hidden_state"], feeds)
            out[rows] = mean_pool(hidden, feeds["attention_mask"])
        return out

    def count_tokens(self, text: str) -> int:
        """Word pieces without special tokens or truncation, as `tokenizer.tokenize` counts."""
        return len(self._counter.encode(self._prepare(text), add_special_tokens=False).ids)


if __name__ == "__main__":  # the former command line, `python -m index.onnx_encoder export|check`
    from index.onnx_export import main

    sys.exit(main())
