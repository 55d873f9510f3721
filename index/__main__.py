"""Command line: `python -m index build|search|eval|stats` (see the README for examples).

An entry point: it reads the TOOLKIT_* variables and passes them to the library as parameters.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from .builder import build
from .chunk import ChunkParams
from .embed import Embedder, load_embedder
from .errors import IndexLibraryError, NothingIndexedError
from .eval import evaluate, format_result, load_qa
from .search import DEFAULT_SEARCH_MODE, SEARCH_MODES, Index, citation
from .store import read_manifest


def _index_dir(args: argparse.Namespace) -> Path:
    return Path(args.index or os.environ.get("TOOLKIT_INDEX_DIR") or "instance/index")


def _docs_dir(args: argparse.Namespace) -> Path:
    return Path(args.src or os.environ.get("TOOLKIT_DOCS_DIR") or "docs_src")


def _env_int(variable: str) -> int | None:
    value = os.environ.get(variable, "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{variable} must be a whole number, not {value!r}") from None


def _embedder(args: argparse.Namespace) -> Embedder:
    """The configured model; its ONNX export is made here on first use (a development
    convenience: it needs the `export` extra; a serving install copies the cache instead)."""
    return load_embedder(
        args.model or os.environ.get("TOOLKIT_MODEL") or None,
        encoder=os.environ.get("TOOLKIT_ENCODER") or None,
        threads=_env_int("TOOLKIT_ENCODER_THREADS"),
        cache=os.environ.get("TOOLKIT_MODEL_CACHE") or None,
        export=True,
    )


def _file_url(index: Index, filename: str, page: int) -> str:
    docs = Path(index.manifest.get("source_dir") or os.environ.get("TOOLKIT_DOCS_DIR", "docs_src"))
    return f"{(docs / filename).absolute().as_uri()}#page={page}"


def cmd_build(args: argparse.Namespace) -> int:
    out = Path(args.out) if args.out else _index_dir(args)
    embedder = _embedder(args)
    params = ChunkParams(max_tokens=args.max_tokens, overlap_tokens=args.overlap_tokens)
    progress = False if args.no_progress else None
    try:
        report = build(_docs_dir(args), out, embedder, params, force=args.force, progress=progress)
    except NothingIndexedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    index = Index.open(_index_dir(args), _embedder(args))
    hits = index.search(args.question, k=args.k, mode=args.mode)
    if args.json:
        results = [
            citation(h, n, _file_url(index, h.document.filename, h.chunk.page_start))
            for n, h in enumerate(hits, start=1)
        ]
        print(json.dumps({"results": results}, ensure_ascii=False, indent=2))
        return 0
    if not hits:
        print("no results")
    for n, hit in enumerate(hits, start=1):
        c = hit.chunk
        pages = (
            f"p. {c.page_start}"
            if c.page_start == c.page_end
            else f"pp. {c.page_start}–{c.page_end}"
        )
        label = f" (printed {c.page_label})" if c.page_label else ""
        print(f"[{n}] {hit.score:.3f}  {hit.document.title} — {pages}{label}")
        if c.section:
            print(f"    section: {c.section}")
        print(f"    {c.text}\n")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    index = Index.open(_index_dir(args), _embedder(args))
    result = evaluate(index, load_qa(Path(args.qa)), k=10, mode=args.mode)
    print(json.dumps(result.to_dict(), indent=2) if args.json else format_result(result))
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    manifest = read_manifest(_index_dir(args))
    if args.json:
        print(json.dumps(manifest, indent=2, ensure_ascii=False))
        return 0
    model = manifest["model"]
    print(f"index {_index_dir(args)} built {manifest['built_at']}")
    print(f"model {model['name']} ({model['dimension']} dims, fingerprint {model['fingerprint']})")
    encoder = manifest.get("encoder") or {}
    print("encoder " + (", ".join(f"{k} {v}" for k, v in encoder.items()) or "not recorded"))
    print(f"chunking {manifest['chunking']}; {manifest['chunks']} chunks")
    for doc in manifest["documents"]:
        print(f"  {doc['filename']}: {doc['pages']} pages, {doc['chunks']} chunks — {doc['title']}")
    for skipped in manifest.get("skipped", []):
        print(f"  skipped {skipped['filename']}: {skipped['reason']}")
    return 0


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--index", help="index folder (default: $TOOLKIT_INDEX_DIR or instance/index)"
    )
    common.add_argument(
        "--model", help="embedding model (default: $TOOLKIT_MODEL or all-MiniLM-L6-v2)"
    )
    p = argparse.ArgumentParser(prog="python -m index", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", parents=[common], help="build the index from a folder of PDFs")
    b.add_argument("--src", help="folder of PDFs (default: $TOOLKIT_DOCS_DIR or docs_src)")
    b.add_argument("--out", help="index folder to write (default: the --index folder)")
    b.add_argument(
        "--force",
        action="store_true",
        help="re-embed everything, even with a new model",
    )
    b.add_argument("--no-progress", action="store_true", help="plain log lines, no progress bar")
    b.add_argument("--max-tokens", type=int, default=ChunkParams.max_tokens)
    b.add_argument("--overlap-tokens", type=int, default=ChunkParams.overlap_tokens)
    b.set_defaults(func=cmd_build, src=None)

    s = sub.add_parser("search", parents=[common], help="print the passages that best match")
    s.add_argument("question")
    s.add_argument("--k", type=int, default=5, choices=range(1, 51), metavar="1..50")
    s.add_argument("--json", action="store_true", help='print {"results": [Citation...]}')
    s.add_argument(
        "--mode",
        choices=SEARCH_MODES,
        default=DEFAULT_SEARCH_MODE,
        help=f"search mode (default {DEFAULT_SEARCH_MODE})",
    )
    s.set_defaults(func=cmd_search, src=None)

    e = sub.add_parser("eval", parents=[common], help="recall and MRR on a QA set (JSON lines)")
    e.add_argument("qa")
    e.add_argument(
        "--mode",
        choices=SEARCH_MODES,
        default=DEFAULT_SEARCH_MODE,
        help=f"search mode (default {DEFAULT_SEARCH_MODE})",
    )
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=cmd_eval, src=None)

    st = sub.add_parser("stats", parents=[common], help="describe the index")
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=cmd_stats, src=None)
    return p


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the bundled weights are local: no hub
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except (IndexLibraryError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
