"""HTTP benchmark: throughput and latency of the shipped gunicorn configuration on loopback.

    .venv/bin/python bench/http_load.py [--duration 30] [--concurrency 1 4 16]
                                        [--endpoints search ask] [--config gunicorn.conf.py]

Refreshes a real index of docs_src/ in a temp folder (`$TOOLKIT_BENCH_DIR`, default
<tmp>/toolkit-bench; seconds when nothing changed), starts `gunicorn -c gunicorn.conf.py
wsgi:app` on 127.0.0.1 with rate limits raised (TOOLKIT_RATELIMIT_ANONYMOUS=1000000/minute) and
a fresh SQLite database, then loads it with `wrk` (Debian: `apt-get install -y wrk`; a Lua
script cycles POST bodies over 6,000 distinct questions, so the per-worker query-vector cache of
1,024 never hits) for `--duration` seconds at each concurrency: /api/v1/search at every
concurrency, /api/v1/ask at the highest. Without wrk a Python client is used instead (it
shares the two cores with the server, so figures are lower).

The reference, measured in the same run in this process: the ceiling `cores / p50 of one
single-query encode` of the encoder the workers use (ONNX Runtime, one intra-op thread, as
each gunicorn worker is set up), on the same questions, measured before and after the load.

Targets (printed as PASS/FAIL) at the highest concurrency of /api/v1/search: throughput at least
70% of the ceiling, no error (every answer a 200), p99 at most 5 x p50. Bounded: with the
defaults about 2.5 minutes, loopback only; every load run stops by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import workload

QUESTIONS = 6000
THROUGHPUT_SHARE = 0.70
P99_OVER_P50 = 5.0

LUA = r"""
local bodies = {
%(bodies)s
}
local n = #bodies
local path = "%(path)s"
local headers = {["Content-Type"] = "application/json"}
local counter = 0
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
function init(args)
  counter = %(start)d + (tid or 0) * math.floor(n / 2)
end
function request()
  counter = counter + 1
  return wrk.format("POST", path, headers, bodies[(counter %% n) + 1])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "seconds": %%f, "connect": %%d, "read": %%d, "write": %%d, ' ..
    '"status": %%d, "timeout": %%d, "p50": %%f, "p90": %%f, "p99": %%f, "max": %%f}\n',
    summary.requests, summary.duration / 1e6, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3))
