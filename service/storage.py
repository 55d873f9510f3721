"""The service's database (SQLAlchemy): feedback on answers. Schema created on first use."""

from __future__ import annotations

from datetime import UTC, datetime
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
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


class Storage:
    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: sa.Engine | None = None

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            self._engine = sa.create_engine(self.url, pool_pre_ping=True)
            metadata.create_all(self._engine)
        return self._engine

    def add_feedback(self, query_id: str, helpful: bool, reason: str | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                feedback.insert().values(
                    query_id=query_id,
                    helpful=helpful,
                    reason=reason,
                    created_at=datetime.now(UTC),
                )
            )

    def feedback_rows(self) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(feedback.select())]


def init_app(app: Flask) -> Storage:
    url = app.config.get("DATABASE") or f"sqlite:///{Path(app.instance_path) / 'toolkit.db'}"
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    storage = Storage(url)
    app.extensions["toolkit_storage"] = storage
    return storage
