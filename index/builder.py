"""Build an index from a folder of PDFs: extract, clean, chunk, embed, store.

Besides one vector per chunk, a build embeds every distinct sentence of the chunks (overlapping
chunks repeat sentences; each text is encoded once) for sentence-level scoring at query time,
and builds a BM25 keyword index over the chunks. Unreadable files are reported and skipped;
documents whose sha256 did not change since the previous build reuse its chunks and vectors,
and any chunk or sentence whose exact text was embedded by the previous build (with the same
model and encoder) reuses its vector, also after a change of extraction or chunking; the new
index replaces the old only when complete.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import numpy as np
from tqdm import tqdm

from .chunk import Chunk, ChunkParams, PageText, SectionMark, chunk_document
from .clean import clean_pages
from .embed import Embedder, encoder_record
from .errors import (
    IndexCorruptError,
    IndexNotFoundError,
    ModelMismatchError,
    NothingIndexedError,
    UnreadablePdfError,
)
from .keyword import KeywordIndex
from .pdf import read_pdf
from .store import SentenceVectors, StoredIndex, read_index, write_index

log = logging.getLogger("index.builder")
# Bump when extraction, cleaning or chunking change what a PDF becomes: unchanged PDFs are
# then re-read on the next build instead of reusing chunks made the old way.
EXTRACTION_VERSION = 5
T = TypeVar("T")


@dataclass(frozen=True)
class SkippedFile:
    filename: str
    reason: str


@dataclass
class BuildReport:
    """What a build did, for the summary line and for benchmarks."""

    out: Path
    documents: int = 0
    pages: int = 0
    chunks: int = 0
    seconds: float = 0.0
    reused_documents: int = 0
    embedded_chunks: int = 0
    sentences: int = 0  # distinct sentence texts in the index
    embedded_sentences: int = 0  # of which encoded by this build (the rest were reused)
    extract_seconds: float = 0.0
    embed_seconds: float = 0.0  # chunk vectors only
    sentence_seconds: float = 0.0
    keyword_seconds: float = 0.0
    skipped: list[SkippedFile] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"indexed {self.documents} documents, {self.pages} pages, {self.chunks} chunks "
            f"in {self.seconds:.1f} s ({self.reused_documents} unchanged documents reused, "
            f"{self.embedded_chunks} chunks and {self.embedded_sentences} of "
            f"{self.sentences} sentences embedded) -> {self.out}"
        ]
        lines += [f"skipped {s.filename}: {s.reason}" for s in self.skipped]
        return "\n".join(lines)


@dataclass
class _Document:
    record: dict
    chunks: list[Chunk]
    vectors: np.ndarray | None  # None until embedded


def document_id(filename: str) -> str:
    """A stable, URL-safe id from the file name (what citations and the API refer to)."""
    stem = Path(filename).stem.lower()
    return re.sub(r"[^a-z0-9]+", "-", stem).strip("-") or "document"


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _title(filename: str, pdf_title: str | None) -> str:
    if pdf_title:
        return pdf_title
    return re.sub(r"[-_]+", " ", Path(filename).stem).strip().capitalize()


def embedding_text(chunk: Chunk) -> str:
    """The text a chunk is embedded as: its section heading gives the model context."""
    return f"{chunk.section}: {chunk.text}" if chunk.section else chunk.text


def keyword_text(chunk: Chunk) -> str:
    """The text BM25 indexes for a chunk: its words and its section heading's."""
    return embedding_text(chunk)


