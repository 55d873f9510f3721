"""Crisis resources edited in the console, kept in the database so every worker and replica
sees the same list. `current(app)` is what the service should show: the edited list when there
is one, else the configured TOOLKIT_CRISIS_RESOURCES (or the defaults)."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask import Flask

from ..safety import Resource
from .tables import crisis_resources

STALE_AFTER = timedelta(days=183)  # about six months
_CACHE_SECONDS = 5.0
_cache: dict[str, tuple[float, tuple[Resource, ...] | None]] = {}


@dataclass(frozen=True)
class Entry:
    """A resource as the console shows it, with the date someone last checked it."""

    name: str
    contact: str
    url: str
    reviewed: date | None

    def stale(self, today: date | None = None) -> bool:
        today = today or datetime.now(UTC).date()
        return self.reviewed is None or today - self.reviewed > STALE_AFTER


def _reviewed(value: object) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        return date.fromisoformat(value[:10])
    return None


def configured(app: Flask) -> list[Entry]:
    return [
        Entry(r.name, r.contact, r.url, _reviewed(getattr(r, "reviewed", None)))
        for r in app.config["CRISIS_RESOURCES"]
    ]


def edited(engine: sa.Engine) -> list[Entry]:
    stmt = crisis_resources.select().order_by(crisis_resources.c.position)
    with engine.connect() as conn:
        return [Entry(r.name, r.contact, r.url, r.reviewed) for r in conn.execute(stmt)]


def save(engine: sa.Engine, entries: list[Entry], email: str) -> None:
    at = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(crisis_resources.delete())
        if entries:
            conn.execute(
                crisis_resources.insert(),
                [
                    {**dataclasses.asdict(e), "position": i, "updated_at": at, "updated_by": email}
                    for i, e in enumerate(entries)
                ],
            )
    _cache.clear()


def as_resource(entry: Entry) -> Resource:
    names = {f.name for f in dataclasses.fields(Resource)}
    values = {"name": entry.name, "contact": entry.contact, "url": entry.url}
    if "reviewed" in names:  # the crisis resources' review date, where safety.Resource has it
        values["reviewed"] = entry.reviewed
    return Resource(**values)


def current(app: Flask) -> tuple[Resource, ...]:
    """The crisis resources to show (re-read from the database at most every 5 s)."""
    engine = app.extensions["toolkit_storage"].engine
    key = str(engine.url)
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is None or now - hit[0] > _CACHE_SECONDS:
        rows = edited(engine)
        hit = (now, tuple(as_resource(e) for e in rows) if rows else None)
        _cache[key] = hit
    return hit[1] or tuple(app.config["CRISIS_RESOURCES"])
