"""Start-up time and memory of the shipped gunicorn configuration, and memory over a load run.

    .venv/bin/python bench/startup_memory.py [--load-seconds 60] [--starts 3]

Refreshes a real index of docs_src/ in a temp folder (as bench/http_load.py does), then:

1. starts `gunicorn -c gunicorn.conf.py wsgi:app` on 127.0.0.1 `--starts` times: seconds from
   launch until /api/v1/health answers 200 (the workers have the model and the index by then);
2. memory of the master and each worker when idle: RSS (resident pages, shared ones counted
   in full in every process that maps them), PSS (shared pages divided among the processes
   sharing them: their sum is what the whole server really occupies) and private pages;
3. whether torch is in the serving processes: their /proc/<pid>/maps searched for libtorch, and
   a subprocess that builds the app and warms up as a worker does, reporting `sys.modules`;
4. a `--load-seconds` load run (wrk: /search and /ask at concurrency 8 each, distinct
   questions) with RSS sampled every 5 s: a worker's RSS must not grow once warm (the first
   10 s fill the query cache and touch the code paths; growth is measured from there);
5. for comparison, the same configuration without preloading (each worker loads its own model),
   idle memory and start-up only.

Targets (PASS/FAIL): start-up <= 3 s, worker RSS <= 250 MiB (peak over the load run), no growth
(<= 2% from 10 s to the end), no torch in a serving process. Bounded: about 1.5 minutes.
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
import textwrap
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import http_load
import workload

STARTUP_S = 3.0
WORKER_RSS_MIB = 250.0
GROWTH = 0.02
WARM_S = 10.0

NO_PRELOAD = """\
exec(open({config!r}).read())
preload_app = False


def when_ready(server):
    pass
