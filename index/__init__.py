"""Retrieval library: PDFs in, a searchable index out. Never imports Flask or the service.

Public names: build, Index, Chunk, Hit, Document, the embedders and the errors.
"""

from .builder import BuildReport, SkippedFile, build, document_id
from .chunk import Chunk, ChunkParams
from .embed import DEFAULT_MODEL, Embedder, HashEmbedder, load_embedder
from .errors import (
    IndexCorruptError,
    IndexLibraryError,
    IndexNotFoundError,
    ModelMismatchError,
    NothingIndexedError,
    UnreadablePdfError,
)
from .search import Document, Hit, Index, citation
from .store import read_manifest, set_threads

__all__ = [
    "DEFAULT_MODEL",
    "BuildReport",
    "Chunk",
    "ChunkParams",
    "Document",
    "Embedder",
    "HashEmbedder",
    "Hit",
    "Index",
    "IndexCorruptError",
    "IndexLibraryError",
    "IndexNotFoundError",
    "ModelMismatchError",
    "NothingIndexedError",
    "SkippedFile",
    "UnreadablePdfError",
    "build",
    "citation",
    "document_id",
    "load_embedder",
    "read_manifest",
    "set_threads",
]
