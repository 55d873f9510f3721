"""Query -> ranked hits over an opened index (dense inner-product search over chunk vectors)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .chunk import Chunk
from .embed import Embedder
from .errors import ModelMismatchError
from .store import StoredIndex, read_index


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    filename: str
    pages: int
    sha256: str


@dataclass(frozen=True)
class Hit:
    """One ranked passage: the chunk, its document and its similarity score."""

    chunk: Chunk
    document: Document
    score: float
    rank: int


def citation(hit: Hit, n: int, url: str) -> dict:
    """The contract's Citation object for a hit (shared by the CLI's --json and the API)."""
    c = hit.chunk
    return {
        "n": n,
        "document": {
            "id": hit.document.id,
            "title": hit.document.title,
            "filename": hit.document.filename,
        },
        "page_start": c.page_start,
        "page_end": c.page_end,
        "page_label": c.page_label,
        "section": c.section,
        "text": c.text,
        "score": round(hit.score, 4),
        "url": url,
    }


class Index:
    """An index opened for searching with the embedder it was built with."""

    def __init__(self, stored: StoredIndex, embedder: Embedder) -> None:
        model = stored.manifest["model"]
        if model.get("fingerprint") != embedder.fingerprint:
            raise ModelMismatchError(
                f"the index at {stored.path} was built with model {model.get('name')!r} "
                f"(fingerprint {model.get('fingerprint')}), but the configured model is "
                f"{embedder.name!r} (fingerprint {embedder.fingerprint}): set TOOLKIT_MODEL to "
                "the index's model or rebuild with `python -m index build --force`"
            )
        self._stored = stored
        self.embedder = embedder
        self.manifest = stored.manifest
        self.path = stored.path
        self.chunks = stored.chunks
        self.documents = [
            Document(d["id"], d["title"], d["filename"], d["pages"], d["sha256"])
            for d in stored.manifest["documents"]
        ]
        self._by_id = {d.id: d for d in self.documents}
        text = json.dumps(stored.manifest, sort_keys=True).encode()
        self.version = hashlib.sha256(text).hexdigest()[:12]

    @classmethod
    def open(cls, path: Path, embedder: Embedder) -> Index:
        return cls(read_index(Path(path)), embedder)

    def document(self, document_id: str) -> Document | None:
        return self._by_id.get(document_id)

    def search(self, query: str, k: int = 5) -> list[Hit]:
        if not query.strip() or not self.chunks:
            return []
        vector = self.embedder.encode([query])
        scores, positions = self._stored.search(vector, k)
        hits: list[Hit] = []
        for score, pos in zip(scores[0], positions[0], strict=False):
            if pos < 0:
                continue
            chunk = self.chunks[int(pos)]
            hits.append(Hit(chunk, self._by_id[chunk.document_id], float(score), len(hits) + 1))
        return hits
