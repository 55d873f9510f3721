"""Retrieval library: PDFs in, a searchable index out. Never imports Flask or the service.

Public names: build, Index, Chunk, Hit, Document, the embedders and the errors.
"""

from .chunk import Chunk, ChunkParams
from .embed import DEFAULT_MODEL, Embedder, HashEmbedder, load_embedder
from .errors import (
    IndexCorruptError,
    IndexLibraryError,
    IndexNotFoundError,
    ModelExportError,
    ModelMismatchError,
    ModelNotAvailableError,
    NothingIndexedError,
    UnreadablePdfError,
    UnsupportedModelError,
)
from .eval import Calibration, calibrate
from .followup import FollowupParams, without_topic_change
from .search import (
    DEFAULT_SEARCH_MODE,
    SEARCH_MODES,
    Document,
    Hit,
    Index,
    RankParams,
    citation,
)
from .store import read_manifest, set_threads

_BUILDER_NAMES = ("BuildReport", "SkippedFile", "build", "document_id")


def __getattr__(name: str):
    """Building pulls in pypdf and its font tools; a serving process that only searches never
    needs them, so the builder is imported on first use (about 20 MiB per worker saved)."""
    if name in _BUILDER_NAMES:
        from . import builder

        return getattr(builder, name)
    raise AttributeError(f"module 'index' has no attribute {name!r}")


__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_SEARCH_MODE",
    "SEARCH_MODES",
    "BuildReport",
    "Calibration",
    "Chunk",
    "ChunkParams",
    "Document",
    "Embedder",
    "FollowupParams",
    "HashEmbedder",
    "Hit",
    "Index",
    "IndexCorruptError",
    "IndexLibraryError",
    "IndexNotFoundError",
    "ModelExportError",
    "ModelMismatchError",
    "ModelNotAvailableError",
    "NothingIndexedError",
    "RankParams",
    "SkippedFile",
    "UnreadablePdfError",
    "UnsupportedModelError",
    "build",
    "calibrate",
    "citation",
    "document_id",
    "load_embedder",
    "read_manifest",
    "set_threads",
    "without_topic_change",
]
