"""The model and the index, loaded once per process and swapped when a new build lands.

Requests call `Engine.index()`; at most every `reload_interval` seconds it checks the index's
manifest, and when a build has replaced it, loads the new index beside the old one and swaps
the reference. A request in flight keeps the index it started with, so none fails in the swap.

Threads: a query costs one encode (ONNX Runtime, `threads` intra-op threads) and a few small
matrix-vector products in numpy. Those take a fraction of a millisecond on one thread, and a
multi-threaded BLAS only adds threads that spin while they wait for work, fighting the encoder's
threads and the other workers for the cores: with them, a new question's /search took 15.8 ms
in process instead of 6.3 ms, and a gunicorn worker spent 22 ms of CPU per request instead of
9.5 (bench/service_latency.py, bench/http_load.py). So the engine runs the BLAS libraries on one
thread in the process that serves (`limit_blas_threads`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

from index import Embedder, Index, IndexLibraryError, load_embedder, set_threads

from . import crisis_model
from .safety import EXEMPLARS

log = logging.getLogger(__name__)


_blas_limited = False


def limit_blas_threads(threads: int = 1) -> None:
    """Run the BLAS libraries loaded in this process (numpy's, faiss's) on `threads` threads.

    Process-wide, and done once per process (threadpoolctl; without it BLAS keeps its default).
    """
    global _blas_limited
    if _blas_limited:
        return
    _blas_limited = True
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # comes with sentence-transformers (scikit-learn)
        log.warning("threadpoolctl is not installed: BLAS keeps its default thread count")
        return
    threadpool_limits(limits=max(1, threads), user_api="blas")


def release_free_memory() -> None:
    """Give the C heap's free pages back to the system (glibc), e.g. after loading a model."""
    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return
    trim(0)


class Engine:
    def __init__(
        self,
        index_dir: Path,
        model: str | None,
        reload_interval: float = 2.0,
        threads: int | None = None,
        crisis_model_path: Path | None = crisis_model.MODEL_PATH,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.model = model
        self.reload_interval = reload_interval
        self.threads = threads  # encoder intra-op threads; None: the encoder's default
        self._embedder: Embedder | None = None
        self._index: Index | None = None
        self._stamp: tuple[int, int] | None = None
        self._checked = 0.0
        self._lock = threading.RLock()
        self._exemplars: np.ndarray | None = None
        self.crisis_model_path = crisis_model_path

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            with self._lock:
                if self._embedder is None:
                    limit_blas_threads(1)
                    self._embedder = self._load_embedder()
        return self._embedder

    def _load_embedder(self) -> Embedder:
        """The encoder, made with its thread count (no second session to build).

        A missing ONNX export is made by a separate process, so that torch (which the export
        needs) is never imported by the process that serves; if that fails, here as before.
        """
        try:
            return load_embedder(self.model, threads=self.threads, export=False)
        except RuntimeError as exc:
            onnx = sys.modules.get("index.onnx_encoder")
            if onnx is None or not isinstance(exc, onnx.ModelExportError):
                raise
            log.warning("%s: exporting it in a separate process", exc)
            command = [sys.executable, "-m", "index.onnx_encoder", "export"]
            if self.model:
                command += ["--model", self.model]
            try:
                subprocess.run(command, check=True, timeout=900)
            except (OSError, subprocess.SubprocessError):
                log.exception("the export process failed: exporting in this process")
        return load_embedder(self.model, threads=self.threads)

    def _manifest_stamp(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.index_dir / "manifest.json")
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns)

    def _load(self) -> None:
        """Open the index on disk; the manifest must not change while we read it."""
        for _ in range(3):
            before = self._manifest_stamp()
            if before is None:
                raise IndexLibraryError(
                    f"no index at {self.index_dir}: build one with `python -m index build`"
                )
            index = Index.open(self.index_dir, self.embedder)
            if self._manifest_stamp() == before:
                self._index, self._stamp = index, before
                log.info("index %s loaded: %d chunks", index.version, len(index.chunks))
                return
            time.sleep(0.05)  # a build swapped the folder while we read it: read again
        raise IndexLibraryError(f"the index at {self.index_dir} kept changing while loading")

    def index(self) -> Index:
        """The current index; raises IndexLibraryError when none can be loaded."""
        now = time.monotonic()
        if self._index is not None and now - self._checked < self.reload_interval:
            return self._index
        with self._lock:
            if self._index is None or now - self._checked >= self.reload_interval:
                self._checked = now
                stamp = self._manifest_stamp()
                if self._index is None or (stamp is not None and stamp != self._stamp):
                    try:
                        self._load()
                    except IndexLibraryError:
                        if self._index is None:
                            raise
                        log.exception("new index could not be loaded; still serving the old one")
        return self._index

    def exemplars(self) -> np.ndarray:
        """The crisis exemplars' vectors (encoded once)."""
        if self._exemplars is None:
            vectors = self.embedder.encode(list(EXEMPLARS))
            with self._lock:
                if self._exemplars is None:
                    self._exemplars = vectors
        return self._exemplars

    def crisis_similarity(self, text: str) -> float:
        """Highest cosine similarity of `text` to the crisis exemplars (see service.safety)."""
        exemplars = self.exemplars()
        query = self.index().query_vector(text)  # cached: the search reuses it
        return float(np.max(exemplars @ query))

    @functools.cached_property
    def crisis_classifier(self) -> crisis_model.CrisisModel | None:
        """The learned crisis signal for this embedding model, or None (then it is off)."""
        found = crisis_model.load(self.crisis_model_path) if self.crisis_model_path else None
        if found is not None and found.fingerprint != self.embedder.fingerprint:
            log.info(
                "crisis model %s is for embedding model %s, not %s: learned signal off",
                self.crisis_model_path,
                found.fingerprint,
                self.embedder.fingerprint,
            )
            return None
        return found

    def crisis_probability(self, text: str) -> float | None:
        """The learned crisis probability of `text` (service.crisis_model), None when off."""
        model = self.crisis_classifier
        if model is None:
            return None
        vector = self.index().query_vector(text)  # cached: the search reuses it
        return model.probability(text, vector, self.embedder.encode)

    def set_threads(self, threads: int) -> None:
        """Threads for the encoder and FAISS in this process (1 per gunicorn worker).

        Called before the model is loaded, it only records the count, and the model is then
        loaded with it (one ONNX Runtime session instead of two); called again with the same
        count (a preloaded worker), it leaves the encoder as it is, shared with the master.
        """
        set_threads(threads)
        changed, self.threads = threads != self.threads, threads
        if self._embedder is not None and changed:
            setter = getattr(self._embedder, "set_threads", None)
            if setter is not None:
                setter(threads)

    def warm_up(self) -> None:
        """Load model and index, run one query, encode the crisis exemplars; then hand the
        memory freed while loading back to the system. Call it once per process: in the
        gunicorn master before the fork (preload) or in each worker."""
        self.index().search("warm up", k=1)
        self.exemplars()
        _ = self.crisis_classifier  # loaded before the fork, shared by the workers
        release_free_memory()
