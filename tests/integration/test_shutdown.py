"""SIGTERM under load with the real model (ONNX Runtime imported in the preloaded master):
every request in flight or waiting is answered, the workers end cleanly (no
`terminate called ... std::system_error`, no SIGABRT) and every logged question is written."""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path

import pytest

from index import build
from tests.service.gunicorn_server import Gunicorn

pytestmark = pytest.mark.model

CLIENTS = 48  # distinct questions: no cached query vector makes any of them quick


def _request(question: str) -> bytes:
    body = json.dumps({"question": question}).encode()
    return (
        b"POST /api/v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
    )


def _status(connection: socket.socket) -> int | str:
    """The HTTP status of the answer on `connection`, or how the connection ended."""
    data = b""
    try:
        while chunk := connection.recv(65536):
            data += chunk
    except OSError as exc:
        return type(exc).__name__
    finally:
        connection.close()
    return int(data.split()[1]) if data.startswith(b"HTTP/") else "no answer"


def test_sigterm_under_load_answers_everything_and_exits_cleanly(
    docs: Path, tmp_path: Path, real_embedder
):
    index_dir = tmp_path / "index"
    build(docs, index_dir, real_embedder, progress=False)
    g = Gunicorn(
        {
            "TOOLKIT_INDEX_DIR": str(index_dir),
            "TOOLKIT_DOCS_DIR": str(docs),
            "TOOLKIT_WORKERS": "2",
            "TOOLKIT_RATELIMIT_ENABLED": "true",
            "TOOLKIT_RATELIMIT_ANONYMOUS": "100000/minute",
        },
        tmp_path,
    ).start()
    requests = [_request(f"how do we choose a venue for meeting {i}?") for i in range(CLIENTS)]
    try:
        # every request is connected and sent before the signal: answered, in flight or
        # waiting (in a worker's queue, or the listen queue) when SIGTERM arrives
        connections = [socket.create_connection(("127.0.0.1", g.port), 30) for _ in requests]
        for connection, request in zip(connections, requests, strict=True):
            connection.sendall(request)
        g.terminate()
        statuses = [_status(c) for c in connections]
    finally:
        status, output = g.stop(timeout=30)
    assert statuses == [200] * CLIENTS, statuses
    assert status == 0, output
    assert "terminate called" not in output and "SIGABRT" not in output, output
    assert "Traceback" not in output, output
    with sqlite3.connect(tmp_path / "toolkit.db") as db:
        logged = db.execute("SELECT COUNT(*) FROM query_log").fetchone()[0]
    assert logged == CLIENTS