"""

WORKER_PROBE = textwrap.dedent(
    """
    import json, sys, time
    t0 = time.perf_counter()
    import wsgi
    engine = wsgi.app.extensions["toolkit"]
    engine.set_threads(1)
    engine.warm_up()
    print(json.dumps({"seconds": time.perf_counter() - t0,
                      "torch": "torch" in sys.modules,
                      "sentence_transformers": "sentence_transformers" in sys.modules}))
    """
)


def private_mib(pid: int) -> float:
    total = 0
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith(("Private_Clean:", "Private_Dirty:")):
            total += int(line.split()[1])
    return total / 1024


def memory(server: workload.Server) -> dict:
    pids = [server.pid, *server.workers()]
    return {
        "pids": pids,
        "rss": [workload.rss_mib(p) for p in pids],
        "pss": [workload.pss_mib(p) for p in pids],
        "private": [private_mib(p) for p in pids],
        "torch": {p: workload.maps_libraries(p, r"libtorch") for p in pids},
    }


def start_times(index_dir: Path, tmp: Path, config: str, n: int) -> tuple[list[float], dict]:
    times, mem = [], {}
    for _ in range(n):
        with workload.Server(index_dir, tmp, config=config) as server:
            times.append(server.start())
            server.wait_workers()
            time.sleep(0.5)
            mem = memory(server)
    return times, mem


def load_run(server: workload.Server, seconds: int, tmp: Path) -> list[tuple[float, list]]:
    """Two wrk runs side by side (/search and /ask, 8 connections each); RSS every 5 s."""
    questions = workload.questions(http_load.QUESTIONS)
    samples: list[tuple[float, list]] = []
    results: dict[str, dict] = {}

    def run(endpoint: str, start: int) -> None:
        key = http_load.ENDPOINTS[endpoint][1]
        bodies = [json.dumps({key: q}) for q in questions]
        runner = http_load.run_wrk if shutil.which("wrk") else http_load.run_python
        results[endpoint] = runner(server.base, endpoint, bodies, start, 8, seconds, tmp)

    threads = [
        threading.Thread(target=run, args=("search", 0)),
        threading.Thread(target=run, args=("ask", 3000)),
    ]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        elapsed = time.perf_counter() - t0
        if not samples or elapsed - samples[-1][0] >= 5:
            pids = [server.pid, *server.workers()]
            samples.append((elapsed, [workload.rss_mib(p) for p in pids]))
        time.sleep(0.25)
    for t in threads:
        t.join()
    return samples, results


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--load-seconds", type=int, default=60)
    p.add_argument("--starts", type=int, default=3)
    p.add_argument("--config", default="gunicorn.conf.py")
    args = p.parse_args()
    if not 20 <= args.load_seconds <= 120 or not 1 <= args.starts <= 5:
        p.error("--load-seconds must be 20..120 and --starts 1..5")
    started = time.perf_counter()
    index_dir = workload.cached_index(workload.DOCS, "docs_src")
    config = str(Path(args.config).resolve())

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        times, idle = start_times(index_dir, tmp, config, args.starts)
        probe = subprocess.run(
            [sys.executable, "-c", WORKER_PROBE],
            cwd=workload.ROOT,
            env={**os.environ, "TOOLKIT_INDEX_DIR": str(index_dir)},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        probe_result = json.loads(probe.stdout.strip().splitlines()[-1])

        with workload.Server(index_dir, tmp, config=config) as server:
            server.start()
            server.wait_workers()
            samples, results = load_run(server, args.load_seconds, tmp)
            after = memory(server)

        plain = tmp / "no-preload.conf.py"
        plain.write_text(NO_PRELOAD.format(config=config))
        plain_times, plain_idle = start_times(index_dir, tmp, str(plain), 1)

    workers = len(idle["pids"]) - 1
    lines = [
        f"server: gunicorn -c {args.config}, {workers} workers; index of docs_src; "
        f"{os.cpu_count()} CPUs",
        "",
        "start-up until /api/v1/health is 200 (s): "
        + ", ".join(f"{t:.2f}" for t in times)
        + f"   (without preload: {plain_times[0]:.2f})",
        "",
        f"{'memory, idle (MiB)':<34}{'RSS':>8}{'PSS':>8}{'private':>9}   torch mapped",
    ]

    def rows(mem: dict, label: str) -> list[str]:
        out = []
        for i, pid in enumerate(mem["pids"]):
            name = "master" if i == 0 else f"worker {i}"
            torch = ", ".join(mem["torch"][pid]) or "no"
            out.append(
                f"  {label + name:<32}{mem['rss'][i]:>8.0f}{mem['pss'][i]:>8.0f}"
                f"{mem['private'][i]:>9.0f}   {torch}"
            )
        out.append(
            f"  {label + 'whole server':<32}{sum(mem['rss']):>8.0f}{sum(mem['pss']):>8.0f}"
            f"{sum(mem['private']):>9.0f}"
        )
        return out

    lines += rows(idle, "")
    lines += rows(plain_idle, "no preload: ")
    lines += rows(after, "after load: ")
    lines.append(
        f"  a process that builds the app and warms up like a worker: {probe_result['seconds']:.2f}"
        f" s, torch imported: {'yes' if probe_result['torch'] else 'no'}"
    )

    lines += ["", f"RSS over the {args.load_seconds} s load run (MiB):"]
    lines.append(
        f"  {'t (s)':>6}{'master':>9}"
        + "".join(f"{'worker ' + str(i + 1):>10}" for i in range(workers))
        + f"{'total':>9}"
    )
    for t, rss in samples:
        lines.append(
            f"  {t:>6.0f}{rss[0]:>9.0f}"
            + "".join(f"{r:>10.0f}" for r in rss[1:])
            + f"{sum(rss):>9.0f}"
        )
    for endpoint, r in results.items():
        lines.append(
            f"  /api/v1/{endpoint}: {r['requests']} requests, "
            f"{r['requests'] / r['seconds']:.0f}/s, p50 {r['p50']:.1f} ms, "
            f"p99 {r['p99']:.1f} ms, errors {r['errors']}"
        )

    warm = next(rss for t, rss in samples if t >= WARM_S)
    end = samples[-1][1]
    growth = max((e - w) / w for w, e in zip(warm[1:], end[1:], strict=True))
    peak_worker = max(max(rss[1:]) for _, rss in samples)
    torch_anywhere = any(idle["torch"].values()) or any(after["torch"].values())
    checks = [
        (
            f"start-up <= {STARTUP_S:.0f} s",
            max(times) <= STARTUP_S,
            f"slowest of {len(times)}: {max(times):.2f} s, median {statistics.median(times):.2f}",
        ),
        (
            f"worker RSS <= {WORKER_RSS_MIB:.0f} MiB",
            peak_worker <= WORKER_RSS_MIB,
            f"peak {peak_worker:.0f} MiB; private {max(after['private'][1:]):.0f} MiB",
        ),
        (
            f"no RSS growth under load (<= {GROWTH:.0%} from {WARM_S:.0f} s to the end)",
            growth <= GROWTH,
            f"largest worker growth {growth:+.1%}",
        ),
        (
            "torch not in a serving process",
            not torch_anywhere and not probe_result["torch"],
            "maps and sys.modules",
        ),
        (
            "no errors under load",
            all(r["errors"] == 0 for r in results.values()),
            ", ".join(f"{k} {r['errors']}" for k, r in results.items()),
        ),
    ]
    workload.finish(
        lines,
        checks,
        f"load average (1 min) {os.getloadavg()[0]:.1f}; "
        f"total {time.perf_counter() - started:.0f} s",
    )


if __name__ == "__main__":
    main()
