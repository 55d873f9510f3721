"""Encoder benchmark: torch (sentence-transformers) vs ONNX Runtime fp32 vs int8, same model.

    .venv/bin/python bench/encoder.py [--model all-MiniLM-L6-v2] [--queries 200] [--chunks 64]
                                      [--cache $TOOLKIT_MODEL_CACHE or instance/models]

Each encoder runs in its own fresh process (so import time, load time and memory are its own)
and reports: import and load seconds, resident memory after loading and at peak, single-query
encode latency (median and p99, 1 and 2 intra-op threads) on the QA questions, and throughput on
256-token chunks (batch 32). The parent then compares every encoder's vectors with torch's
(cosine). It exports the ONNX graphs first if they are not cached (not timed). Bounded: about
a minute on 2 cores with the defaults.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ENCODERS = {"torch": "torch", "onnx fp32": "onnx", "onnx int8": "int8"}
THREADS = (1, 2)
CHUNK_TOKENS = 256


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _texts(n_queries: int, n_chunks: int) -> tuple[list[str], list[str]]:
    """QA questions as queries; their evidence strung together into long passages as chunks."""
    rows = [
        json.loads(line)
        for name in ("qa.jsonl", "qa_external.jsonl")
        for line in (ROOT / "tests" / "data" / name).read_text(encoding="utf-8").splitlines()
    ]
    questions = [r["question"] for r in rows]
    queries = [questions[i % len(questions)] for i in range(n_queries)]
    sentences = [r.get("evidence") or r["question"] for r in rows]
    chunks = []
    # ~1.3 word pieces per English word: 230 words are comfortably past 256 tokens
    for i in range(n_chunks):
        parts: list[str] = []
        words = 0
        j = i * 7
        while words < 230:
            text = sentences[j % len(sentences)]
            parts.append(text if text.endswith((".", "?", "!")) else f"{text}.")
            words += len(text.split())
            j += 1
        chunks.append(" ".join(parts))
    return queries, chunks


def worker(args: argparse.Namespace) -> None:
    """One encoder, in this process: print a JSON line of measurements; save vectors."""
    import numpy as np

    queries, chunks = _texts(args.queries, args.chunks)
    from index.embed import load_embedder  # the index package itself (faiss…) is not counted

    t0 = time.perf_counter()
    if args.worker == "torch":
        import sentence_transformers  # noqa: F401  (and torch)
    else:
        import index.onnx_encoder  # noqa: F401  (onnxruntime, tokenizers)
    t1 = time.perf_counter()
    embedder = load_embedder(f"{args.model}:{args.worker}", cache=args.cache)
    t2 = time.perf_counter()
    result = {
        "import_s": t1 - t0,
        "load_s": t2 - t1,
        "rss_loaded_mib": _rss_mib(),
        "torch_imported": "torch" in sys.modules,
        "chunk_tokens": min(embedder.count_tokens(c) for c in chunks),
    }
    for threads in THREADS:
        embedder.set_threads(threads)
        for q in queries[:10]:  # warm up (allocations, thread pools)
            embedder.encode([q])
        times = []
        for q in queries:
            s = time.perf_counter()
            embedder.encode([q])
            times.append((time.perf_counter() - s) * 1000)
        times.sort()
        result[f"single_{threads}t"] = {
            "median_ms": statistics.median(times),
            "p99_ms": times[min(len(times) - 1, round(0.99 * (len(times) - 1)))],
            "min_ms": times[0],  # the least disturbed by other work on the machine
        }
    result["rss_queries_mib"] = _rss_mib()  # what a serving process holds
    for threads in THREADS:
        embedder.set_threads(threads)
        embedder.encode(chunks[:4], batch_size=32)
        s = time.perf_counter()
        embedder.encode(chunks, batch_size=32)
        result[f"batch_{threads}t_chunks_per_s"] = len(chunks) / (time.perf_counter() - s)
    result["rss_peak_mib"] = _peak_mib()
    unique = list(dict.fromkeys(queries))[:100]
    np.save(args.vectors, np.vstack([embedder.encode(unique), embedder.encode(chunks)]))
    print(json.dumps(result))


def _ensure_exported(model: str, cache: str) -> None:
    from index import ModelNotAvailableError
    from index.onnx_encoder import find_export
    from index.onnx_export import ensure_export

    for variant in ("fp32", "int8"):
        try:
            find_export(model, cache, variant=variant)
        except ModelNotAvailableError:
            print(f"exporting the ONNX {variant} graph first (not timed)…", file=sys.stderr)
            ensure_export(model, cache, variant=variant)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--model", default="all-MiniLM-L6-v2")
    p.add_argument("--queries", type=int, default=200, help="single-query encodes per setting")
    p.add_argument("--chunks", type=int, default=64, help="256-token chunks per throughput run")
    p.add_argument(
        "--cache",
        default=os.environ.get("TOOLKIT_MODEL_CACHE") or "instance/models",
        help="model cache folder (default: $TOOLKIT_MODEL_CACHE or instance/models)",
    )
    p.add_argument("--only", choices=sorted(ENCODERS.values()), action="append")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--vectors", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        worker(args)
        return

    import numpy as np

    _ensure_exported(args.model, args.cache)
    load_before = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    results, vectors = {}, {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for label, encoder in ENCODERS.items():
            if args.only and encoder not in args.only:
                continue
            out = Path(tmp) / f"{encoder}.npy"
            cmd = [sys.executable, __file__, "--worker", encoder, "--vectors", str(out)]
            cmd += ["--model", args.model, "--queries", str(args.queries)]
            cmd += ["--chunks", str(args.chunks), "--cache", args.cache]
            env = {k: v for k, v in os.environ.items() if k != "TOOLKIT_ENCODER_THREADS"}
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
            if done.returncode != 0:
                sys.exit(f"{label} failed:\n{done.stderr}")
            results[label] = json.loads(done.stdout.strip().splitlines()[-1])
            vectors[label] = np.load(out)

    def row(name: str, cell) -> str:
        return f"{name:<34}" + "".join(f"{cell(r):>14}" for r in results.values())

    import onnxruntime

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        f"load average before: {load_before}; after: {load} (other work skews the timings)",
        f"model {args.model}; {os.cpu_count()} CPUs; onnxruntime {onnxruntime.__version__}; "
        f"{args.queries} queries, {args.chunks} chunks of {CHUNK_TOKENS} tokens (batch 32)",
        f"{'':<34}" + "".join(f"{label:>14}" for label in results),
        row("import (s)", lambda r: f"{r['import_s']:.2f}"),
        row("load model (s)", lambda r: f"{r['load_s']:.2f}"),
        row("RSS after load (MiB)", lambda r: f"{r['rss_loaded_mib']:.0f}"),
        row(f"RSS after {2 * args.queries} queries (MiB)", lambda r: f"{r['rss_queries_mib']:.0f}"),
        row("RSS peak, with batches (MiB)", lambda r: f"{r['rss_peak_mib']:.0f}"),
        row("torch imported", lambda r: "yes" if r["torch_imported"] else "no"),
    ]
    for t in THREADS:
        lines.append(row(f"query median (ms), {t} thread", lambda r, t=t: _ms(r, t, "median_ms")))
        lines.append(row(f"query p99 (ms), {t} thread", lambda r, t=t: _ms(r, t, "p99_ms")))
        lines.append(row(f"query min (ms), {t} thread", lambda r, t=t: _ms(r, t, "min_ms")))
    for t in THREADS:
        lines.append(
            row(f"chunks/s, {t} thread", lambda r, t=t: f"{r[f'batch_{t}t_chunks_per_s']:.1f}")
        )
    if "torch" in vectors:
        ref = vectors["torch"]
        cos = {k: np.sum(v * ref, axis=1) for k, v in vectors.items()}
        for stat in ("min", "mean"):
            cells = "".join(f"{getattr(c, stat)():>14.6f}" for c in cos.values())
            lines.append(f"{'cosine vs torch, ' + stat:<34}{cells}")
    lines.append(f"total {time.perf_counter() - started:.0f} s")
    print("\n".join(lines))


def _ms(result: dict, threads: int, key: str) -> str:
    return f"{result[f'single_{threads}t'][key]:.2f}"


if __name__ == "__main__":
    main()
