"""Errors raised by the index library, each with a message meant for a person to read."""


class IndexLibraryError(Exception):
    """Base class of every error this library raises on purpose."""


class UnreadablePdfError(IndexLibraryError):
    """A PDF could not be read; the message says why (empty, not a PDF, encrypted, ...)."""


class NothingIndexedError(IndexLibraryError):
    """A build found no document it could index, so no index was written."""


class IndexNotFoundError(IndexLibraryError):
    """The index folder is missing or incomplete: it needs a build first."""


class IndexCorruptError(IndexLibraryError):
    """The index folder exists but its files cannot be read or disagree with each other."""


class ModelMismatchError(IndexLibraryError):
    """The configured embedding model differs from the one the index was built with."""


class ModelNotAvailableError(IndexLibraryError):
    """The embedding model cannot be loaded here (say, its ONNX export is not in the model
    cache and this process may not export it); the message says what to run."""


class ModelExportError(ModelNotAvailableError):
    """Exporting the model to ONNX failed (the `export` extra missing, or a graph that
    disagrees with torch); the message says why."""


class UnsupportedModelError(IndexLibraryError, ValueError):
    """The model folder is not a BERT encoder with mean pooling: the ONNX recipe does not apply
    (the torch encoder can still run it)."""
