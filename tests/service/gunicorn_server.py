"""The shipped gunicorn configuration in a subprocess on a loopback port, for fault tests.

`Gunicorn(env).start()` waits until every worker has booted and /api/v1/health is 200 (a
SIGTERM during a worker's start-up is another story: gunicorn's signal handlers are not
installed yet); `stop()` sends SIGTERM and returns
what the server printed and its exit status. Every request has a timeout, and a server that
does not stop in time is killed.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url: str, body: dict, timeout: float = 30, headers: dict | None = None) -> int | str:
    """The status of a POST on a new connection, or the name of the error that ended it."""
    req = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as exc:
        exc.read()
        return exc.code
    except OSError as exc:
        return type(exc).__name__


class Gunicorn:
    def __init__(self, env: dict[str, str], tmp_path: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.tmp_path = tmp_path
        self.env = {
            **os.environ,
            "TOOLKIT_BIND": f"127.0.0.1:{self.port}",
            "TOOLKIT_DATABASE": f"sqlite:///{tmp_path / 'toolkit.db'}",
            "TOOLKIT_RATELIMIT_STORAGE": f"sqlite:///{tmp_path / 'ratelimits.db'}",
            "TOOLKIT_INSTANCE_PATH": str(tmp_path / "instance"),
            "TOOLKIT_SECRET_KEY": "test-secret",
            "HOME": str(tmp_path),  # anything gunicorn writes to ~ lands here
            **env,
        }
        self.process: subprocess.Popen | None = None
        self.output = ""
        self._terminated = False

    def start(self, timeout: float = 120) -> Gunicorn:
        self._log = open(self.tmp_path / "gunicorn.log", "w+b")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}/api/v1/health", timeout=2) as r:
                    if r.status == 200 and self._booted():
                        time.sleep(2)  # every worker past its start-up (warm-up, signals)
                        return self
            except OSError:
                pass
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited: {self.read_output()}")
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"gunicorn not healthy in {timeout} s: {self.read_output()}")
            time.sleep(0.2)

    def _booted(self) -> bool:
        workers = int(self.env.get("TOOLKIT_WORKERS") or os.cpu_count() or 1)
        return self.read_output().count("Booting worker") >= workers

    def read_output(self) -> str:
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def terminate(self) -> None:
        """One SIGTERM (a second one while the master shuts down would kill it outright)."""
        assert self.process is not None
        if not self._terminated:
            self._terminated = True
            self.process.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 30) -> tuple[int | None, str]:
        """SIGTERM, wait; (exit status, everything printed)."""
        if self.process is None:
            return None, ""
        self.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        self.output = self.read_output()
        return self.process.returncode, self.output

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