def _progress(items: Iterable[T], total: int, desc: str, bar: bool, unit: str) -> Iterator[T]:
    if bar:
        yield from tqdm(items, total=total, desc=desc, unit=unit, file=sys.stderr)
        return
    step = max(1, total // 10)
    for i, item in enumerate(items, start=1):
        yield item
        if i % step == 0 or i == total:
            log.info("%s: %d/%d %s", desc, i, total, unit)


def _previous(
    out: Path, embedder: Embedder, params: ChunkParams, force: bool
) -> tuple[StoredIndex | None, bool]:
    """The previous index when its vectors can be reused (None otherwise), and whether its
    documents' chunks can be too; raise on a model mismatch."""
    try:
        old = read_index(out)
    except IndexNotFoundError:
        return None, False
    except IndexCorruptError as exc:
        log.warning("previous index unreadable, rebuilding everything: %s", exc)
        return None, False
    model = old.manifest.get("model", {})
    if model.get("fingerprint") != embedder.fingerprint:
        if not force:
            raise ModelMismatchError(
                f"the index at {out} was built with model {model.get('name')!r} "
                f"(fingerprint {model.get('fingerprint')}), but the configured model is "
                f"{embedder.name!r} (fingerprint {embedder.fingerprint}). Set TOOLKIT_MODEL to "
                "the index's model, or rebuild everything with `python -m index build --force`."
            )
        return None, False
    if old.manifest.get("encoder") != encoder_record(embedder):
        log.info(
            "encoder changed (%s -> %s): re-embedding every document, so that one encoder made "
            "all the vectors",
            _describe(old.manifest.get("encoder")),
            _describe(encoder_record(embedder)),
        )
        return None, False
    if old.manifest.get("chunking") != vars(params):
        log.info("chunking parameters changed: re-chunking every document")
        return old, False
    if old.manifest.get("extraction") != EXTRACTION_VERSION:
        log.info("text extraction or cleaning changed: re-reading every document")
        return old, False
    return old, True


def _describe(encoder: dict | None) -> str:
    if not encoder:
        return "not recorded"
    sha = encoder.get("sha256")
    return " ".join(
        str(v) for v in (encoder.get("backend"), encoder.get("variant"), sha and sha[:12]) if v
    )


def _reuse(old: StoredIndex | None, sha: str, doc_id: str, filename: str) -> _Document | None:
    if old is None:
        return None
    record = next((d for d in old.manifest["documents"] if d["sha256"] == sha), None)
    if record is None:
        return None
    positions = [i for i, c in enumerate(old.chunks) if c.document_id == record["id"]]
    chunks = [
        Chunk.from_dict({**old.chunks[i].to_dict(), "id": f"{doc_id}:{n}", "document_id": doc_id})
        for n, i in enumerate(positions)
    ]
    record = {**record, "id": doc_id, "filename": filename}
    return _Document(record=record, chunks=chunks, vectors=old.reconstruct(positions))


def _ingest(path: Path, doc_id: str, sha: str, embedder: Embedder, params: ChunkParams):
    pdf = read_pdf(path)
    cleaned = clean_pages([p.text for p in pdf.pages])
    pages = [
        PageText(
            number=p.number,
            label=p.label,
            text=c.text,
            joins_next=c.joins_next,
            contents=c.contents,
        )
        for p, c in zip(pdf.pages, cleaned, strict=False)
    ]
    marks = [SectionMark(page=h.page, title=h.title, level=h.level) for h in pdf.headings]
    chunks = chunk_document(doc_id, pages, marks, params, embedder.count_tokens)
    if not chunks:
        raise UnreadablePdfError("no text left after cleaning")
    record = {
        "id": doc_id,
        "filename": path.name,
        "title": _title(path.name, pdf.title),
        "sha256": sha,
        "pages": len(pdf.pages),
        "page_labels": any(p.label is not None for p in pdf.pages),
        "headings": pdf.headings[0].source if pdf.headings else None,
        "chunks": len(chunks),
    }
    return _Document(record=record, chunks=chunks, vectors=None)


def find_pdfs(src: Path) -> list[Path]:
    src = Path(src)
    if not src.exists():
        raise NothingIndexedError(f"the source folder {src} does not exist")
    if not src.is_dir():
        raise NothingIndexedError(f"the source {src} is not a folder")
    files = sorted(p for p in src.iterdir() if p.is_file() and p.suffix.lower() == ".pdf")
    if not files:
        raise NothingIndexedError(f"the source folder {src} contains no .pdf files")
    return files


def build(
    src: Path,
    out: Path,
    embedder: Embedder,
    params: ChunkParams | None = None,
    *,
    force: bool = False,
    progress: bool | None = None,
    batch_size: int = 32,
) -> BuildReport:
    """Index every PDF in `src` into `out`; see the module docstring for the guarantees."""
    started = time.perf_counter()
    params = params or ChunkParams()
    bar = sys.stderr.isatty() if progress is None else progress
    files = find_pdfs(src)
    report = BuildReport(out=Path(out))
    old, same_chunking = _previous(Path(out), embedder, params, force)

    documents: list[_Document] = []
    used_ids: set[str] = set()
    t0 = time.perf_counter()
    for path in _progress(files, len(files), "reading PDFs", bar, "files"):
        doc_id = document_id(path.name)
        while doc_id in used_ids:
            doc_id += "-2"
        try:
            sha = _sha256(path)
            doc = _reuse(old, sha, doc_id, path.name) if same_chunking else None
            if doc is not None:
                report.reused_documents += 1
            else:
                doc = _ingest(path, doc_id, sha, embedder, params)
        except UnreadablePdfError as exc:
            report.skipped.append(SkippedFile(path.name, str(exc)))
            log.warning("skipped %s: %s", path.name, exc)
            continue
        except OSError as exc:
            report.skipped.append(SkippedFile(path.name, f"cannot read file: {exc.strerror}"))
            log.warning("skipped %s: %s", path.name, exc)
            continue
        used_ids.add(doc_id)
        documents.append(doc)
    report.extract_seconds = time.perf_counter() - t0

    if not documents:
        reasons = "; ".join(f"{s.filename}: {s.reason}" for s in report.skipped)
        raise NothingIndexedError(f"no document in {src} could be indexed ({reasons})")

    pending = [(d, c) for d in documents if d.vectors is None for c in d.chunks]
    t0 = time.perf_counter()
    vectors, report.embedded_chunks = _chunk_vectors(
        [embedding_text(c) for _, c in pending], old, embedder, batch_size, bar
    )
    report.embed_seconds = time.perf_counter() - t0
    row = 0
    for doc in documents:
        if doc.vectors is None:
            doc.vectors = vectors[row : row + len(doc.chunks)]
            row += len(doc.chunks)

    all_chunks = [c for d in documents for c in d.chunks]
    all_vectors = np.vstack([d.vectors for d in documents]).astype(np.float32)
    t0 = time.perf_counter()
    sentences, report.embedded_sentences = _sentence_vectors(
        all_chunks, old, embedder, batch_size, bar
    )
    report.sentences = len(sentences.vectors)
    report.sentence_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    keyword = KeywordIndex.build([keyword_text(c) for c in all_chunks])
    report.keyword_seconds = time.perf_counter() - t0
    manifest = {
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": {
            "name": embedder.name,
            "fingerprint": embedder.fingerprint,
            "dimension": embedder.dimension,
        },
        "encoder": encoder_record(embedder),
        "chunking": vars(params),
        "extraction": EXTRACTION_VERSION,
        "source_dir": str(Path(src).absolute()),
        "documents": [d.record for d in documents],
        "skipped": [vars(s) for s in report.skipped],
    }
    write_index(Path(out), manifest, all_chunks, all_vectors, keyword, sentences)
    report.documents = len(documents)
    report.pages = sum(d.record["pages"] for d in documents)
    report.chunks = len(all_chunks)
    report.seconds = time.perf_counter() - started
    return report


