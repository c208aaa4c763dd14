"""Retrieval library for the visitor desk.

Loads the curated knowledge base (``knowledge/``), validates it, embeds its passages with a
pluggable :class:`~index.embedders.Embedder`, stores them in a FAISS index under ``var/index/``
and answers cross-lingual questions with a calibrated "I don't know" threshold.

This package never imports ``bot``; the gateway and the Rasa actions use it as a library.
"""

from index.articles import Article, Section, Source
from index.embedders import Embedder, load_embedder
from index.errors import KnowledgeError, MismatchedIndexError, RetrievalError, StaleIndexError
from index.knowledge import KnowledgeBase, load_knowledge
from index.languages import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from index.retriever import Hit, Retriever, SearchResult

__all__ = [
    "DEFAULT_LANGUAGE",
    "SUPPORTED_LANGUAGES",
    "Article",
    "Embedder",
    "Hit",
    "KnowledgeBase",
    "KnowledgeError",
    "MismatchedIndexError",
    "RetrievalError",
    "Retriever",
    "SearchResult",
    "Section",
    "Source",
    "StaleIndexError",
    "load_embedder",
    "load_knowledge",
]