end
"""

ENDPOINTS = {"search": ("/api/v1/search", "query"), "ask": ("/api/v1/ask", "question")}


def encode_p50(texts: list[str]) -> tuple[float, str]:
    """p50 ms of one single-query encode, as a worker runs it (ONNX Runtime, 1 thread)."""
    import configured

    embedder = configured.embedder(threads=1)
    for text in texts[:20]:
        embedder.encode([text])
    times = []
    for text in texts:
        t0 = time.perf_counter()
        embedder.encode([text])
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), embedder.name


def encoder_worker(until: float, texts: list[str]) -> None:
    """(Subprocess) encode `texts` one at a time, round and round, until time.time() >= until."""
    import configured

    embedder = configured.embedder(threads=1)
    for text in texts[:10]:
        embedder.encode([text])
    while time.time() < until - 3:  # wait for the common start
        time.sleep(0.01)
    start = time.time() - (until - 3)
    count = 0
    while time.time() < until:
        embedder.encode([texts[count % len(texts)]])
        count += 1
    print(json.dumps({"count": count, "late_s": start}))


def parallel_encodes(cores: int, seconds: float) -> float:
    """Encodes per second of `cores` bare encoder processes running side by side: the ceiling
    the machine actually offered (other work on it included) at the time of measuring."""
    until = time.time() + 8 + seconds  # 8 s to start and load, then a common start
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--encode-worker", str(until), str(i)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(cores)
    ]
    counts = []
    for proc in procs:
        out, _ = proc.communicate(timeout=seconds + 60)
        counts.append(json.loads(out.strip().splitlines()[-1])["count"])
    return sum(counts) / seconds


def run_wrk(base: str, endpoint: str, bodies: list[str], start: int, c: int, secs: int, tmp: Path):
    path, _ = ENDPOINTS[endpoint]
    script = tmp / f"{endpoint}-{c}.lua"
    script.write_text(
        LUA
        % {
            "bodies": ",\n".join(f"[==[{b}]==]" for b in bodies),
            "path": path,
            "start": start,
        }
    )
    cmd = ["wrk", "-t", "1", "-c", str(c), "-d", f"{secs}s", "--timeout", "10s", "-s", str(script)]
    done = subprocess.run(
        [*cmd, base], capture_output=True, text=True, timeout=secs + 60, check=False
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed:\n{done.stdout}\n{done.stderr}")
    r = json.loads(line.removeprefix("WRKJSON "))
    r["errors"] = r["connect"] + r["read"] + r["write"] + r["status"] + r["timeout"]
    return r


def run_python(base: str, endpoint: str, bodies: list[str], start: int, c: int, secs: int, _tmp):
    """The fallback load generator: `c` threads, each posting in a loop until the time is up."""
    import http.client

    path, _ = ENDPOINTS[endpoint]
    host, port = base.removeprefix("http://").split(":")
    deadline = time.perf_counter() + secs
    latencies: list[float] = []
    errors = [0]
    counter = [start]
    lock = threading.Lock()

    def client() -> None:
        while time.perf_counter() < deadline:
            with lock:
                counter[0] += 1
                body = bodies[counter[0] % len(bodies)]
            t0 = time.perf_counter()
            try:
                conn = http.client.HTTPConnection(host, int(port), timeout=10)
                conn.request("POST", path, body, {"Content-Type": "application/json"})
                resp = conn.getresponse()
                resp.read()
                conn.close()
                ok = resp.status == 200
            except OSError:
                ok = False
            with lock:
                latencies.append((time.perf_counter() - t0) * 1000)
                errors[0] += not ok

    t0 = time.perf_counter()
    pool = [threading.Thread(target=client, daemon=True) for _ in range(c)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=secs + 30)
    seconds = time.perf_counter() - t0
    return {
        "requests": len(latencies),
        "seconds": seconds,
        "errors": errors[0],
        "p50": workload.percentile(latencies, 50),
        "p90": workload.percentile(latencies, 90),
        "p99": workload.percentile(latencies, 99),
        "max": max(latencies),
    }


class Sampler:
    """Samples the server's memory while a load runs; counts the workers' CPU seconds."""

    def __init__(self, server: workload.Server) -> None:
        self.server = server
        self.peak_worker_rss = 0.0
        self.peak_total_rss = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def cpu(self) -> float:
        return sum(workload.cpu_seconds(p) for p in self.server.workers())

    def _loop(self) -> None:
        while not self._stop.wait(1.0):
            try:
                pids = [self.server.pid, *self.server.workers()]
                rss = [workload.rss_mib(p) for p in pids]
            except OSError:
                continue
            self.peak_worker_rss = max(self.peak_worker_rss, *rss[1:], 0.0)
            self.peak_total_rss = max(self.peak_total_rss, sum(rss))

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--duration", type=int, default=30, help="seconds per load run (default 30)")
    p.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    p.add_argument("--endpoints", nargs="+", choices=sorted(ENDPOINTS), default=["search", "ask"])
    p.add_argument("--config", default="gunicorn.conf.py", help="gunicorn configuration file")
    p.add_argument("--python-client", action="store_true", help="use the Python load generator")
    p.add_argument("--encode-worker", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.encode_worker:
        qs = workload.questions(QUESTIONS)
        offset = int(args.encode_worker[1]) * 1000
        encoder_worker(float(args.encode_worker[0]), qs[offset:] + qs[:offset])
        return
    if not 1 <= args.duration <= 60:
        p.error("--duration must be 1..60 seconds")
    concurrency = sorted(set(args.concurrency))
    runner = run_wrk if shutil.which("wrk") and not args.python_client else run_python
    client = "wrk (1 thread)" if runner is run_wrk else "Python threads (shares the CPUs)"
    started = time.perf_counter()
    load_before = os.getloadavg()[0]

    t0 = time.perf_counter()
    index_dir = workload.cached_index(workload.DOCS, "docs_src")
    index_s = time.perf_counter() - t0
    questions = workload.questions(QUESTIONS)
    sample = questions[:: QUESTIONS // 300]
    before_ms, encoder = encode_p50(sample)
    cores = os.cpu_count() or 1
    parallel_before = parallel_encodes(cores, 5)

    results: list[tuple[str, int, dict, float]] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        with workload.Server(index_dir, tmp, config=args.config) as server:
            startup_s = server.start()
            workers = server.wait_workers()
            with urllib.request.urlopen(f"{server.base}/api/v1/health", timeout=5) as r:
                health = json.loads(r.read())
            plan = [("search", c) for c in concurrency]
            if "ask" in args.endpoints:
                plan.append(("ask", concurrency[-1]))
            if "search" not in args.endpoints:
                plan = [x for x in plan if x[0] != "search"]
            with Sampler(server) as sampler:
                for n, (endpoint, c) in enumerate(plan):
                    key = ENDPOINTS[endpoint][1]
                    bodies = [json.dumps({key: q}) for q in questions]
                    cpu0 = sampler.cpu()
                    r = runner(server.base, endpoint, bodies, n * 1500, c, args.duration, tmp)
                    cpu = sampler.cpu() - cpu0
                    results.append((endpoint, c, r, cpu))
            server_rss = {pid: workload.rss_mib(pid) for pid in [server.pid, *workers]}
    after_ms, _ = encode_p50(sample)
    parallel_after = parallel_encodes(cores, 5)

    encode_ms = (before_ms + after_ms) / 2
    ceiling = cores / (encode_ms / 1000)
    offered = (parallel_before + parallel_after) / 2
    lines = [
        f"client: {client}; server: gunicorn -c {args.config} ({len(workers)} workers), "
        f"index of docs_src: {health['index']['chunks']} chunks (refreshed in {index_s:.1f} s)",
        f"{len(questions)} distinct questions cycled (query cache: 1,024 per worker, no hits); "
        f"start-up until /api/v1/health is 200: {startup_s:.2f} s",
        f"reference: {encoder} on ONNX Runtime, 1 thread, single-query encode p50 "
        f"{before_ms:.2f} ms before / {after_ms:.2f} ms after the load -> ceiling "
        f"{cores} cores / {encode_ms:.2f} ms = {ceiling:.0f} req/s",
        f"what the machine offered: {cores} bare encoder processes side by side (1 thread each, "
        f"5 s): {parallel_before:.0f} encodes/s before, {parallel_after:.0f} after "
        f"(other work on the machine takes the rest)",
        "",
        f"{'endpoint':<16}{'conc':>5}{'requests':>10}{'req/s':>9}{'% ceil':>8}{'p50 ms':>9}"
        f"{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}{'p99/p50':>8}{'errors':>7}{'CPU ms/req':>11}"
        f"{'% offered':>10}",
    ]
    for endpoint, c, r, cpu in results:
        rps = r["requests"] / r["seconds"]
        lines.append(
            f"{'/api/v1/' + endpoint:<16}{c:>5}{r['requests']:>10}{rps:>9.0f}"
            f"{rps / ceiling:>8.0%}{r['p50']:>9.2f}{r['p90']:>9.2f}{r['p99']:>9.2f}"
            f"{r['max']:>9.1f}{r['p99'] / r['p50']:>8.1f}{r['errors']:>7}"
            f"{cpu * 1000 / max(r['requests'], 1):>11.2f}{rps / offered:>10.0%}"
        )
    lines.append(
        "(CPU ms/req: the workers' CPU time per request, of which the encode is "
        f"{encode_ms:.2f} ms; % offered: req/s over the side-by-side encoders' encodes/s)"
    )
    lines.append(
        f"RSS MiB after the load: master {server_rss[server.pid]:.0f}, workers "
        + ", ".join(f"{server_rss[w]:.0f}" for w in workers)
        + f"; peak during the load: one worker {sampler.peak_worker_rss:.0f}, "
        f"whole server {sampler.peak_total_rss:.0f}"
    )

    checks = []
    top = [x for x in results if x[0] == "search" and x[1] == concurrency[-1]]
    if top:
        _, c, r, _ = top[0]
        rps = r["requests"] / r["seconds"]
        checks += [
            (
                f"/search at concurrency {c}: throughput >= {THROUGHPUT_SHARE:.0%} of ceiling",
                rps >= THROUGHPUT_SHARE * ceiling,
                f"{rps:.0f} req/s = {rps / ceiling:.0%} of {ceiling:.0f}",
            ),
            (f"/search at concurrency {c}: zero errors", r["errors"] == 0, f"{r['errors']}"),
            (
                f"/search at concurrency {c}: p99 <= {P99_OVER_P50:.0f} x p50",
                r["p99"] <= P99_OVER_P50 * r["p50"],
                f"{r['p99']:.1f} / {r['p50']:.1f} ms = {r['p99'] / r['p50']:.1f}x",
            ),
        ]
    checks.append(("every run: zero errors", all(x[2]["errors"] == 0 for x in results), ""))
    load_after = os.getloadavg()[0]
    workload.finish(
        lines,
        checks,
        f"load average (1 min) before {load_before:.1f}, after {load_after:.1f}; "
        f"total {time.perf_counter() - started:.0f} s",
    )


if __name__ == "__main__":
    main()
