"""The query log's writer: a bounded queue drained by one background thread per process.

Logging a question must never slow down or fail its answer: `/ask` only puts the row on the
queue (microseconds) and a thread writes it, in batches. While the database is down or frozen
the rows wait in the queue and are written when it is back; a full queue refuses new rows (and
says so in the error log) instead of growing. `close()` (gunicorn's worker_exit, and atexit)
writes what is queued before the process ends. The thread starts on first use, in the process
that uses it, so a preloaded gunicorn master forks no thread and no queue into its workers.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

BATCH = 200


class RowRejected(Exception):
    """Raised by a write function for rows that no retry can write (bad data, not an outage)."""


class LogWriter:
    """`put(row)` queues a row; one thread hands batches to `write(rows)`.

    `write` raises RowRejected for rows to drop, any other exception for an outage (the batch
    is kept and retried with a growing pause).
    """

    def __init__(
        self,
        write: Callable[[list[dict]], None],
        maxsize: int = 10_000,
        retry_seconds: float = 0.5,
        max_retry_seconds: float = 5.0,
    ) -> None:
        self._write = write
        self._maxsize = maxsize
        self._retry = retry_seconds
        self._max_retry = max_retry_seconds
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pid: int | None = None
        self._queue: queue.Queue[dict] = queue.Queue(maxsize)
        self._thread: threading.Thread | None = None
        self._unwritten = 0  # accepted and not yet written (queued or in the batch in hand)
        self._stopping = threading.Event()
        self._hurry = threading.Event()  # closing: retry at once instead of after the pause
        self._refused = 0
        self._outage = False
        self._atexit = False

    def _start(self) -> None:
        """Start the thread in this process (again after a fork: threads do not survive it)."""
        with self._lock:
            if self._pid == os.getpid() and self._thread is not None:
                return
            self._pid = os.getpid()
            self._queue = queue.Queue(self._maxsize)
            self._unwritten = 0
            self._stopping = threading.Event()
            self._hurry = threading.Event()
            self._thread = threading.Thread(
                target=self._run, name="toolkit-log-writer", daemon=True
            )
            self._thread.start()
            if not self._atexit:
                atexit.register(self.close)
                self._atexit = True

    def put(self, row: dict) -> bool:
        """Queue `row`; False (and a warning) when the queue is full or the writer stopped."""
        if self._pid != os.getpid() or self._thread is None:
            self._start()
        if self._stopping.is_set():
            log.warning("query log: the writer has stopped; row not logged")
            return False
        with self._lock:
            self._unwritten += 1
        try:
            self._queue.put_nowait(row)
        except queue.Full:
            with self._idle:
                self._unwritten -= 1
                self._idle.notify_all()
            self._refused += 1
            if self._refused == 1 or self._refused % 1000 == 0:
                log.warning(
                    "query log: %d rows waiting for the database; %d refused so far",
                    self._maxsize,
                    self._refused,
                )
            return False
        return True

    @property
    def unwritten(self) -> int:
        return self._unwritten

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every accepted row is written (True) or `timeout` passes (False)."""
        if self._pid != os.getpid():
            return True
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._unwritten:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def close(self, timeout: float = 5.0) -> int:
        """Write what is queued (for at most `timeout` s), stop the thread; rows not written."""
        if self._pid != os.getpid() or self._thread is None:
            return 0
        self._hurry.set()
        self.flush(timeout)
        self._stopping.set()
        self._thread.join(1.0)
        lost = self._unwritten
        if lost:
            log.error("query log: %d rows could not be written before shutdown", lost)
        return lost

    def _batch(self) -> list[dict]:
        try:
            rows = [self._queue.get(timeout=0.2)]
        except queue.Empty:
            return []
        while len(rows) < BATCH:
            try:
                rows.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return rows

    def _done(self, count: int) -> None:
        with self._idle:
            self._unwritten -= count
            self._idle.notify_all()

    def _run(self) -> None:
        pause = self._retry
        rows: list[dict] = []
        while True:
            if not rows:
                if self._stopping.is_set():
                    return
                rows = self._batch()
                if not rows:
                    continue
            try:
                self._write(rows)
            except RowRejected as exc:
                log.error("query log: %d rows dropped: %s", len(rows), exc)
            except Exception as exc:
                if self._stopping.is_set():
                    return  # close() has given up on them and reports how many
                if not self._outage:
                    log.warning("query log: database unavailable, rows kept for later: %s", exc)
                    self._outage = True
                if self._hurry.wait(pause):
                    time.sleep(0.2)  # closing: keep trying until close() gives up
                pause = min(pause * 2, self._max_retry)
                continue
            if self._outage:
                log.warning("query log: database back; queued rows written")
                self._outage = False
            pause = self._retry
            self._done(len(rows))
            rows = []
