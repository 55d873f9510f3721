"""The index on disk: FAISS vectors, chunk metadata, BM25, sentence vectors and a manifest.

This is the only module that imports faiss. A build writes a complete new folder beside the
target and swaps it in with renames, so readers see either the old index or the new one.

Files: `vectors.faiss` (one vector per chunk), `chunks.jsonl` (chunks in vector order),
`bm25.*` (the keyword index over the same chunks), `sentence_vectors.npy` (one vector per
distinct sentence text), `sentence_rows.npy` (for each sentence of each chunk, in chunk order,
its row in `sentence_vectors.npy`) and `manifest.json`, written last, which records every
other file's size and sha256: opening checks each file against it, so a corrupt or partial
index is refused with an IndexCorruptError naming the file before anything reads it.

Temporary folders carry the building process's id; a build killed before its swap leaves one
behind, and the next build removes those of processes no longer running.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from .chunk import Chunk
from .errors import IndexCorruptError, IndexNotFoundError
from .keyword import KeywordIndex

log = logging.getLogger(__name__)

FORMAT_VERSION = 3  # 3: the manifest records every file's size and sha256
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
VECTORS = "vectors.faiss"
SENTENCE_VECTORS = "sentence_vectors.npy"
SENTENCE_ROWS = "sentence_rows.npy"
STALE_AFTER_S = 24 * 3600  # a temp folder this old is stale even if its pid is in use again


@dataclass
class SentenceVectors:
    """Distinct sentence vectors and, per chunk, the rows of its sentences (in order)."""

    vectors: np.ndarray  # (distinct sentences, dimension) float32, L2-normalised
    rows: np.ndarray  # int32, every chunk's sentences concatenated in chunk order
    offsets: np.ndarray  # int64, len(chunks) + 1: chunk i's rows are rows[offsets[i]:offsets[i+1]]

    @classmethod
    def from_rows(cls, vectors: np.ndarray, rows: np.ndarray, counts: list[int]) -> SentenceVectors:
        offsets = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        return cls(np.asarray(vectors, dtype=np.float32), np.asarray(rows, dtype=np.int32), offsets)

    def of_chunk(self, position: int) -> np.ndarray:
        """The vectors of one chunk's sentences, in the order of `chunk.sentences`."""
        return self.vectors[self.rows[self.offsets[position] : self.offsets[position + 1]]]


