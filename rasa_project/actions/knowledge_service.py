"""The retrieval index, opened once per action-server process and searched off the event loop."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

from actions.settings import ActionSettings
from index import Retriever, SearchResult, load_embedder

logger = logging.getLogger(__name__)

LEAD_TIMES_ARTICLE = "approvals-and-lead-times"
DEFAULT_LEAD_DAYS = {"interview_request": 5, "press_accreditation": 10}


def open_retriever(settings: ActionSettings) -> Retriever:
    """Open the index the settings point at; refuses a stale or mismatched one."""
    return Retriever.open(
        settings.knowledge_dir, settings.index_dir, load_embedder(settings.embedder)
    )


class KnowledgeService:
    """Opens the index the first time an action needs it (never at import time).

    Args:
        opener: Returns the retriever; called once.
    """

    def __init__(self, opener: Callable[[], Retriever]) -> None:
        self._opener = opener
        self._retriever: Retriever | None = None
        self._lock = threading.Lock()

    def retriever(self) -> Retriever:
        with self._lock:
            if self._retriever is None:
                self._retriever = self._opener()
                logger.info("knowledge index opened: %d articles", len(self._retriever.knowledge))
            return self._retriever

    async def search(self, question: str, lang: str) -> SearchResult:
        """Embedding and FAISS are CPU work: run them in a worker thread."""
        return await asyncio.to_thread(lambda: self.retriever().search(question, lang=lang, k=3))

    def lead_days(self, kind: str) -> int:
        """Minimum notice in working days for a request, as the knowledge base states it."""
        key = f"{kind}_min_working_days"
        try:
            article = self.retriever().knowledge.articles[LEAD_TIMES_ARTICLE]["en"]
            value: Any = article.data.get(key)
            return int(value) if value is not None else DEFAULT_LEAD_DAYS[kind]
        except (KeyError, ValueError, TypeError):
            logger.warning("lead time %s not found in the knowledge base; using default", key)
            return DEFAULT_LEAD_DAYS[kind]


_services: dict[ActionSettings, KnowledgeService] = {}
_services_lock = threading.Lock()


def knowledge_service(settings: ActionSettings | None = None) -> KnowledgeService:
    """The process-wide service for these settings (rasa-sdk instantiates actions itself)."""
    settings = settings or ActionSettings.from_env()
    with _services_lock:
        if settings not in _services:
            _services[settings] = KnowledgeService(lambda: open_retriever(settings))
        return _services[settings]
