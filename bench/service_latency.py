"""In-process latency of /api/v1/search and /api/v1/ask beside a bare torch encode, one run.

    .venv/bin/python bench/service_latency.py [--questions 300] [--rounds 30]

Refreshes a real index of docs_src/ in a temp folder (`$TOOLKIT_BENCH_DIR`, default
<tmp>/toolkit-bench), makes the app with `create_app` (the default encoder, ONNX Runtime, with
its default threads; a fresh SQLite database on disk; rate limits raised) and calls it through
Flask's test client. The reference, in the same process: sentence-transformers (torch, its
default threads) `encode(question)`, one question at a time.

Every request asks a question the process has not seen (the QA set's questions, then reworded
ones: see bench/workload.py), so each one pays for its query embedding; /search and /ask get
different questions (alternate ones, so both get the same mix of lengths) and torch encodes
some of each. The three measurements are interleaved in `--rounds` blocks so that other
work on the machine weighs on all three alike. Then, for information: the same requests again
(query-vector cache hits), the ranking alone, the bare ONNX encode, and the SQLite insert of
the query log that each /ask makes. Last, retrieval quality with the service's encoder and with
torch on the same indexes (tests/data/qa.jsonl on docs_src, qa_external.jsonl on the external
corpus; the latter's index is built in the temp folder on the first run, about a minute).

Targets (PASS/FAIL): /search p50 <= 0.5 x torch encode p50; /ask p50 <= 0.75 x; recall@5 and
MRR@10 within 0.01 of torch's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import workload

SEARCH_TARGET = 0.5
ASK_TARGET = 0.75


def timed(fn, items) -> list[float]:
    out = []
    for item in items:
        t0 = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def summary(values: list[float]) -> tuple[float, float]:
    return statistics.median(values), workload.percentile(values, 99)


def retrieval_quality(service_encoder, torch_encoder) -> list[tuple[str, dict, dict]]:
    """recall@5 and MRR@10 (default search mode) with the service's encoder and with torch,
    on the same index, for both QA sets (the external corpus's index is refreshed too)."""
    from index import Index
    from index.eval import evaluate, load_qa

    sets = [
        ("bundled", workload.DOCS, workload.QA),
        ("external", workload.EXTERNAL, workload.ROOT / "tests" / "data" / "qa_external.jsonl"),
    ]
    out = []
    for name, src, qa in sets:
        folder = workload.cached_index(src, src.name if name == "external" else "docs_src")
        entries = load_qa(qa)
        a = evaluate(Index.open(folder, service_encoder), entries)
        b = evaluate(Index.open(folder, torch_encoder), entries)
        out.append((name, {"r5": a.recall[5], "mrr": a.mrr10}, {"r5": b.recall[5], "mrr": b.mrr10}))
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--questions", type=int, default=300, help="distinct questions per endpoint")
    p.add_argument("--rounds", type=int, default=30, help="interleaved blocks")
    args = p.parse_args()
    if not 250 <= args.questions <= 2000:
        p.error("--questions must be 250..2000")
    started = time.perf_counter()
    load_before = os.getloadavg()[0]

    index_dir = workload.cached_index(workload.DOCS, "docs_src")
    all_questions = workload.questions(2 * args.questions + 40)
    # alternate questions to each endpoint, so both get the same mix of lengths
    search_qs = all_questions[0 : 2 * args.questions : 2]
    ask_qs = all_questions[1 : 2 * args.questions : 2]
    torch_qs = [pair[i % 2] for i, pair in enumerate(zip(search_qs, ask_qs, strict=True))]
    warm_qs = all_questions[2 * args.questions :]

    from service import create_app

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "INDEX_DIR": str(index_dir),
                "DOCS_DIR": str(workload.DOCS),
                "DATABASE": f"sqlite:///{Path(tmp) / 'bench.sqlite'}",
                "RATELIMIT_ANONYMOUS": "1000000/minute",
            }
        )
        engine = app.extensions["toolkit"]
        engine.warm_up()
        index = engine.index()
        client = app.test_client()

        from index import load_embedder

        torch_model = load_embedder("all-MiniLM-L6-v2:torch")
        import torch

        torch_threads = torch.get_num_threads()

        def search(q: str) -> None:
            r = client.post("/api/v1/search", json={"query": q})
            assert r.status_code == 200, r.get_data(as_text=True)

        def ask(q: str) -> None:
            r = client.post("/api/v1/ask", json={"question": q})
            assert r.status_code == 200, r.get_data(as_text=True)

        def torch_encode(q: str) -> None:
            torch_model.encode([q])

        # warm up each path (allocations, lazy imports, the database's schema) on other questions
        for q in warm_qs[:20]:
            torch_encode(q)
            search(q)
        for q in warm_qs[20:]:
            ask(q)

        times: dict[str, list[float]] = {"torch": [], "search": [], "ask": []}
        fns = {"torch": torch_encode, "search": search, "ask": ask}
        inputs = {"torch": torch_qs, "search": search_qs, "ask": ask_qs}
        size = -(-args.questions // args.rounds)
        order = list(fns)
        for r in range(args.rounds):
            for name in order[r % 3 :] + order[: r % 3]:  # rotate who goes first
                block = inputs[name][r * size : (r + 1) * size]
                times[name] += timed(fns[name], block)

        # for information: cache hits, the ranking alone, the bare encoder, the log insert
        hits_search = timed(search, search_qs[:100])
        hits_ask = timed(ask, ask_qs[:100])
        ranking = timed(lambda q: index.search(q, k=5), search_qs[:100])
        fresh = all_questions[-1:] + [f"{q} (bare)" for q in search_qs[:100]]
        onnx = timed(lambda q: index.embedder.encode([q]), fresh)
        storage = app.extensions["toolkit_storage"]
        log_insert = timed(
            lambda q: storage.log_query(
                query_id=uuid.uuid4().hex,
                question=q,
                answered=True,
                crisis=False,
                top_document="x.pdf",
                top_page=1,
                latency_ms=1.0,
                partner=None,
            ),
            search_qs[:100],
        )
        onnx_threads = getattr(index.embedder, "threads", None)
        quality = retrieval_quality(index.embedder, torch_model)

    torch_p50 = statistics.median(times["torch"])
    rows = [
        ("torch encode (reference)", times["torch"], f"sentence-transformers, {torch_threads} thr"),
        ("POST /api/v1/search", times["search"], "new question: encode + rank + JSON"),
        ("POST /api/v1/ask", times["ask"], "+ crisis check, answer, SQLite log"),
        ("/search, cache hit", hits_search, "same questions again"),
        ("/ask, cache hit", hits_ask, "same questions again"),
        ("ranking alone", ranking, "Index.search, vector cached"),
        ("bare ONNX encode", onnx, f"the service's encoder, {onnx_threads or 'default'} thr"),
        ("query-log insert", log_insert, "Storage.log_query, SQLite on disk"),
    ]
    lines = [
        f"index of docs_src: {len(index.chunks)} chunks; {args.questions} distinct questions "
        f"per endpoint, {args.rounds} interleaved rounds; {os.cpu_count()} CPUs",
        "",
        f"{'':<26}{'n':>5}{'p50 ms':>9}{'p99 ms':>9}{'p50/torch':>11}  what",
    ]
    for name, values, what in rows:
        p50, p99 = summary(values)
        lines.append(
            f"{name:<26}{len(values):>5}{p50:>9.2f}{p99:>9.2f}{p50 / torch_p50:>11.2f}  {what}"
        )
    lines += [
        "",
        f"{'retrieval quality':<26}{'recall@5':>10}{'torch':>8}{'MRR@10':>9}{'torch':>8}",
    ]
    for name, ours, ref in quality:
        lines.append(
            f"{name:<26}{ours['r5']:>10.3f}{ref['r5']:>8.3f}{ours['mrr']:>9.3f}{ref['mrr']:>8.3f}"
        )
    worst = max(
        max(abs(ours["r5"] - ref["r5"]), abs(ours["mrr"] - ref["mrr"])) for _, ours, ref in quality
    )
    search_p50, ask_p50 = statistics.median(times["search"]), statistics.median(times["ask"])
    checks = [
        (
            f"/search p50 <= {SEARCH_TARGET} x torch encode p50",
            search_p50 <= SEARCH_TARGET * torch_p50,
            f"{search_p50:.2f} ms vs {SEARCH_TARGET * torch_p50:.2f} ms: "
            f"{search_p50 / torch_p50:.2f}x",
        ),
        (
            f"/ask p50 <= {ASK_TARGET} x torch encode p50",
            ask_p50 <= ASK_TARGET * torch_p50,
            f"{ask_p50:.2f} ms vs {ASK_TARGET * torch_p50:.2f} ms: {ask_p50 / torch_p50:.2f}x",
        ),
        (
            "retrieval quality within 0.01 of torch (recall@5, MRR@10, both QA sets)",
            worst <= 0.01,
            f"largest difference {worst:.4f}",
        ),
    ]
    workload.finish(
        lines,
        checks,
        f"load average (1 min) before {load_before:.1f}, after {os.getloadavg()[0]:.1f}; "
        f"total {time.perf_counter() - started:.0f} s",
    )


if __name__ == "__main__":
    main()