@dataclass
class StoredIndex:
    """What a build wrote: manifest, chunks in vector order, FAISS, BM25 and sentence vectors."""

    path: Path
    manifest: dict
    chunks: list[Chunk]
    vectors: faiss.Index
    keyword: KeywordIndex
    sentences: SentenceVectors

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Inner-product search: (scores, positions), positions -1 where fewer than k exist."""
        k = max(1, min(k, self.vectors.ntotal))
        return self.vectors.search(np.ascontiguousarray(queries, dtype=np.float32), k)

    def reconstruct(self, positions) -> np.ndarray:
        """The stored vectors of some chunks, in the order of `positions`."""
        positions = np.asarray(positions, dtype=np.int64)
        if not len(positions):
            return np.zeros((0, self.vectors.d), dtype=np.float32)
        return self.vectors.reconstruct_batch(positions)

    def matrix(self) -> np.ndarray:
        """Every chunk vector as one (chunks, dimension) array, for exact scoring in numpy."""
        if not self.vectors.ntotal:
            return np.zeros((0, self.vectors.d), dtype=np.float32)
        return self.vectors.reconstruct_n(0, self.vectors.ntotal)


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


def file_record(file: Path) -> dict:
    """What the manifest records about one index file."""
    with file.open("rb") as fh:
        return {
            "size": file.stat().st_size,
            "sha256": hashlib.file_digest(fh, "sha256").hexdigest(),
        }


def verify_files(path: Path, manifest: dict) -> None:
    """Check every file the manifest lists against its recorded size and sha256."""
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise IndexCorruptError(f"the index manifest at {path} lists no files: rebuild it")
    required = {CHUNKS, VECTORS, SENTENCE_VECTORS, SENTENCE_ROWS}
    for name in sorted(required - set(files)):
        raise IndexCorruptError(f"the index manifest at {path} does not list {name}: rebuild it")
    for name, expected in sorted(files.items()):
        file = path / name
        if Path(name).name != name or not isinstance(expected, dict):
            raise IndexCorruptError(f"the index manifest at {path} lists a bad file {name!r}")
        try:
            size = file.stat().st_size
            if size != expected.get("size"):
                raise IndexCorruptError(
                    f"the index file {file} is {size} bytes, the manifest says "
                    f"{expected.get('size')}: the index is corrupt or partial, rebuild it"
                )
            actual = file_record(file)["sha256"]
        except FileNotFoundError:
            raise IndexCorruptError(f"the index file {file} is missing: rebuild it") from None
        except OSError as exc:
            raise IndexCorruptError(f"the index file {file} cannot be read: {exc}") from exc
        if actual != expected.get("sha256"):
            raise IndexCorruptError(
                f"the index file {file} does not match its sha256 in the manifest: the index "
                "is corrupt, rebuild it"
            )


def read_index(path: Path) -> StoredIndex:
    """Open an index folder, every file checked against the manifest first."""
    path = Path(path)
    manifest = read_manifest(path)
    verify_files(path, manifest)
    try:
        with (path / CHUNKS).open(encoding="utf-8") as fh:
            chunks = [Chunk.from_dict(json.loads(line)) for line in fh if line.strip()]
        vectors = faiss.read_index(str(path / VECTORS))
        keyword = KeywordIndex.load(path)
        sentences = SentenceVectors.from_rows(
            np.load(path / SENTENCE_VECTORS, allow_pickle=False),
            np.load(path / SENTENCE_ROWS, allow_pickle=False),
            [len(c.sentences) for c in chunks],
        )
    except Exception as exc:  # whatever a damaged file makes a parser raise
        raise IndexCorruptError(f"the index at {path} cannot be read: {exc}") from exc
    n = len(chunks)
    rows = sentences.rows
    if (
        vectors.ntotal != n
        or n != manifest.get("chunks")
        or keyword.documents != n
        or len(rows) != sentences.offsets[-1]
        or (len(rows) and (rows.min() < 0 or rows.max() >= len(sentences.vectors)))
        or (len(sentences.vectors) and sentences.vectors.shape[1] != vectors.d)
    ):
        raise IndexCorruptError(
            f"the index at {path} is inconsistent ({vectors.ntotal} vectors, {n} chunks, "
            f"{keyword.documents} keyword entries, {len(rows)} sentence rows for "
            f"{sentences.offsets[-1]} sentences, manifest says {manifest.get('chunks')} "
            "chunks): rebuild it"
        )
    return StoredIndex(path, manifest, chunks, vectors, keyword, sentences)


def write_index(
    out: Path,
    manifest: dict,
    chunks: list[Chunk],
    vectors: np.ndarray,
    keyword: KeywordIndex,
    sentences: SentenceVectors,
) -> Path:
    """Write a complete index into a temporary folder, then swap it in place of `out`."""
    out = Path(out).absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-{os.getpid()}-", dir=out.parent))
    try:
        flat = faiss.IndexFlatIP(int(manifest["model"]["dimension"]))
        if len(vectors):
            flat.add(np.ascontiguousarray(vectors, dtype=np.float32))
        faiss.write_index(flat, str(tmp / VECTORS))
        with (tmp / CHUNKS).open("w", encoding="utf-8") as fh:
            for chunk in chunks:
                fh.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
        keyword.save(tmp)
        np.save(tmp / SENTENCE_VECTORS, sentences.vectors.astype(np.float32), allow_pickle=False)
        np.save(tmp / SENTENCE_ROWS, sentences.rows.astype(np.int32), allow_pickle=False)
        for file in tmp.iterdir():
            with file.open("rb") as fh:
                os.fsync(fh.fileno())
        manifest = {
            **manifest,
            "format_version": FORMAT_VERSION,
            "files": {f.name: file_record(f) for f in sorted(tmp.iterdir())},
            "chunks": len(chunks),
            "keyword": keyword.describe(),
            "sentences": {
                "total": len(sentences.rows),
                "distinct": len(sentences.vectors),
            },
        }
        # The manifest is written last: a folder without one is never taken for an index.
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        with (tmp / MANIFEST).open("rb") as fh:
            os.fsync(fh.fileno())
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_stale(out: Path) -> list[Path]:
    """Remove the temporary folders that builds of `out` left behind when they were killed:
    those whose process is gone, or older than STALE_AFTER_S (its pid may be reused)."""
    out = Path(out).absolute()
    pattern = re.compile(rf"^\.{re.escape(out.name)}\.(?:tmp|old)-(?:(\d+)-)?[^/]*$")
    removed = []
    if not out.parent.is_dir():
        return removed
    for folder in out.parent.iterdir():
        m = pattern.match(folder.name)
        if not m or not folder.is_dir() or folder.is_symlink():
            continue
        try:
            age = time.time() - folder.stat().st_mtime
        except FileNotFoundError:
            continue
        pid = int(m.group(1)) if m.group(1) else None
        # a folder named without a pid comes from an older version: stale after an hour
        dead = (pid is None and age > 3600) or (pid is not None and not _alive(pid))
        if dead or age > STALE_AFTER_S:
            shutil.rmtree(folder, ignore_errors=True)
            log.info("removed %s, left by a build that did not finish", folder)
            removed.append(folder)
    return removed


def _swap(new: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-{os.getpid()}-", dir=out.parent))
        os.rmdir(old)
        os.rename(out, old)
    os.rename(new, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
