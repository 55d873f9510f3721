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
