"""The shipped gunicorn configuration under concurrent load, with the real model."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from index import build
from tests.integration.conftest import ROOT

pytestmark = pytest.mark.model


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(url: str, body: dict) -> int:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            json.loads(r.read())
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_gunicorn_config_serves_concurrent_requests(docs: Path, tmp_path: Path, real_embedder):
    index_dir = tmp_path / "index"
    build(docs, index_dir, real_embedder, progress=False)
    port = _free_port()
    env = {
        **os.environ,
        "TOOLKIT_INDEX_DIR": str(index_dir),
        "TOOLKIT_DOCS_DIR": str(docs),
        "TOOLKIT_DATABASE": f"sqlite:///{tmp_path / 'db.sqlite'}",
        "TOOLKIT_RATELIMIT_STORAGE": f"sqlite:///{tmp_path / 'ratelimits.db'}",
        "TOOLKIT_BIND": f"127.0.0.1:{port}",
        "TOOLKIT_RATELIMIT_ANONYMOUS": "100000/minute",
        "TOOLKIT_RATELIMIT_ENABLED": "true",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/v1/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert server.poll() is None, server.stdout.read().decode()
            assert time.monotonic() < deadline, "gunicorn did not become healthy in 60 s"
            time.sleep(0.2)
        questions = [f"how do we choose a venue {i}" for i in range(120)]
        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(
                pool.map(
                    lambda q: _post(f"{base}/api/v1/ask", {"question": q}),
                    questions,
                )
            )
            statuses += list(
                pool.map(
                    lambda q: _post(f"{base}/api/v1/search", {"query": q, "k": 3}),
                    questions,
                )
            )
        assert statuses.count(200) == len(statuses), sorted(set(statuses))
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
