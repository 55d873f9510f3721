"""The service's database (SQLAlchemy; SQLite by default, PostgreSQL for replicas).

Feedback on answers, the redacted query log and partners' API keys. The schema is created and
upgraded by Alembic migrations (service/migrations) on first use, so a new database needs no
separate step. No IP address is ever stored; API keys are stored as SHA-256 hashes only.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

metadata = sa.MetaData()

feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("query_id", sa.String(64), nullable=False, index=True),
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


@dataclass(frozen=True)
class Partner:
    name: str
    rate_limit: str | None


def _now() -> datetime:
    return datetime.now(UTC)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class Storage:
    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: sa.Engine | None = None
        self._lock = threading.Lock()

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    engine = sa.create_engine(self.url, pool_pre_ping=True)
                    if engine.dialect.name == "sqlite":
                        sa.event.listen(engine, "connect", _sqlite_pragmas)
                    _migrate(engine)
                    self._engine = engine
        return self._engine

    # feedback and the query log -------------------------------------------------------------

    def add_feedback(self, query_id: str, helpful: bool, reason: str | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                feedback.insert().values(
                    query_id=query_id, helpful=helpful, reason=reason, created_at=_now()
                )
            )

    def feedback_rows(self) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(feedback.select())]

    def log_query(self, **row: object) -> None:
        with self.engine.begin() as conn:
            conn.execute(query_log.insert().values(created_at=_now(), **row))

    def query_rows(self, since: datetime | None = None) -> list[dict]:
        stmt = query_log.select().order_by(query_log.c.id)
        if since is not None:
            stmt = stmt.where(query_log.c.created_at >= since)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(stmt)]

    def gap_candidates(self, since: datetime) -> list[dict]:
        """Declined (non-crisis) questions and questions whose answer got a thumbs down."""
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
        """The partner whose live key this is, else None (unknown or revoked)."""
        stmt = sa.select(api_keys.c.name, api_keys.c.rate_limit).where(
            api_keys.c.key_hash == hash_key(key), api_keys.c.revoked_at.is_(None)
        )
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        return Partner(row.name, row.rate_limit) if row else None


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets workers read while one writes; NORMAL sync is safe with WAL and keeps the
    query-log insert on /ask well under a millisecond."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def _alembic_config(connection: sa.Connection):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _migrate(engine: sa.Engine) -> None:
    """Bring the schema to the newest migration (several workers may race: retry once)."""
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
    storage = Storage(url)
    app.extensions["toolkit_storage"] = storage
    return storage
