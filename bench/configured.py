"""The embedding model as the environment configures it, for the benchmarks (entry points).

The library reads no environment; like `python -m index`, the benchmarks read TOOLKIT_MODEL,
TOOLKIT_ENCODER, TOOLKIT_ENCODER_THREADS and TOOLKIT_MODEL_CACHE and pass them on. A missing
ONNX export is made first (that needs the `export` extra; it is not part of any timing).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the bundled weights are local: no hub
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from index import Embedder, load_embedder


def model_cache() -> str | None:
    return os.environ.get("TOOLKIT_MODEL_CACHE") or None


def embedder(name: str | None = None, *, threads: int | None = None) -> Embedder:
    """`name` (None: $TOOLKIT_MODEL, else the default model); `threads` (None: $TOOLKIT_...)."""
    if threads is None and os.environ.get("TOOLKIT_ENCODER_THREADS", "").strip():
        threads = int(os.environ["TOOLKIT_ENCODER_THREADS"])
    return load_embedder(
        name or os.environ.get("TOOLKIT_MODEL") or None,
        encoder=os.environ.get("TOOLKIT_ENCODER") or None,
        threads=threads,
        cache=model_cache(),
        export=True,
    )
