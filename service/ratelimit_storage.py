"""Rate-limit counters in a SQLite file that every worker process on the machine shares.

Flask-Limiter's `memory://` storage counts in each process: with two gunicorn workers a client
got 58 requests through a 30/minute limit. Redis shares counters between replicas; for one
machine this file does the same with nothing to install: `sqlite:////abs/path/ratelimits.db`
(the `limits` library finds this class by its scheme). Fixed windows only (the limiter's
default strategy): a counter per key with the time its window ends. WAL mode; each hit is one
short write transaction (BEGIN IMMEDIATE serialises the workers' increments).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from typing import ClassVar
from urllib.parse import urlparse

from limits.storage import Storage

_SCHEMA = "CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, hits INTEGER, ends REAL)"


class SQLiteStorage(Storage):
    STORAGE_SCHEME: ClassVar[list[str]] = ["sqlite"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: float | str | bool):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        path = urlparse(uri).path
        if not path or path == "/":
            raise ValueError(f"a rate-limit file is needed: sqlite:////abs/path.db, not {uri}")
        self.path = path[1:]  # as SQLAlchemy: sqlite:////abs/file.db, sqlite:///relative.db
        self.timeout = float(options.get("timeout", 2.0))
        self._local = threading.local()
        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sqlite3.Error

    def _conn(self) -> sqlite3.Connection:
        """One connection per thread and process (a connection must not cross a fork)."""
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            conn = self._open()
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def _open(self) -> sqlite3.Connection:
        """A connection in WAL mode with the table made. Switching to WAL does not wait for
        a busy file the way other statements do: when two workers open the file at once one
        of them got "database is locked" at once (and the limiter let that request through
        uncounted), so the setup is tried again until the timeout."""
        deadline = time.monotonic() + self.timeout
        while True:
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
            try:
                if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute(_SCHEMA)
                return conn
            except sqlite3.OperationalError as exc:
                conn.close()
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.005)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT hits, ends FROM counters WHERE key = ?", (key,)).fetchone()
            if row is None or row[1] <= now:
                hits = amount
                conn.execute(
                    "INSERT OR REPLACE INTO counters (key, hits, ends) VALUES (?, ?, ?)",
                    (key, hits, now + expiry),
                )
            else:
                hits = row[0] + amount
                conn.execute("UPDATE counters SET hits = ? WHERE key = ?", (hits, key))
            if hash(key) % 64 == 0:  # now and then, forget windows that have ended
                conn.execute("DELETE FROM counters WHERE ends <= ?", (now,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return hits

    def get(self, key: str) -> int:
        row = (
            self._conn()
            .execute("SELECT hits FROM counters WHERE key = ? AND ends > ?", (key, time.time()))
            .fetchone()
        )
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._conn().execute("SELECT ends FROM counters WHERE key = ?", (key,)).fetchone()
        return row[0] if row and row[0] > time.time() else time.time()

    def check(self) -> bool:
        try:
            self._conn().execute("SELECT 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        conn = self._conn()
        count = conn.execute("SELECT COUNT(*) FROM counters").fetchone()[0]
        conn.execute("DELETE FROM counters")
        return count

    def clear(self, key: str) -> None:
        self._conn().execute("DELETE FROM counters WHERE key = ?", (key,))
