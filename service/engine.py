"""The model and the index, loaded once per process and swapped when a new build lands.

Requests call `Engine.index()`; at most every `reload_interval` seconds it checks the index's
manifest, and when a build has replaced it, loads the new index beside the old one and swaps
the reference. A request in flight keeps the index it started with, so none fails in the swap.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

import numpy as np

from index import Embedder, Index, IndexLibraryError, load_embedder, set_threads

from .safety import EXEMPLARS

log = logging.getLogger(__name__)


class Engine:
    def __init__(self, index_dir: Path, model: str | None, reload_interval: float = 2.0) -> None:
        self.index_dir = Path(index_dir)
        self.model = model
        self.reload_interval = reload_interval
        self._embedder: Embedder | None = None
        self._index: Index | None = None
        self._stamp: tuple[int, int] | None = None
        self._checked = 0.0
        self._lock = threading.RLock()
        self._exemplars: np.ndarray | None = None

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            with self._lock:
                if self._embedder is None:
                    self._embedder = load_embedder(self.model)
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

    def crisis_similarity(self, text: str) -> float:
        """Highest cosine similarity of `text` to the crisis exemplars (see service.safety)."""
        if self._exemplars is None:
            self._exemplars = self.embedder.encode(list(EXEMPLARS))
        query = self.index().query_vector(text)  # cached: the search reuses it
        return float(np.max(self._exemplars @ query))

    def set_threads(self, threads: int) -> None:
        """Threads for the encoder and FAISS in this process (1 per gunicorn worker)."""
        set_threads(threads)
        setter = getattr(self.embedder, "set_threads", None)
        if setter is not None:
            setter(threads)

    def warm_up(self) -> None:
        """Load model and index and run one query (call in each worker, after fork)."""
        self.index().search("warm up", k=1)