def _chunk_vectors(
    texts: list[str], old: StoredIndex | None, embedder: Embedder, batch_size: int, bar: bool
) -> tuple[np.ndarray, int]:
    """One vector per chunk text, reused from `old` for texts it embedded; (vectors, encoded)."""
    known: dict[str, int] = {}
    if old is not None:
        known = {embedding_text(c): i for i, c in enumerate(old.chunks)}
    reused = [(i, known[t]) for i, t in enumerate(texts) if t in known]
    missing = [i for i, t in enumerate(texts) if t not in known]
    vectors = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    if reused:
        new_rows, old_rows = zip(*reused, strict=True)
        vectors[list(new_rows)] = old.reconstruct(list(old_rows))
    if missing:
        vectors[missing] = _embed([texts[i] for i in missing], embedder, batch_size, bar)
    return vectors, len(missing)


def _sentence_vectors(
    chunks: list[Chunk],
    old: StoredIndex | None,
    embedder: Embedder,
    batch_size: int,
    bar: bool,
) -> tuple[SentenceVectors, int]:
    """One vector per distinct sentence text (reused from `old` when it has that text)."""
    distinct: dict[str, int] = {}
    rows = [distinct.setdefault(s, len(distinct)) for c in chunks for s in c.sentences]
    known: dict[str, int] = {}
    if old is not None:
        for position, chunk in enumerate(old.chunks):
            start = old.sentences.offsets[position]
            for j, text in enumerate(chunk.sentences):
                known.setdefault(text, int(old.sentences.rows[start + j]))
    texts = list(distinct)
    vectors = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    reused = [(i, known[t]) for i, t in enumerate(texts) if t in known]
    if reused:
        new_rows, old_rows = zip(*reused, strict=True)
        vectors[list(new_rows)] = old.sentences.vectors[list(old_rows)]
    missing = [i for i, t in enumerate(texts) if t not in known]
    if missing:
        encoded = _embed([texts[i] for i in missing], embedder, batch_size, bar, "sentences")
        vectors[missing] = encoded
    counts = [len(c.sentences) for c in chunks]
    table = SentenceVectors.from_rows(vectors, np.asarray(rows, dtype=np.int32), counts)
    return table, len(missing)


def _embed(
    texts: list[str], embedder: Embedder, batch_size: int, bar: bool, what: str = "chunks"
) -> np.ndarray:
    """Vectors in the order of `texts`, encoded in batches of similar length (less padding)."""
    if not texts:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    batches = [
        [texts[i] for i in order[start : start + batch_size]]
        for start in range(0, len(order), batch_size)
    ]
    parts = [
        embedder.encode(batch, batch_size=batch_size)
        for batch in _progress(batches, len(batches), f"embedding {what}", bar, "batches")
    ]
    vectors = np.empty((len(texts), embedder.dimension), dtype=np.float32)
    vectors[order] = np.vstack(parts)
    return vectors
