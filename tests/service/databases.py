"""The databases the storage tests run on: SQLite always; PostgreSQL and Redis when
TOOLKIT_TEST_POSTGRES_URL / TOOLKIT_TEST_REDIS_URL are set (`.ci/start-services` starts them),
skipped locally without them and failed in CI (CI=true) without them.

Each test run gets a PostgreSQL database of its own (made from the given URL's server and
dropped at the end), emptied before each test: other people's tests on the same server, and the
other migrations' tables, cannot get in the way.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

POSTGRES = os.environ.get("TOOLKIT_TEST_POSTGRES_URL")
REDIS = os.environ.get("TOOLKIT_TEST_REDIS_URL")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(url: str | None, what: str) -> str:
    if url:
        return url
    if IN_CI:
        pytest.fail(f"CI must provide {what} (.ci/start-services)", pytrace=False)
    pytest.skip(f"{what} not set: run .ci/start-services to test against it")


def _driver(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A database of this test run's own on the test server."""
    url = sa.make_url(require(POSTGRES, "TOOLKIT_TEST_POSTGRES_URL"))
    name = f"toolkit_test_{os.getpid()}"
    admin = sa.create_engine(
        _driver(url.render_as_string(hide_password=False)), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def empty_postgres(url: str) -> None:
    engine = sa.create_engine(_driver(url))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'toolkit.db'}"
    url = request.getfixturevalue("postgres_url")
    empty_postgres(url)
    return url
