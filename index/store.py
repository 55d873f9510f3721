"""The index on disk: FAISS vectors, chunk metadata and a manifest, written atomically.

This is the only module that imports faiss. A build writes a complete new folder beside the
target and swaps it in with renames, so readers see either the old index or the new one.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from .chunk import Chunk
from .errors import IndexCorruptError, IndexNotFoundError

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
VECTORS = "vectors.faiss"


@dataclass
class StoredIndex:
    """What a build wrote: manifest, chunks in vector order, and the FAISS index."""

    path: Path
    manifest: dict
    chunks: list[Chunk]
    vectors: faiss.Index

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Inner-product search: (scores, positions), positions -1 where fewer than k exist."""
        k = max(1, min(k, self.vectors.ntotal))
        return self.vectors.search(np.ascontiguousarray(queries, dtype=np.float32), k)

    def reconstruct(self, positions: list[int]) -> np.ndarray:
        if not positions:
            return np.zeros((0, self.vectors.d), dtype=np.float32)
        return np.vstack([self.vectors.reconstruct(int(p)) for p in positions])


def set_threads(n: int) -> None:
    """FAISS's OpenMP thread count (one per worker process avoids oversubscription)."""
    faiss.omp_set_num_threads(max(1, n))


def read_manifest(path: Path) -> dict:
    file = Path(path) / MANIFEST
    if not file.is_file():
        raise IndexNotFoundError(
            f"no index at {path}: build one with `python -m index build --out {path}`"
        )
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"the index manifest {file} cannot be read: {exc}") from exc
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexCorruptError(
            f"the index at {path} has format version {manifest.get('format_version')!r}, "
            f"this software reads version {FORMAT_VERSION}: rebuild it with `python -m index build`"
        )
    return manifest


def read_index(path: Path) -> StoredIndex:
    path = Path(path)
    manifest = read_manifest(path)
    try:
        with (path / CHUNKS).open(encoding="utf-8") as fh:
            chunks = [Chunk.from_dict(json.loads(line)) for line in fh if line.strip()]
        vectors = faiss.read_index(str(path / VECTORS))
    except (OSError, ValueError, TypeError, RuntimeError) as exc:
        raise IndexCorruptError(f"the index at {path} cannot be read: {exc}") from exc
    if vectors.ntotal != len(chunks) or len(chunks) != manifest.get("chunks"):
        raise IndexCorruptError(
            f"the index at {path} is inconsistent ({vectors.ntotal} vectors, {len(chunks)} "
            f"chunks, manifest says {manifest.get('chunks')}): rebuild it"
        )
    return StoredIndex(path=path, manifest=manifest, chunks=chunks, vectors=vectors)


def write_index(out: Path, manifest: dict, chunks: list[Chunk], vectors: np.ndarray) -> Path:
    """Write a complete index into a temporary folder, then swap it in place of `out`."""
    out = Path(out).absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        flat = faiss.IndexFlatIP(int(manifest["model"]["dimension"]))
        if len(vectors):
            flat.add(np.ascontiguousarray(vectors, dtype=np.float32))
        faiss.write_index(flat, str(tmp / VECTORS))
        with (tmp / CHUNKS).open("w", encoding="utf-8") as fh:
            for chunk in chunks:
                fh.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
        manifest = {**manifest, "format_version": FORMAT_VERSION, "chunks": len(chunks)}
        # The manifest is written last: a folder without one is never taken for an index.
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        for file in tmp.iterdir():
            with file.open("rb") as fh:
                os.fsync(fh.fileno())
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _swap(new: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.rmdir(old)
        os.rename(out, old)
    os.rename(new, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
