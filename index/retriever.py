"""Cross-lingual search over the built index.

A question in any language is embedded once and compared with every passage of every language;
an article scores as its best passage. The answer is then given in the visitor's language (or in
English, flagged, if the article lacks that language). Below the calibrated threshold the result
is *not answerable*: callers say they do not know rather than show an unrelated article.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.articles import Section, Source
from index.embedders import Embedder
from index.knowledge import KnowledgeBase, load_knowledge
from index.languages import DEFAULT_LANGUAGE, is_supported
from index.passages import PassageKind
from index.store import StoredIndex, load_index

MAX_QUERY_CHARS = 1000


@dataclass(frozen=True)
class Hit:
    """One article found for a question, in the language it will be shown in."""

    article_id: str
    topic: str
    score: float
    lang: str
    fallback: bool
    title: str
    lead: str
    section: Section | None
    sources: tuple[Source, ...]
    reviewed: dt.date
    path: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.article_id,
            "topic": self.topic,
            "score": round(self.score, 4),
            "lang": self.lang,
            "fallback": self.fallback,
            "title": self.title,
            "lead": self.lead,
            "section": (
                {"title": self.section.title, "text": self.section.text} if self.section else None
            ),
            "sources": [
                {
                    "url": s.url,
                    "title": s.title,
                    "instrument": s.instrument,
                    "date": s.date.isoformat() if s.date else None,
                }
                for s in self.sources
            ],
            "reviewed": self.reviewed.isoformat(),
            "path": self.path,
        }


@dataclass(frozen=True)
class SearchResult:
    """Ranked articles for one question and whether the best one is good enough to answer."""

    query: str
    lang: str
    threshold: float
    hits: tuple[Hit, ...]

    @property
    def answerable(self) -> bool:
        return bool(self.hits) and self.hits[0].score >= self.threshold

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.answerable else None

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "lang": self.lang,
            "threshold": round(self.threshold, 4),
            "answerable": self.answerable,
            "hits": [h.to_json() for h in self.hits],
        }


@dataclass(frozen=True)
class ArticleScore:
    """The best score an article reached for a question, and which section reached it."""

    article_id: str
    score: float
    section_by_lang: dict[str, tuple[int, float]]


class Retriever:
    """Answers questions from a loaded index.

    Args:
        kb: The knowledge base the index was built from.
        embedder: The same embedder the index was built with.
        stored: The loaded index.
        threshold: Scores below it are "not answerable"; defaults to the calibrated value in
            the manifest.
        clock: Today's date; articles past ``valid_until`` are never returned.
    """

    def __init__(
        self,
        kb: KnowledgeBase,
        embedder: Embedder,
        stored: StoredIndex,
        *,
        threshold: float | None = None,
        clock: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        if stored.manifest.model_id != embedder.model_id:
            raise ValueError("the index was built with another embedder")
        self._kb = kb
        self._embedder = embedder
        self._stored = stored
        self._clock = clock
        self.threshold = stored.manifest.threshold if threshold is None else threshold

    @classmethod
    def open(
        cls,
        knowledge_root: Path,
        index_dir: Path,
        embedder: Embedder,
        *,
        clock: Callable[[], dt.date] = dt.date.today,
    ) -> Retriever:
        """Load the knowledge base and its index, refusing a stale or mismatched index."""
        kb = load_knowledge(knowledge_root)
        stored = load_index(index_dir, content_hash=kb.content_hash, model_id=embedder.model_id)
        return cls(kb, embedder, stored, clock=clock)

    @property
    def knowledge(self) -> KnowledgeBase:
        return self._kb

    def warm_up(self) -> None:
        """Load the model and run one query so the first visitor does not pay for it."""
        self._embedder.warm_up()
        self.score_articles("warm up")

    def score_articles(self, query: str) -> list[ArticleScore]:
        """Every servable article with its best score for ``query``, best first."""
        vector = self._embedder.embed_queries([query[:MAX_QUERY_CHARS]])[0]
        today = self._clock()
        best: dict[str, ArticleScore] = {}
        for passage, score in self._stored.search(vector, len(self._stored.passages)):
            article_id = passage.article_id
            if article_id not in self._kb.articles or self._kb.valid_until(article_id) < today:
                continue
            entry = best.get(article_id)
            if entry is None:
                entry = best[article_id] = ArticleScore(article_id, score, {})
            if passage.kind is PassageKind.SECTION and passage.section is not None:
                entry.section_by_lang.setdefault(passage.lang, (passage.section, score))
        return sorted(best.values(), key=lambda a: a.score, reverse=True)

    def search(self, query: str, lang: str = DEFAULT_LANGUAGE, k: int = 3) -> SearchResult:
        """Rank articles for ``query`` and localise the top ``k`` to ``lang``."""
        lang = lang if is_supported(lang) else DEFAULT_LANGUAGE
        text = query.strip()
        if not text:
            return SearchResult(query, lang, self.threshold, ())
        hits = tuple(self._hit(s, lang) for s in self.score_articles(text)[:k])
        return SearchResult(query, lang, self.threshold, hits)

    def _hit(self, scored: ArticleScore, lang: str) -> Hit:
        article, fallback = self._kb.localized(scored.article_id, lang)
        section = None
        best_section = scored.section_by_lang.get(article.lang)
        if best_section is not None and best_section[0] < len(article.sections):
            section = article.sections[best_section[0]]
        return Hit(
            article_id=article.id,
            topic=article.topic,
            score=scored.score,
            lang=article.lang,
            fallback=fallback,
            title=article.title,
            lead=article.lead,
            section=section,
            sources=article.sources,
            reviewed=article.reviewed,
            path=f"/kb/{article.id}?lang={article.lang}",
        )
