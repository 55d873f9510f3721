"""Index build time beside the encoder's own time on the same texts, both corpora, one run.

    .venv/bin/python bench/build_time.py [--corpus docs_src external] [--model NAME]

For each corpus (the bundled docs_src/ and ../shared/corpora/external/): a build from scratch
into a temp folder with the encoder `python -m index build` uses (default: ONNX Runtime, its
default threads), and, in the same process, the same encoder's bare `encode` on exactly the
texts that build embeds: every chunk (as embedded: heading + text) and every distinct sentence,
all handed to `encode` at once (it sorts them by length, so batches pad little: the encoder at
its best), timed before and after the build (the reference is the mean). For information, the
bare encode in the build's own order and batches of 32.

Target (PASS/FAIL): build time <= 1.25 x the encoder's own time (all at once) on the same
chunks and sentences. Bounded: about 5 minutes on 2 cores for both corpora.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import configured
import workload

from index import build
from index.builder import embedding_text
from index.store import read_index

TARGET = 1.25
CORPORA = {"docs_src": workload.DOCS, "external": workload.EXTERNAL}


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def in_batches(embedder, texts: list[str], size: int = 32) -> None:
    for i in range(0, len(texts), size):
        embedder.encode(texts[i : i + size], batch_size=size)


def measure(name: str, src: Path, embedder) -> dict:
    """Bare encode, build, bare encode again: the reference is the mean of the two, so that a
    change in the machine's other load during the run weighs on both sides alike."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "index"
        build(src, out, embedder, progress=False)  # only to know the texts: not timed
        stored = read_index(out)
    chunks = [embedding_text(c) for c in stored.chunks]
    sentences = list(dict.fromkeys(s for c in stored.chunks for s in c.sentences))
    by_length = sorted(sentences, key=len)  # the build's order for sentences
    before = (
        timed(lambda: embedder.encode(chunks, batch_size=32)),
        timed(lambda: embedder.encode(sentences, batch_size=32)),
    )
    with tempfile.TemporaryDirectory() as tmp:
        report = build(src, Path(tmp) / "index", embedder, progress=False)
    after = (
        timed(lambda: embedder.encode(chunks, batch_size=32)),
        timed(lambda: embedder.encode(sentences, batch_size=32)),
    )
    return {
        "name": name,
        "report": report,
        "chunks": len(chunks),
        "sentences": len(sentences),
        "bare_chunks": (before[0] + after[0]) / 2,
        "bare_sentences": (before[1] + after[1]) / 2,
        "bare_before": sum(before),
        "bare_after": sum(after),
        "batched": timed(lambda: (in_batches(embedder, chunks), in_batches(embedder, by_length))),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--corpus", nargs="+", choices=sorted(CORPORA), default=list(CORPORA))
    p.add_argument("--model", default=None, help="default: $TOOLKIT_MODEL or all-MiniLM-L6-v2")
    args = p.parse_args()
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    embedder = configured.embedder(args.model)
    load_s = time.perf_counter() - t0
    threads = getattr(embedder, "threads", None)
    embedder.encode(["warm up"] * 4)
    results = [measure(name, CORPORA[name], embedder) for name in args.corpus]

    lines = [
        f"encoder: {embedder.name} ({type(embedder).__name__}, "
        f"{threads or 'default'} threads; loaded in {load_s:.1f} s); {os.cpu_count()} CPUs",
        "",
        f"{'seconds':<38}" + "".join(f"{r['name']:>12}" for r in results),
    ]

    def row(label: str, cell) -> None:
        lines.append(f"{label:<38}" + "".join(f"{cell(r):>12}" for r in results))

    def secs(value: float) -> str:
        return f"{value:.1f}"

    row("documents / pages", lambda r: f"{r['report'].documents}/{r['report'].pages}")
    row("chunks / distinct sentences", lambda r: f"{r['chunks']}/{r['sentences']}")
    row("build from scratch", lambda r: secs(r["report"].seconds))
    row("  reading PDFs, cleaning, chunking", lambda r: secs(r["report"].extract_seconds))
    row("  embedding chunks", lambda r: secs(r["report"].embed_seconds))
    row("  embedding sentences", lambda r: secs(r["report"].sentence_seconds))
    row("  BM25", lambda r: secs(r["report"].keyword_seconds))
    row(
        "  the rest (writing, ...)",
        lambda r: secs(
            r["report"].seconds
            - r["report"].extract_seconds
            - r["report"].embed_seconds
            - r["report"].sentence_seconds
            - r["report"].keyword_seconds
        ),
    )
    row("bare encode, chunks (all at once)", lambda r: secs(r["bare_chunks"]))
    row("bare encode, sentences (all at once)", lambda r: secs(r["bare_sentences"]))
    row("bare encode, both = reference", lambda r: secs(r["bare_chunks"] + r["bare_sentences"]))
    row(
        "  (before / after the build)",
        lambda r: f"{r['bare_before']:.1f}/{r['bare_after']:.1f}",
    )
    row("bare encode as the build batches", lambda r: secs(r["batched"]))
    row(
        "chunks/s, sentences/s (bare)",
        lambda r: (
            f"{r['chunks'] / r['bare_chunks']:.0f}, {r['sentences'] / r['bare_sentences']:.0f}"
        ),
    )
    row(
        "build / reference",
        lambda r: f"{r['report'].seconds / (r['bare_chunks'] + r['bare_sentences']):.2f}x",
    )
    lines.append("")
    ok_all = True
    for r in results:
        ratio = r["report"].seconds / (r["bare_chunks"] + r["bare_sentences"])
        ok = ratio <= TARGET
        ok_all &= ok
        lines.append(
            f"{'PASS' if ok else 'FAIL'}  {r['name']}: build <= {TARGET} x the encoder's own time "
            f"({r['report'].seconds:.1f} s vs {r['bare_chunks'] + r['bare_sentences']:.1f} s: "
            f"{ratio:.2f}x)"
        )
    lines.append(
        f"load average (1 min) before {load_before:.1f}, after {os.getloadavg()[0]:.1f}; "
        f"total {time.perf_counter() - started:.0f} s"
    )
    print("\n".join(lines))
    sys.exit(0 if ok_all else 1)


if __name__ == "__main__":
    main()
