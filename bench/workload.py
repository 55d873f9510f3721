"""Shared helpers for the service benchmarks: distinct questions, percentiles, memory, servers.

Not a benchmark itself. `questions(n)` makes `n` distinct questions from tests/data/qa.jsonl
(the originals first, then the same questions reworded by a prefix and/or a suffix), so that a
run of `n` requests never hits the query-vector cache; their length stays close to the
originals' (a few words added at most), so encode times stay representative.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QA = ROOT / "tests" / "data" / "qa.jsonl"
DOCS = ROOT / "docs_src"
EXTERNAL = ROOT.parent / "shared" / "corpora" / "external"

_PREFIXES = (
    "",
    "Quick question: ",
    "Please help: ",
    "As a facilitator, ",
    "Our group wonders: ",
    "Hi, ",
    "I'd like to know: ",
    "Can you tell me: ",
    "One more thing: ",
    "New organiser here: ",
    "Sorry if this is basic: ",
    "From our steering group: ",
)
_SUFFIXES = (
    "",
    " Thanks.",
    " Thank you!",
    " (asking for our group)",
    " Any advice?",
    " Cheers",
    " please",
    " - many thanks",
)


def qa_questions() -> list[str]:
    rows = [json.loads(line) for line in QA.read_text(encoding="utf-8").splitlines() if line]
    return [r["question"] for r in rows]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def questions(n: int) -> list[str]:
    """`n` distinct questions: the QA set's, then reworded ones (deterministic order)."""
    base = qa_questions()
    out: list[str] = []
    seen: set[str] = set()
    for p in _PREFIXES:
        for s in _SUFFIXES:
            for q in base:
                text = f"{p}{_lower_first(q) if p else q}{s}"
                if text not in seen:
                    seen.add(text)
                    out.append(text)
                    if len(out) == n:
                        return out
    raise ValueError(f"can make at most {len(out)} distinct questions")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


# -- memory ----------------------------------------------------------------------------------


def rss_mib(pid: int) -> float:
    """Resident set size of a process (counts shared pages in full)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pss_mib(pid: int) -> float:
    """Proportional set size: shared pages divided among the processes sharing them."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return float("nan")
    for line in text.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def children(pid: int) -> list[int]:
    """Direct child processes of `pid` (gunicorn's workers)."""
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            out += [int(c) for c in (task / "children").read_text().split()]
    return sorted(set(out))


def maps_libraries(pid: int, pattern: str) -> list[str]:
    """Mapped files of a process whose path matches `pattern` (e.g. libtorch)."""
    found = set()
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        parts = line.split(maxsplit=5)
        if len(parts) == 6 and re.search(pattern, parts[5]):
            found.add(Path(parts[5]).name)
    return sorted(found)


# -- a gunicorn server on loopback -----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post_json(url: str, body: dict, timeout: float = 30) -> tuple[int, bytes]:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class Server:
    """`gunicorn -c gunicorn.conf.py wsgi:app` on 127.0.0.1 with a given index and database.

    Started by `start()`, which returns the seconds until /api/v1/health answered 200;
    always stopped by `stop()` (SIGTERM to the master, then SIGKILL after 15 s).
    """

    def __init__(
        self, index_dir: Path, workdir: Path, env: dict | None = None, config: str | None = None
    ) -> None:
        self.config = config or "gunicorn.conf.py"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = Path(workdir) / f"gunicorn-{self.port}.log"
        self.env = {
            **os.environ,
            "TOOLKIT_INDEX_DIR": str(index_dir),
            "TOOLKIT_DOCS_DIR": str(DOCS),
            "TOOLKIT_DATABASE": f"sqlite:///{Path(workdir) / f'bench-{self.port}.sqlite'}",
            "TOOLKIT_BIND": f"127.0.0.1:{self.port}",
            "TOOLKIT_RATELIMIT_ANONYMOUS": "1000000/minute",
            **(env or {}),
        }
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> float:
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", self.config, "wsgi:app"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        deadline = started + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}/api/v1/health", timeout=2) as r:
                    if r.status == 200:
                        return time.perf_counter() - started
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log.read_text()[-3000:]}")
            if time.perf_counter() > deadline:
                self.stop()
                raise RuntimeError(f"gunicorn not healthy in {timeout} s:\n{self.log.read_text()}")
            time.sleep(0.02)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def workers(self) -> list[int]:
        return children(self.pid)

    def wait_workers(self, timeout: float = 20) -> list[int]:
        """The worker pids once all `TOOLKIT_WORKERS` (default: one per core) have booted."""
        expected = int(self.env.get("TOOLKIT_WORKERS") or os.cpu_count() or 1)
        deadline = time.perf_counter() + timeout
        while len(self.workers()) < expected and time.perf_counter() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # a worker's post_worker_init (a few ms when preloaded)
        return self.workers()

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def cached_index(src: Path, name: str) -> Path:
    """A real index of `src` in a persistent temp folder, (re)built incrementally.

    The first run embeds everything (tens of seconds); later runs reuse unchanged documents
    and take a second or two. Set TOOLKIT_BENCH_DIR to choose the folder.
    """
    import configured

    from index import ModelMismatchError, build

    base = os.environ.get("TOOLKIT_BENCH_DIR") or Path(tempfile.gettempdir()) / "toolkit-bench"
    out = Path(base) / name
    out.parent.mkdir(parents=True, exist_ok=True)
    embedder = configured.embedder()
    try:
        build(src, out, embedder, progress=False)
    except ModelMismatchError:
        build(src, out, embedder, progress=False, force=True)
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (its own threads, not its children)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def finish(lines: list[str], checks: list[tuple[str, bool, str]], footer: str) -> None:
    """Print the table, one PASS/FAIL line per target and a footer; exit 1 if any failed."""
    lines.append("")
    lines += [f"{'PASS' if ok else 'FAIL'}  {name}  ({detail})" for name, ok, detail in checks]
    lines.append(footer)
    print("\n".join(lines))
    sys.exit(0 if all(ok for _, ok, _ in checks) else 1)
