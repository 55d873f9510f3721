"""A database that is down, frozen or locked: answers are still served, feedback is a canonical
503, the query log waits in its queue and loses nothing, and no question or feedback text ever
reaches the error log.

PostgreSQL is reached through a TCP proxy that the test stops (connections cut, new ones
refused: the server stopped mid-run) or freezes (no byte passes: a server that stopped
answering); SQLite is frozen by another connection holding its write lock.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from service import create_app
from service.storage import query_log
from tests.service.databases import database, postgres_url
from tests.service.tcp_proxy import TcpProxy

__all__ = ["database", "postgres_url"]  # fixtures

PLANTED_QUESTION = "how do we agree ground rules, asks Zebedee-4711"
PLANTED_REASON = "not helpful at all, says Quixote-4711"


class Outage:
    """A database URL for the app and a way to break and restore it."""

    def __init__(self, kind: str, url: str, tmp_path: Path) -> None:
        self.kind = kind
        self.proxy: TcpProxy | None = None
        self._lock: sqlite3.Connection | None = None
        if kind == "sqlite-locked":
            self.path = tmp_path / "toolkit.db"
            self.url = f"sqlite:///{self.path}"
        else:
            real = sa.make_url(url)
            self.proxy = TcpProxy(real.host or "127.0.0.1", real.port or 5432)
            self.url = real.set(host="127.0.0.1", port=self.proxy.port).render_as_string(
                hide_password=False
            )

    def start(self) -> None:
        if self.kind == "sqlite-locked":
            self._lock = sqlite3.connect(self.path, timeout=1, isolation_level=None)
            self._lock.execute("BEGIN EXCLUSIVE")
        elif self.kind == "postgresql-down":
            self.proxy.down()
        else:
            self.proxy.freeze()

    def end(self) -> None:
        if self._lock is not None:
            self._lock.execute("ROLLBACK")
            self._lock.close()
            self._lock = None
        if self.proxy is not None:
            self.proxy.up()

    def close(self) -> None:
        self.end()
        if self.proxy is not None:
            self.proxy.close()


@pytest.fixture(params=["sqlite-locked", "postgresql-down", "postgresql-frozen"])
def outage(request, tmp_path: Path):
    url = "" if request.param.startswith("sqlite") else request.getfixturevalue("postgres_url")
    if url:
        from tests.service.databases import empty_postgres

        empty_postgres(url)
    fault = Outage(request.param, url, tmp_path)
    yield fault
    fault.close()


@pytest.fixture
def make_app(docs: Path, index_dir: Path, tmp_path: Path):
    apps = []

    def make(database_url: str, **config):
        app = create_app(
            {
                "TESTING": True,
                "INDEX_DIR": str(index_dir),
                "DOCS_DIR": str(docs),
                "MODEL": "hash",
                "DATABASE": database_url,
                "ANSWER_THRESHOLD": 0.2,
                "RATELIMIT_STORAGE": f"sqlite:///{tmp_path / 'ratelimits.db'}",
                **config,
            }
        )
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["toolkit_storage"].close(timeout=1)


def _in_time(fn, seconds: float = 20.0):
    """fn() in a thread; fails the test instead of hanging it when fn never returns."""
    result: dict = {}
    thread = threading.Thread(target=lambda: result.update(value=fn()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"no answer within {seconds} s: the request hangs"
    return result["value"]


def _ask(client, question: str, **headers):
    return client.post("/api/v1/ask", json={"question": question}, headers=headers)


def _feedback(client, query_id: str, reason: str | None = None):
    return client.post(
        "/api/v1/feedback", json={"query_id": query_id, "helpful": False, "reason": reason}
    )


def test_answers_are_served_and_feedback_is_503_while_the_database_is_out(make_app, outage):
    app = make_app(outage.url)
    client = app.test_client()
    storage = app.extensions["toolkit_storage"]
    before = _ask(client, "how do we choose a venue").get_json()["query_id"]
    assert _feedback(client, before).status_code == 201
    outage.start()
    try:
        answers = [_in_time(lambda i=i: _ask(client, f"ground rules {i}")) for i in range(3)]
        assert [r.status_code for r in answers] == [200, 200, 200]
        r = _in_time(lambda: _feedback(client, answers[0].get_json()["query_id"]))
        assert r.status_code == 503, r.get_data(as_text=True)
        assert r.get_json() == {
            "error": {
                "status": 503,
                "code": "unavailable",
                "message": "This cannot be recorded right now; please try again in a minute.",
            }
        }
        assert int(r.headers["Retry-After"]) > 0
    finally:
        outage.end()
    # back: feedback is taken again, and every question asked meanwhile was logged
    assert _in_time(lambda: _feedback(client, answers[0].get_json()["query_id"])).status_code == 201
    assert storage.flush(20)
    logged = [row["question"] for row in storage.query_rows()]
    assert logged == ["how do we choose a venue"] + [f"ground rules {i}" for i in range(3)]


def test_a_partner_keeps_its_limit_and_others_are_served_while_the_database_is_out(
    make_app, outage
):
    app = make_app(outage.url, RATELIMIT_ENABLED=True, RATELIMIT_ANONYMOUS="50/minute")
    key = app.extensions["toolkit_storage"].create_key("charity", "500/minute")
    client = app.test_client()
    auth = {"Authorization": f"Bearer {key}"}
    assert _ask(client, "ground rules", **auth).headers["X-RateLimit-Limit"] == "500"
    outage.start()
    try:
        known = _in_time(lambda: _ask(client, "ground rules again", **auth))
        assert known.status_code == 200 and known.headers["X-RateLimit-Limit"] == "500"
        unseen = _in_time(lambda: _ask(client, "venue", Authorization="Bearer pst_unseen"))
        if outage.kind == "sqlite-locked":  # a write lock leaves reads working: still checked
            assert unseen.status_code == 401
        else:  # not checkable now: served at the anonymous limit
            assert unseen.status_code == 200
            assert unseen.headers["X-RateLimit-Limit"] == "50"
    finally:
        outage.end()
    assert _ask(client, "venue", Authorization="Bearer pst_unseen").status_code == 401


def test_no_question_or_feedback_text_reaches_the_error_log(make_app, outage, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    app = make_app(outage.url)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    storage = app.extensions["toolkit_storage"]
    query_id = _ask(client, "how do we choose a venue").get_json()["query_id"]
    outage.start()
    try:
        _in_time(lambda: _ask(client, PLANTED_QUESTION))
        _in_time(lambda: _feedback(client, query_id, PLANTED_REASON))
    finally:
        outage.end()
    storage.flush(20)
    # a statement that fails for another reason than an outage: the table is gone
    with storage.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE feedback"))
    assert _feedback(client, query_id, PLANTED_REASON).status_code in (500, 503)
    assert "feedback" in caplog.text  # the error was logged, without its values
    printed = caplog.text + "".join(capfd.readouterr())
    assert "Zebedee" not in printed and "Quixote" not in printed


def test_nul_and_lone_surrogates_are_stored_safely(make_app, database):
    app = make_app(database)
    client = app.test_client()
    storage = app.extensions["toolkit_storage"]
    r = _ask(client, "ground\x00 rules \ud800here")
    assert r.status_code == 200
    assert _feedback(client, r.get_json()["query_id"], "too\x00 vague \udc00").status_code == 201
    assert [row["question"] for row in storage.query_rows()] == ["ground rules \ufffdhere"]
    assert [row["reason"] for row in storage.feedback_rows()] == ["too vague \ufffd"]


def test_what_is_queued_is_written_when_the_process_stops(make_app, database):
    app = make_app(database)
    client = app.test_client()
    storage = app.extensions["toolkit_storage"]
    ids = [_ask(client, f"question {i}").get_json()["query_id"] for i in range(40)]
    assert storage.close(timeout=20) == 0  # as gunicorn's worker_exit and atexit do
    engine = sa.create_engine(storage.url)
    with engine.connect() as conn:
        logged = [row.query_id for row in conn.execute(sa.select(query_log.c.query_id))]
    engine.dispose()
    assert sorted(logged) == sorted(ids)
