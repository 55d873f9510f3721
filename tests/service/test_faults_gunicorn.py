"""The shipped gunicorn configuration (hash embedder, small index): a limit that holds across
two workers, slow clients that hold no worker, no shared control socket, no version in the
Server header. (Shutdown under load with the real model: tests/integration/test_shutdown.py.)"""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.service.gunicorn_server import Gunicorn, post


@pytest.fixture
def server(index_dir: Path, docs: Path, tmp_path: Path):
    servers: list[Gunicorn] = []

    def start(**env: str) -> Gunicorn:
        g = Gunicorn(
            {
                "TOOLKIT_MODEL": "hash",
                "TOOLKIT_INDEX_DIR": str(index_dir),
                "TOOLKIT_DOCS_DIR": str(docs),
                "TOOLKIT_WORKERS": "2",
                "TOOLKIT_RATELIMIT_ENABLED": "true",
                "TOOLKIT_RATELIMIT_ANONYMOUS": "100000/minute",
                **env,
            },
            tmp_path,
        )
        servers.append(g)
        return g.start()

    yield start
    for g in servers:
        g.stop()


def test_a_limit_holds_across_two_workers(server):
    g = server(TOOLKIT_RATELIMIT_ANONYMOUS="10/minute")
    with ThreadPoolExecutor(max_workers=6) as pool:  # new connections, spread over both workers
        statuses = list(
            pool.map(lambda i: post(f"{g.base}/api/v1/ask", {"question": f"q {i}"}), range(30))
        )
    assert statuses.count(200) == 10, statuses
    assert statuses.count(429) == 20, statuses


def _slow_client(port: int, stop: threading.Event) -> None:
    """Sends a request's headers one byte every half second, for as long as it is let."""
    request = b"POST /api/v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" * 50
    with socket.create_connection(("127.0.0.1", port)) as s:
        for byte in request:
            if stop.wait(0.5):
                return
            try:
                s.send(bytes([byte]))
            except OSError:
                return


def test_slow_clients_do_not_hold_the_workers(server):
    g = server()
    stop = threading.Event()
    slow = [threading.Thread(target=_slow_client, args=(g.port, stop)) for _ in range(2)]
    for t in slow:
        t.start()
    try:
        time.sleep(1.5)  # both are sending by now
        statuses = [
            post(f"{g.base}/api/v1/ask", {"question": f"venue {i}"}, timeout=10) for i in range(10)
        ]
    finally:
        stop.set()
        for t in slow:
            t.join(5)
    assert statuses == [200] * 10


def test_no_control_socket_is_shared_between_instances(server, tmp_path: Path):
    first = server()
    second = server()
    assert not (tmp_path / ".gunicorn").exists()
    first.stop()
    assert post(f"{second.base}/api/v1/search", {"query": "venue"}) == 200
    assert "Control socket" not in first.output


def test_the_server_header_names_no_version(server):
    g = server()
    with urllib.request.urlopen(f"{g.base}/api/v1/health", timeout=10) as r:
        assert "/" not in r.headers.get("Server", "")
        assert r.headers["Cache-Control"] == "no-store"
