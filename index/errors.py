"""Errors raised by the retrieval library.

Every error carries a message written for the operator who has to fix it, naming the command
that does.
"""

from __future__ import annotations


class RetrievalError(Exception):
    """Base class of every error raised by :mod:`index`."""


class KnowledgeError(RetrievalError):
    """The knowledge base cannot be read (missing folder, unparsable file)."""


class StaleIndexError(RetrievalError):
    """The built index no longer matches the knowledge base on disk."""


class MismatchedIndexError(RetrievalError):
    """The built index was made with another embedding model or format."""


class MissingIndexError(RetrievalError):
    """No index has been built yet in the given folder."""
