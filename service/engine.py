"""The model and the index, loaded once per process; the index swapped when a new build lands.

Requests call `Engine.index()`; at most every `reload_interval` seconds it checks the index's
manifest, and when a build has replaced it, loads the new index beside the old one and swaps
the reference. A request in flight keeps the index it started with, so none fails in the swap,
and a new index that cannot be opened (corrupt, half written) is never swapped in.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import numpy as np

from index import Embedder, Index, IndexLibraryError, IndexNotFoundError, set_threads

log = logging.getLogger(__name__)

QUERY_CACHE_SIZE = 1024


class CachingEmbedder:
    """An embedder that remembers the vectors of single texts (questions).

    The crisis check and the search both embed the question; with one of these shared by both,
    a question costs one encode. Batches (index builds) pass straight through.
    """

    def __init__(self, inner: Embedder, size: int = QUERY_CACHE_SIZE) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.max_tokens = inner.max_tokens
        self._size = size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def fingerprint(self) -> str:
        return self.inner.fingerprint

    @property
    def encoder(self) -> dict | None:
        """What computes the vectors (see index.embed.encoder_record)."""
        return getattr(self.inner, "encoder", None)

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def set_threads(self, threads: int) -> None:
        setter = getattr(self.inner, "set_threads", None)
        if setter is not None:
            setter(threads)

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        texts = list(texts)
        if len(texts) != 1:
            return self.inner.encode(texts, batch_size=batch_size)
        (text,) = texts
        with self._lock:
            vector = self._cache.get(text)
            if vector is not None:
                self._cache.move_to_end(text)
                return vector[None, :]
        vector = np.asarray(self.inner.encode([text])[0], dtype=np.float32)
        vector.setflags(write=False)
        with self._lock:
            self._cache[text] = vector
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return vector[None, :]


class Engine:
    """The embedder (loaded on first use by `load_model`) and the live index."""

    def __init__(
        self,
        index_dir: Path,
        load_model: Callable[[int | None], Embedder],
        *,
        reload_interval: float = 2.0,
        threads: int | None = None,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.load_model = load_model  # threads -> embedder; raises IndexLibraryError
        self.reload_interval = reload_interval
        self.threads = threads  # encoder intra-op threads; None: the encoder's default
        self._embedder: CachingEmbedder | None = None
        self._index: Index | None = None
        self._stamp: tuple[int, int] | None = None
        self._checked = 0.0
        self._lock = threading.RLock()

    @property
    def embedder(self) -> CachingEmbedder:
        """The model (loaded once; an IndexLibraryError says why it cannot be)."""
        if self._embedder is None:
            with self._lock:
                if self._embedder is None:
                    self._embedder = CachingEmbedder(self.load_model(self.threads))
        return self._embedder

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
                raise IndexNotFoundError(
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
                    except Exception as exc:  # numpy/faiss errors on a damaged file
                        if self._index is None:
                            raise IndexLibraryError(
                                f"the index could not be opened: {exc}"
                            ) from exc
                        log.exception("new index could not be loaded; still serving the old one")
        return self._index

    def set_threads(self, threads: int) -> None:
        """Threads for the encoder and FAISS in this process (1 per gunicorn worker).

        Called before the model is loaded, it only records the count, and the model is then
        loaded with it (one ONNX Runtime session instead of two); called again with the same
        count (a preloaded worker), it leaves the encoder as it is, shared with the master.
        """
        set_threads(threads)
        changed, self.threads = threads != self.threads, threads
        if self._embedder is not None and changed:
            self._embedder.set_threads(threads)

    def warm_up(self) -> None:
        """Load model and index and run one query. Call it once per process: in the gunicorn
        master before the fork (preload) or in each worker."""
        self.index().search("warm up", k=1)
