"""Build-speed benchmark: index a corpus from scratch and again unchanged, beside raw encode.

    .venv/bin/python bench/build_speed.py [--src ../shared/corpora/external] [--model NAME]

Prints seconds for both builds, pages/s of extraction, chunks/s of embedding within the build,
and the same model's bare `encode` throughput on the same chunk texts, measured in the same run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import configured  # noqa: E402

from index import build  # noqa: E402
from index.builder import embedding_text  # noqa: E402
from index.store import read_index  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--src", default=str(ROOT.parent / "shared" / "corpora" / "external"))
    p.add_argument("--model", default=None)
    args = p.parse_args()

    t0 = time.perf_counter()
    embedder = configured.embedder(args.model)
    load_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "index"
        first = build(Path(args.src), out, embedder, progress=False)
        again = build(Path(args.src), out, embedder, progress=False)
        texts = [embedding_text(c) for c in read_index(out).chunks]
    t0 = time.perf_counter()
    for i in range(0, len(texts), 32):
        embedder.encode(texts[i : i + 32], batch_size=32)
    raw_s = time.perf_counter() - t0

    other = first.seconds - first.extract_seconds - first.embed_seconds
    rows = [
        f"corpus: {args.src}",
        f"model: {embedder.name} (loaded in {load_s:.1f} s)",
        f"documents {first.documents}, pages {first.pages}, chunks {first.chunks}",
        f"build from scratch:     {first.seconds:7.1f} s",
        f"  extraction+chunking:  {first.extract_seconds:7.1f} s  "
        f"({first.pages / first.extract_seconds:.0f} pages/s)",
        f"  embedding:            {first.embed_seconds:7.1f} s  "
        f"({first.embedded_chunks / max(first.embed_seconds, 1e-9):.1f} chunks/s)",
        f"  other (write, etc.):  {other:7.1f} s",
        f"rebuild unchanged:      {again.seconds:7.1f} s  "
        f"({again.reused_documents} documents reused, {again.embedded_chunks} embedded)",
        f"bare encode, same chunks: {raw_s:5.1f} s  ({len(texts) / raw_s:.1f} chunks/s)",
        f"build / bare encode:    {first.seconds / raw_s:7.2f}x",
    ]
    print("\n".join(rows))


if __name__ == "__main__":
    main()
