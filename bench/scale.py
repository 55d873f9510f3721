"""Scale benchmark: how search latency and index memory grow with the corpus, and when an
approximate FAISS index (HNSW, IVF) should replace the exact flat one.

    .venv/bin/python bench/scale.py [--cache DIR] [--factors 1,10,100] [--queries 60]

The bundled documents' index (built with the real model into the retrieval benchmark's cache,
incrementally) is replicated 1x, 10x and 100x without re-embedding: every copy of a chunk or
sentence vector gets a small random perturbation (cosine with the original about 0.95, so the
copies are near, but not exact, duplicates) and the BM25 index is rebuilt over the replicated
texts. Each size is measured in a fresh subprocess (one FAISS thread, as a worker runs):

- memory: the process's resident memory added by `Index.open`, and the bytes of its parts;
- latency: `Index.search(question, k=5)` over the bundled QA questions with their vectors
  cached (the ranking alone; the query's encoding costs the same at any size and is shown once);
- FAISS alone: the time of the dense top-100 candidate search with the exact flat index, HNSW
  (M=32) and IVF (sqrt(n) x 4 lists), their recall@10 against the exact one, and the
  `Index.search` top-5 agreement when each of them finds the dense candidates.
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
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index import Index, build, load_embedder  # noqa: E402
from index.builder import keyword_text  # noqa: E402
from index.chunk import Chunk  # noqa: E402
from index.eval import load_qa  # noqa: E402
from index.keyword import KeywordIndex  # noqa: E402
from index.store import SentenceVectors, read_index, set_threads, write_index  # noqa: E402

COSINE = 0.95  # a copy's cosine with its original vector
DEPTH = 100  # the dense candidates a search asks FAISS for (RankParams.candidates)


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def perturb(vectors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    sigma = np.sqrt((1 / COSINE**2 - 1) / vectors.shape[1])
    noisy = vectors + rng.normal(0, sigma, vectors.shape).astype(np.float32)
    return (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)


def replicate(src: Path, out: Path, factor: int, seed: int = 0) -> None:
    """Write an index holding `factor` perturbed copies of the index at `src`."""
    stored = read_index(src)
    rng = np.random.default_rng(seed)
    vectors = stored.matrix()
    chunks: list[Chunk] = []
    chunk_vectors, sentence_vectors, rows = [], [], []
    documents = []
    for copy in range(factor):
        suffix = "" if copy == 0 else f"-copy{copy}"
        for d in stored.manifest["documents"]:
            documents.append({**d, "id": d["id"] + suffix})
        for c in stored.chunks:
            data = c.to_dict()
            chunks.append(
                Chunk.from_dict(
                    {**data, "id": c.id + suffix, "document_id": c.document_id + suffix}
                )
            )
        keep = copy == 0
        chunk_vectors.append(vectors if keep else perturb(vectors, rng))
        sentences = stored.sentences.vectors
        sentence_vectors.append(sentences if keep else perturb(sentences, rng))
        rows.append(stored.sentences.rows + copy * len(sentences))
    table = SentenceVectors.from_rows(
        np.vstack(sentence_vectors), np.concatenate(rows), [len(c.sentences) for c in chunks]
    )
    keyword = KeywordIndex.build([keyword_text(c) for c in chunks])
    manifest = {k: v for k, v in stored.manifest.items() if k not in ("files",)}
    manifest["documents"] = documents
    write_index(out, manifest, chunks, np.vstack(chunk_vectors), keyword, table)


def _faiss_index(kind: str, vectors: np.ndarray):
    import faiss

    d = vectors.shape[1]
    if kind == "flat":
        index = faiss.IndexFlatIP(d)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(d, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 128  # at least the candidates asked for
    else:
        nlist = max(1, int(4 * np.sqrt(len(vectors))))
        quantizer = faiss.IndexFlatIP(d)
        index = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_INNER_PRODUCT)
        index.train(vectors)
        index.nprobe = max(1, nlist // 8)
    started = time.perf_counter()
    index.add(vectors)
    if kind == "ivf":
        index.make_direct_map()  # reconstruct() for the candidates' vectors
    return index, time.perf_counter() - started


def measure(path: Path, model: str | None, queries: int) -> dict:
    """Open one replicated index and measure it (run in a subprocess of its own)."""
    set_threads(1)
    embedder = load_embedder(model, threads=1)
    questions = [e.question for e in load_qa(ROOT / "tests" / "data" / "qa.jsonl")][:queries]
    vectors = embedder.encode(questions)
    import gc

    gc.collect()
    before = rss_mib()
    index = Index.open(path, embedder)
    gc.collect()
    opened = rss_mib() - before
    stored = index._stored
    parts = {
        "chunk vectors (FAISS)": stored.vectors.ntotal * stored.vectors.d * 4,
        "sentence vectors": stored.sentences.vectors.nbytes,
        "BM25 (files)": sum(f.stat().st_size for f in Path(path).glob("bm25.*")),
        "chunks.jsonl": (Path(path) / "chunks.jsonl").stat().st_size,
    }
    for q, v in zip(questions, vectors, strict=True):
        index._cache[q] = np.asarray(v, dtype=np.float32)
    for q in questions[:5]:
        index.search(q, k=5)  # lazy imports, first-touch pages
    timings = []
    exact_hits = []
    for q in questions:
        started = time.perf_counter()
        hits = index.search(q, k=5)
        timings.append((time.perf_counter() - started) * 1000)
        exact_hits.append([h.chunk.id for h in hits])
    index.clear_cache()
    started = time.perf_counter()
    index.search(questions[0], k=5)
    cold = (time.perf_counter() - started) * 1000

    matrix = stored.matrix()
    query_matrix = np.ascontiguousarray(vectors, dtype=np.float32)
    flat_ids = None
    kinds = {}
    original = stored.vectors
    for kind in ("flat", "hnsw", "ivf"):
        faiss_index, add_s = _faiss_index(kind, matrix)
        per_query = []
        ids_all = []
        for row in query_matrix:
            started = time.perf_counter()
            _, ids = faiss_index.search(row[None, :], DEPTH)
            per_query.append((time.perf_counter() - started) * 1000)
            ids_all.append(ids[0])
        ids_all = np.array(ids_all)
        if kind == "flat":
            flat_ids = ids_all
        recall10 = float(
            np.mean(
                [
                    len(set(a[:10]) & set(b[:10])) / 10
                    for a, b in zip(ids_all, flat_ids, strict=True)
                ]
            )
        )
        recall100 = float(
            np.mean([len(set(a) & set(b)) / DEPTH for a, b in zip(ids_all, flat_ids, strict=True)])
        )
        stored.vectors = faiss_index
        for q, v in zip(questions, vectors, strict=True):
            index._cache[q] = np.asarray(v, dtype=np.float32)
        agree, search_ms = [], []
        for q, expected in zip(questions, exact_hits, strict=True):
            started = time.perf_counter()
            got = [h.chunk.id for h in index.search(q, k=5)]
            search_ms.append((time.perf_counter() - started) * 1000)
            agree.append(len(set(got) & set(expected)) / max(1, len(expected)))
        stored.vectors = original
        kinds[kind] = {
            "build_s": add_s,
            "faiss_p50_ms": statistics.median(per_query),
            "recall@10": recall10,
            "recall@100": recall100,
            "search_p50_ms": statistics.median(search_ms),
            "top5_agreement": float(np.mean(agree)),
        }
        del faiss_index
    return {
        "chunks": len(index.chunks),
        "sentences": len(stored.sentences.vectors),
        "open_mib": opened,
        "parts_mib": {k: v / 2**20 for k, v in parts.items()},
        "search_p50_ms": statistics.median(timings),
        "search_p95_ms": float(np.percentile(timings, 95)),
        "cold_ms": cold,
        "faiss": kinds,
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    default_cache = os.environ.get("TOOLKIT_BENCH_DIR") or str(
        Path(tempfile.gettempdir()) / "toolkit-bench-retrieval"
    )
    p.add_argument("--cache", default=default_cache)
    p.add_argument("--model", default=None)
    p.add_argument("--factors", default="1,10,100")
    p.add_argument("--queries", type=int, default=60)
    p.add_argument("--measure", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure), args.model, args.queries)))
        return 0

    print("load average at the start: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    embedder = load_embedder(args.model)
    base = Path(args.cache) / embedder.fingerprint / "bundled"
    build(ROOT / "docs_src", base, embedder, progress=False)
    del embedder
    results = {}
    with tempfile.TemporaryDirectory(prefix="toolkit-bench-scale-") as tmp:
        for factor in (int(f) for f in args.factors.split(",")):
            out = Path(tmp) / f"x{factor}"
            started = time.perf_counter()
            replicate(base, out, factor)
            print(f"{factor}x: replicated in {time.perf_counter() - started:.1f} s", flush=True)
            cmd = [sys.executable, __file__, "--measure", str(out), "--queries", str(args.queries)]
            if args.model:
                cmd += ["--model", args.model]
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode:
                print(done.stderr, file=sys.stderr)
                return 1
            results[factor] = json.loads(done.stdout.strip().splitlines()[-1])
            r = results[factor]
            print(f"  {r['chunks']} chunks, {r['sentences']} sentence vectors", flush=True)
            shutil.rmtree(out)
    print()
    print(
        f"{'size':>5} {'chunks':>7} {'open MiB':>9} {'vectors':>8} {'sentences':>9} "
        f"{'BM25':>6} {'search p50':>10} {'p95':>6} {'cold':>6}"
    )
    for factor, r in results.items():
        m = r["parts_mib"]
        print(
            f"{factor:>4}x {r['chunks']:>7} {r['open_mib']:>9.1f} "
            f"{m['chunk vectors (FAISS)']:>8.1f} {m['sentence vectors']:>9.1f} "
            f"{m['BM25 (files)']:>6.1f} {r['search_p50_ms']:>8.2f}ms {r['search_p95_ms']:>6.2f} "
            f"{r['cold_ms']:>6.1f}"
        )
    print("  (MiB; search: Index.search k=5 with the query vector cached; cold: one search")
    print("   including the query's encoding)")
    print()
    print(
        f"{'size':>5} {'index':>5} {'add s':>6} {'FAISS top-100 p50':>18} {'recall@10':>9} "
        f"{'recall@100':>10} {'search p50':>10} {'top-5 same':>10}"
    )
    for factor, r in results.items():
        for kind, f in r["faiss"].items():
            print(
                f"{factor:>4}x {kind:>5} {f['build_s']:>6.2f} {f['faiss_p50_ms']:>16.3f}ms "
                f"{f['recall@10']:>9.3f} {f['recall@100']:>10.3f} {f['search_p50_ms']:>8.2f}ms "
                f"{f['top5_agreement']:>10.3f}"
            )
    print("load average at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
