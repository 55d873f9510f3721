"""Rate limits under faults and abuse: a rate-limit storage that is down, the health check,
wrong keys, clients behind a proxy, and counters shared by processes."""

from __future__ import annotations

import logging
import multiprocessing
import socket
from pathlib import Path

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from service import create_app


@pytest.fixture
def make_app(docs: Path, index_dir: Path, tmp_path: Path):
    def make(**config):
        return create_app(
            {
                "TESTING": True,
                "INDEX_DIR": str(index_dir),
                "DOCS_DIR": str(docs),
                "MODEL": "hash",
                "DATABASE": f"sqlite:///{tmp_path / 'toolkit.db'}",
                "ANSWER_THRESHOLD": 0.2,
                "RATELIMIT_ENABLED": True,
                "RATELIMIT_STORAGE": f"sqlite:///{tmp_path / 'ratelimits.db'}",
                **config,
            }
        )

    return make


def _ask(client, question: str = "ground rules", **kwargs):
    return client.post("/api/v1/ask", json={"question": question}, **kwargs)


def _nothing_listening() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again: nothing listens there


def test_a_rate_limit_storage_that_is_down_fails_open_with_a_warning(make_app, caplog):
    caplog.set_level(logging.WARNING)
    url = f"redis://127.0.0.1:{_nothing_listening()}/0"
    client = make_app(RATELIMIT_STORAGE=url, RATELIMIT_ANONYMOUS="3/minute").test_client()
    assert client.get("/api/v1/health").status_code == 200
    statuses = [_ask(client, f"question {i}").status_code for i in range(5)]
    # the same limits, counted in this process meanwhile: served, and still limited
    assert statuses == [200, 200, 200, 429, 429]
    assert "storage unreachable" in caplog.text


def test_the_health_check_is_never_rate_limited(make_app):
    client = make_app(RATELIMIT_ANONYMOUS="2/minute").test_client()
    assert [client.get("/api/v1/health").status_code for _ in range(20)] == [200] * 20
    assert [_ask(client).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/api/v1/health").status_code == 200


def test_wrong_api_keys_count_against_the_client(make_app):
    client = make_app(RATELIMIT_ANONYMOUS="5/minute").test_client()
    statuses = [
        _ask(client, headers={"Authorization": f"Bearer pst_guess{i}"}).status_code
        for i in range(8)
    ]
    assert statuses == [401] * 5 + [429] * 3
    assert _ask(client).status_code == 429  # the same client, the same allowance
    other = _ask(client, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 200


def test_behind_a_proxy_each_visitor_has_its_own_limit(make_app):
    proxied = make_app(RATELIMIT_ANONYMOUS="2/minute", PROXY_FIX=1).test_client()

    def visitor(address: str):
        return _ask(proxied, headers={"X-Forwarded-For": address}).status_code

    assert [visitor("203.0.113.7") for _ in range(3)] == [200, 200, 429]
    assert visitor("198.51.100.9") == 200


def test_without_proxy_fix_a_forwarded_address_is_not_trusted(make_app):
    client = make_app(RATELIMIT_ANONYMOUS="2/minute").test_client()
    statuses = [
        _ask(client, headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code for i in range(3)
    ]
    assert statuses == [200, 200, 429]  # a client cannot pick a fresh address per request


def _hit_many(url: str, n: int, results) -> None:
    import service.ratelimit_storage  # noqa: F401  (registers sqlite:// in this process)

    limiter = FixedWindowRateLimiter(storage_from_string(url))
    item = parse("25/minute")
    results.put(sum(limiter.hit(item, "client") for _ in range(n)))


def test_the_sqlite_counters_are_shared_by_processes(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'limits.db'}"
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    workers = [ctx.Process(target=_hit_many, args=(url, 20, results)) for _ in range(3)]
    for w in workers:
        w.start()
    allowed = sum(results.get(timeout=60) for _ in workers)
    for w in workers:
        w.join(10)
    assert allowed == 25  # 60 hits from three processes against one 25/minute limit


def _first_hit(url: str, start, results) -> None:
    from service.ratelimit_storage import SQLiteStorage

    storage = SQLiteStorage(url)
    start.wait()
    try:
        results.put(storage.incr("client", 60) > 0)
    except Exception as exc:  # what the limiter would swallow, letting the request through
        results.put(repr(exc))


def test_workers_opening_a_new_counter_file_at_once_all_count(tmp_path: Path):
    """The first requests after a start reach both workers at once: none may find the file
    "locked" (a request the limiter would let through uncounted)."""
    ctx = multiprocessing.get_context("fork")
    failures = []
    for trial in range(40):
        url = f"sqlite:///{tmp_path / f'limits{trial}.db'}"
        start, results = ctx.Barrier(6), ctx.Queue()
        workers = [ctx.Process(target=_first_hit, args=(url, start, results)) for _ in range(6)]
        for w in workers:
            w.start()
        outcomes = [results.get(timeout=30) for _ in workers]
        for w in workers:
            w.join(10)
        failures += [o for o in outcomes if o is not True]
    assert failures == []
