"""The service's database (SQLAlchemy; SQLite by default, PostgreSQL for replicas).

Feedback on answers, the redacted query log and partners' API keys. The schema is created and
upgraded by Alembic migrations (service/migrations) on first use, so a new database needs no
separate step. No IP address is ever stored; API keys are stored as SHA-256 hashes only.

A database that is down or frozen must not take the answers down with it: the query log is
written by a background thread (service.log_writer), and the calls a request waits for
(a partner's key, feedback) give up after `REQUEST_DEADLINE` seconds with DatabaseUnavailable
(a 503 in service.errors). Connections have short connect and statement timeouts, and
SQLAlchemy never puts the values of a statement (questions, feedback) into an error message.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa
from flask import Flask

from .log_writer import LogWriter, RowRejected
from .privacy import redact

log = logging.getLogger(__name__)
T = TypeVar("T")

metadata = sa.MetaData()

feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("query_id", sa.String(64), nullable=False, index=True, unique=True),
    sa.Column("helpful", sa.Boolean, nullable=False),
    sa.Column("reason", sa.String(500)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
)
query_log = sa.Table(
    "query_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("query_id", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("question", sa.String(1200)),  # redacted; NULL for crisis messages
    sa.Column("answered", sa.Boolean, nullable=False),
    sa.Column("crisis", sa.Boolean, nullable=False),
    sa.Column("top_document", sa.String(255)),
    sa.Column("top_page", sa.Integer),
    sa.Column("latency_ms", sa.Float, nullable=False),
    sa.Column("partner", sa.String(100)),
)
api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("prefix", sa.String(16), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("rate_limit", sa.String(100)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
)

MIGRATIONS = Path(__file__).parent / "migrations"
KEY_PREFIX = "pst_"
MAX_QUESTION_CHARS = 1200  # the query_log.question column
MAX_REASON_CHARS = 500  # the feedback.reason column
# How long a request waits for the database before it answers 503 (a frozen server never
# answers: the server-side statement timeout cannot fire there)
REQUEST_DEADLINE = 3.0
RECENT_IDS = 10_000  # query ids remembered per process for feedback
CONNECT_TIMEOUT = 3  # seconds (libpq connect_timeout; SQLite: how long to wait for a lock)
STATEMENT_TIMEOUT_MS = 5000
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_QUERY_ID = re.compile(r"([0-9a-f]{32})([ac])([0-9a-f]{16})")


class DatabaseUnavailable(Exception):
    """The database could not be reached, or did not answer in time."""


class UnknownQuery(ValueError):
    """Feedback for a query_id that this service never issued."""


@dataclass(frozen=True)
class Partner:
    name: str
    rate_limit: str | None


def _now() -> datetime:
    return datetime.now(UTC)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def clean_text(text: str | None) -> str | None:
    """Text any database stores: no NUL (PostgreSQL refuses it), no lone surrogates (not
    encodable as UTF-8), which would otherwise fail the insert."""
    if text is None:
        return None
    return _SURROGATE.sub("\ufffd", text.replace("\x00", ""))


def _unavailable(exc: BaseException) -> bool:
    """An outage (connection refused, lost, timed out), not bad data or a bug."""
    return isinstance(
        exc,
        DatabaseUnavailable | sa.exc.OperationalError | sa.exc.InterfaceError | sa.exc.TimeoutError,
    ) or (isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated)


def _engine_options(url: str) -> dict:
    options: dict = {"pool_pre_ping": True, "hide_parameters": True}
    if url.startswith("postgresql"):
        options["pool_timeout"] = CONNECT_TIMEOUT
        options["connect_args"] = {
            "connect_timeout": CONNECT_TIMEOUT,
            "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS} "
            f"-c lock_timeout={STATEMENT_TIMEOUT_MS} "
            f"-c idle_in_transaction_session_timeout={4 * STATEMENT_TIMEOUT_MS}",
            # a server that stops acknowledging (network gone) is given up after 5 s
            "tcp_user_timeout": 5000,
            "keepalives": 1,
            "keepalives_idle": 10,
            "keepalives_interval": 2,
            "keepalives_count": 3,
        }
    elif url.startswith("sqlite"):
        options["connect_args"] = {"timeout": CONNECT_TIMEOUT}
    return options


class _Deadline:
    """Runs a call in a helper thread and gives up waiting after `seconds`.

    A frozen server (a stopped process, a stalled disk) never answers, and neither libpq nor
    the server can time that out; the request must still get its 503. A call that is given up
    keeps its thread until the server answers; at most `max_waiting` such calls at once, after
    which calls fail at once instead of piling up threads.
    """

    def __init__(self, seconds: float, max_waiting: int = 16) -> None:
        self.seconds = seconds
        self._slots = threading.BoundedSemaphore(max_waiting)

    def run(self, fn: Callable[[], T]) -> T:
        if not self._slots.acquire(blocking=False):
            raise DatabaseUnavailable("too many database calls are waiting for an answer")
        done = threading.Event()
        outcome: dict = {}

        def call() -> None:
            try:
                outcome["value"] = fn()
            except BaseException as exc:  # handed to the waiting request
                outcome["error"] = exc
            finally:
                self._slots.release()
                done.set()

        threading.Thread(target=call, name="toolkit-db-call", daemon=True).start()
        if not done.wait(self.seconds):
            raise DatabaseUnavailable(f"the database did not answer within {self.seconds:g} s")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]


class Storage:
    def __init__(self, url: str, secret: str = "", deadline: float = REQUEST_DEADLINE) -> None:
        self.url = url
        self._secret = (secret or secrets.token_hex(16)).encode()
        self._engine: sa.Engine | None = None
        self._lock = threading.Lock()
        self._deadline = _Deadline(deadline)
        self._partners: dict[str, Partner | None] = {}  # last answers, for an outage
        # query_id -> crisis of the questions this process logged lately: feedback on them
        # needs no database read, even while their rows wait in the queue
        self._recent: OrderedDict[str, bool] = OrderedDict()
        self.log_writer = LogWriter(self._write_query_rows)

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    engine = sa.create_engine(self.url, **_engine_options(self.url))
                    if engine.dialect.name == "sqlite":
                        sa.event.listen(engine, "connect", _sqlite_pragmas)
                    _migrate(engine)
                    self._engine = engine
        return self._engine

    def _request(self, fn: Callable[[], T]) -> T:
        """A call a request waits for: DatabaseUnavailable on an outage or after the deadline."""
        try:
            return self._deadline.run(fn)
        except Exception as exc:
            if _unavailable(exc):
                raise DatabaseUnavailable(str(exc).splitlines()[0]) from exc
            raise

    def close(self, timeout: float = 5.0) -> int:
        """Write the queued query-log rows, then close the connections; rows not written."""
        lost = self.log_writer.close(timeout)
        if self._engine is not None:
            self._engine.dispose()
        return lost

    # query ids ----------------------------------------------------------------------------------

    def _sign(self, token: str) -> str:
        return hmac.new(self._secret, token.encode(), hashlib.sha256).hexdigest()[:16]

    def new_query_id(self, crisis: bool) -> str:
        """A query_id that feedback can prove was issued here (signed with the app's secret;
        it says whether the question was a crisis, so no database read is needed)."""
        token = secrets.token_hex(16) + ("c" if crisis else "a")
        return token + self._sign(token)

    def _issued(self, query_id: str) -> bool | None:
        """Whether `query_id` was a crisis: from its signature, else from its log row; None
        when this service never issued it."""
        m = _QUERY_ID.fullmatch(query_id)
        if m:
            if hmac.compare_digest(m.group(3), self._sign(m.group(1) + m.group(2))):
                return m.group(2) == "c"
            return None
        if query_id in self._recent:
            return self._recent[query_id]
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(query_log.c.crisis).where(query_log.c.query_id == query_id)
            ).first()
        return None if row is None else bool(row.crisis)

    # feedback and the query log -------------------------------------------------------------

    def add_feedback(self, query_id: str, helpful: bool, reason: str | None) -> None:
        """One opinion per answer (a second replaces the first); `reason` is redacted, and
        dropped for a crisis message. UnknownQuery for an id this service did not issue."""

        def record() -> None:
            crisis = self._issued(query_id)
            if crisis is None:
                raise UnknownQuery(query_id)
            text = None if crisis or not reason else clean_text(redact(reason))
            values = {
                "query_id": query_id,
                "helpful": helpful,
                "reason": text[:MAX_REASON_CHARS] if text else None,
                "created_at": _now(),
            }
            with self.engine.begin() as conn:
                insert = _dialect_insert(conn)(feedback).values(**values)
                conn.execute(
                    insert.on_conflict_do_update(
                        index_elements=[feedback.c.query_id],
                        set_={k: v for k, v in values.items() if k != "query_id"},
                    )
                )

        self._request(record)

    def feedback_rows(self) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(feedback.select())]

    def log_query(self, **row: object) -> bool:
        """Queue one query-log row (written in the background); never waits for the database.
        False when it could not be queued (the queue is full during a long outage)."""
        row["question"] = clean_text(row.get("question"))  # type: ignore[arg-type]
        if row["question"]:
            row["question"] = row["question"][:MAX_QUESTION_CHARS]
        row.setdefault("created_at", _now())
        queued = self.log_writer.put(row)
        if queued:
            self._recent[str(row["query_id"])] = bool(row.get("crisis"))
            while len(self._recent) > RECENT_IDS:
                self._recent.popitem(last=False)
        return queued

    def _write_query_rows(self, rows: list[dict]) -> None:
        """The writer thread's batch insert; rows that cannot be written (a repeated id) are
        dropped one by one so that they do not block the others."""
        try:
            with self.engine.begin() as conn:
                conn.execute(query_log.insert(), rows)
            return
        except sa.exc.IntegrityError:
            pass
        dropped = 0
        for row in rows:
            try:
                with self.engine.begin() as conn:
                    conn.execute(query_log.insert(), [row])
            except sa.exc.IntegrityError:
                dropped += 1
        if dropped:
            raise RowRejected(f"{dropped} rows repeat a query_id already logged")

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait for this process's queued query-log rows to be written (reads see them)."""
        return self.log_writer.flush(timeout)

    def query_rows(self, since: datetime | None = None) -> list[dict]:
        self.flush()
        stmt = query_log.select().order_by(query_log.c.id)
        if since is not None:
            stmt = stmt.where(query_log.c.created_at >= since)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(stmt)]

    def gap_candidates(self, since: datetime) -> list[dict]:
        """Declined (non-crisis) questions and questions whose answer got a thumbs down."""
        self.flush()
        down = sa.select(feedback.c.query_id).where(feedback.c.helpful.is_(False))
        stmt = (
            sa.select(
                query_log.c.question,
                query_log.c.answered,
                query_log.c.query_id.in_(down).label("thumbs_down"),
            )
            .where(query_log.c.created_at >= since)
            .where(query_log.c.crisis.is_(False))
            .where(query_log.c.question.is_not(None))
            .where(sa.or_(query_log.c.answered.is_(False), query_log.c.query_id.in_(down)))
            .order_by(query_log.c.id)
        )
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(stmt)]

    def purge(self, older_than: timedelta) -> tuple[int, int]:
        """Delete query log rows and feedback older than the retention period."""
        self.flush()
        cutoff = _now() - older_than
        with self.engine.begin() as conn:
            queries = conn.execute(query_log.delete().where(query_log.c.created_at < cutoff))
            notes = conn.execute(feedback.delete().where(feedback.c.created_at < cutoff))
        return queries.rowcount, notes.rowcount

    # API keys -------------------------------------------------------------------------------

    def create_key(self, name: str, rate_limit: str | None = None) -> str:
        """Make a partner's key; only its hash is stored, so it is shown this once."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            if conn.execute(sa.select(api_keys.c.id).where(api_keys.c.name == name)).first():
                raise ValueError(f"a key named {name!r} already exists")
            conn.execute(
                api_keys.insert().values(
                    name=name,
                    prefix=key[: len(KEY_PREFIX) + 6],
                    key_hash=hash_key(key),
                    rate_limit=rate_limit,
                    created_at=_now(),
                )
            )
        return key

    def list_keys(self) -> list[dict]:
        cols = [api_keys.c[n] for n in ("name", "prefix", "rate_limit", "created_at", "revoked_at")]
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.select(*cols).order_by("name"))]

    def revoke_key(self, name: str) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(
                api_keys.update()
                .where(api_keys.c.name == name, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=_now())
            )
        return result.rowcount > 0

    def partner_for(self, key: str) -> Partner | None:
        """The partner whose live key this is, else None (unknown or revoked).

        During an outage, the answer last read for this key in this process (so a partner
        keeps its limit); DatabaseUnavailable for a key not seen before."""
        digest = hash_key(key)
        stmt = sa.select(api_keys.c.name, api_keys.c.rate_limit).where(
            api_keys.c.key_hash == digest, api_keys.c.revoked_at.is_(None)
        )

        def lookup() -> Partner | None:
            with self.engine.connect() as conn:
                row = conn.execute(stmt).first()
            return Partner(row.name, row.rate_limit) if row else None

        try:
            partner = self._request(lookup)
        except DatabaseUnavailable:
            if digest in self._partners:
                return self._partners[digest]
            raise
        if partner is not None or digest in self._partners:
            if len(self._partners) > 10_000:
                self._partners.clear()
            self._partners[digest] = partner
        return partner


def _dialect_insert(conn: sa.Connection):
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets workers read while one writes; NORMAL sync is safe with WAL and keeps the
    query-log insert on /ask well under a millisecond."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={CONNECT_TIMEOUT * 1000}")
    cursor.close()


def _alembic_config(connection: sa.Connection):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


_MIGRATING = threading.Lock()  # alembic keeps its context in module globals: one at a time


def _migrate(engine: sa.Engine) -> None:
    """Bring the schema to the newest migration (several workers may race: retry once)."""
    with _MIGRATING:
        _migrate_now(engine)


def _migrate_now(engine: sa.Engine) -> None:
    # alembic is imported here, once per process, not by every worker at start-up
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    for attempt in range(3):
        try:
            with engine.begin() as conn:
                if MigrationContext.configure(conn).get_current_revision() == head:
                    return
                command.upgrade(_alembic_config(conn), "head")
            return
        except sa.exc.DBAPIError:
            if attempt == 2:
                raise


def database_url(app: Flask) -> str:
    url = app.config.get("DATABASE") or f"sqlite:///{Path(app.instance_path) / 'toolkit.db'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def init_app(app: Flask) -> Storage:
    url = database_url(app)
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    storage = Storage(url, secret=app.config.get("SECRET_KEY") or "")
    app.extensions["toolkit_storage"] = storage
    return storage
