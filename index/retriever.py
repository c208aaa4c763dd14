"""Cross-lingual search over the built index.

A question in any language is embedded once and compared with every passage of every language;
an article scores as its best passage. The answer is then given in the visitor's language (or in
English, flagged, if the article lacks that language). Below the calibrated thresholds the result
is *not answerable*: callers say they do not know rather than show an unrelated article.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from index.articles import Article, Section, Source
from index.embedders import Embedder
from index.knowledge import KnowledgeBase, load_knowledge
from index.languages import DEFAULT_LANGUAGE, is_supported
from index.lexical import LexicalIndex
from index.passages import PassageKind
from index.scoring import (
    CONTENT_WEIGHT,
    LEXICAL_WEIGHT,
    QUESTION_WEIGHT,
    Thresholds,
    calibration_hash,
)
from index.store import StoredIndex, load_index

MAX_QUERY_CHARS = 1000


@dataclass(frozen=True)
class Hit:
    """One article found for a question, in the language it will be shown in."""

    article_id: str
    topic: str
    score: float
    absolute: float
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
            "absolute": round(self.absolute, 4),
            "lang": self.lang,
            "fallback": self.fallback,
            "title": self.title,
            "lead": self.lead,
            "section": (
                {"title": self.section.title, "text": self.section.text} if self.section else None
            ),
            "sources": [s.to_json() for s in self.sources],
            "reviewed": self.reviewed.isoformat(),
            "path": self.path,
        }


@dataclass(frozen=True)
class SearchResult:
    """Ranked articles for one question and whether the best one is good enough to answer."""

    query: str
    lang: str
    thresholds: Thresholds
    hits: tuple[Hit, ...]

    @property
    def answerable(self) -> bool:
        return bool(self.hits) and self.thresholds.accepts(
            self.hits[0].score, self.hits[0].absolute
        )

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.answerable else None

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "lang": self.lang,
            "thresholds": {
                "relative": round(self.thresholds.relative, 4),
                "absolute": round(self.thresholds.absolute, 4),
            },
            "answerable": self.answerable,
            "hits": [h.to_json() for h in self.hits],
        }


@dataclass(frozen=True)
class ArticleScore:
    """How well an article matches a question.

    Attributes:
        article_id: The article.
        score: The fused score relative to the mean over all servable articles.
        absolute: The fused score itself.
        question: Best similarity to one of the article's example questions.
        content: Best similarity to its lead or one of its sections.
        lexical: Normalised BM25 (0 to 1) of the question against the article's text.
    """

    article_id: str
    score: float
    absolute: float
    question: float
    content: float
    lexical: float


class Retriever:
    """Answers questions from a loaded index.

    Args:
        kb: The knowledge base the index was built from.
        embedder: The same embedder the index was built with.
        stored: The loaded index.
        thresholds: When an answer is good enough; defaults to the calibrated values in the
            manifest.
        clock: Today's date; articles past ``valid_until`` are never returned.
    """

    def __init__(
        self,
        kb: KnowledgeBase,
        embedder: Embedder,
        stored: StoredIndex,
        *,
        thresholds: Thresholds | None = None,
        clock: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        if stored.manifest.model_id != embedder.model_id:
            raise ValueError("the index was built with another embedder")
        self._kb = kb
        self._embedder = embedder
        self._stored = stored
        self._clock = clock
        self.thresholds = thresholds or Thresholds(
            stored.manifest.threshold, stored.manifest.absolute_threshold
        )
        self._lexical = LexicalIndex(
            {
                article_id: [f"{a.title} {a.body} {' '.join(a.questions)}" for a in langs.values()]
                for article_id, langs in kb.articles.items()
            }
        )
        self._article_ids = self._lexical.article_ids
        self._valid_until = np.array(
            [kb.valid_until(a).toordinal() for a in self._article_ids], dtype=np.int64
        )
        row = {article_id: i for i, article_id in enumerate(self._article_ids)}
        passage_rows = np.array([row[p.article_id] for p in stored.passages], dtype=np.intp)
        self._is_question = np.array([p.is_query_like for p in stored.passages], dtype=bool)
        self._is_content = ~self._is_question
        # The article row of each question-like and each content passage, fixed per index.
        self._question_rows = passage_rows[self._is_question]
        self._content_rows = passage_rows[self._is_content]
        # (article, lang) -> rows of its section passages and their section numbers
        sections: dict[tuple[str, str], list[tuple[int, int]]] = {}
        for i, passage in enumerate(stored.passages):
            if passage.kind is PassageKind.SECTION and passage.section is not None:
                sections.setdefault((passage.article_id, passage.lang), []).append(
                    (i, passage.section)
                )
        self._sections = {
            key: (np.array([r for r, _ in v], dtype=np.intp), [n for _, n in v])
            for key, v in sections.items()
        }

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
        stored = load_index(
            index_dir,
            content_hash=kb.content_hash,
            model_id=embedder.model_id,
            calibration_hash=calibration_hash(kb),
        )
        return cls(kb, embedder, stored, clock=clock)

    @property
    def knowledge(self) -> KnowledgeBase:
        return self._kb

    def warm_up(self) -> None:
        """Load the model and run one query so the first visitor does not pay for it."""
        self._embedder.warm_up()
        self.score_articles("warm up")

    def score_articles(self, query: str) -> list[ArticleScore]:
        """Every servable article with its fused score for ``query``, best first."""
        return self._rank(query)[0]

    def _rank(self, query: str) -> tuple[list[ArticleScore], NDArray[np.float64]]:
        query = query[:MAX_QUERY_CHARS]
        vector = self._embedder.embed_queries([query])[0]
        similarity = self._stored.similarities(vector)
        n = len(self._article_ids)
        question = np.full(n, -1.0)
        content = np.full(n, -1.0)
        np.maximum.at(question, self._question_rows, similarity[self._is_question])
        np.maximum.at(content, self._content_rows, similarity[self._is_content])
        lexical = self._lexical.normalised_scores(query)
        fused = QUESTION_WEIGHT * question + CONTENT_WEIGHT * content + LEXICAL_WEIGHT * lexical
        servable = self._valid_until >= self._clock().toordinal()
        if not servable.any():
            return [], similarity
        # Relative to the mean: some questions are close to everything (and so to nothing in
        # particular); what matters is how far the best article stands out.
        relative = fused - fused[servable].mean()
        ranked = sorted(np.flatnonzero(servable), key=lambda i: relative[i], reverse=True)
        scores = [
            ArticleScore(
                article_id=self._article_ids[i],
                score=float(relative[i]),
                absolute=float(fused[i]),
                question=float(question[i]),
                content=float(content[i]),
                lexical=float(lexical[i]),
            )
            for i in ranked
        ]
        return scores, similarity

    def _best_section(self, article: Article, similarity: NDArray[np.float64]) -> Section | None:
        """The section of ``article`` (in its own language) closest to the question."""
        entry = self._sections.get((article.id, article.lang))
        if entry is None:
            return None
        rows, numbers = entry
        number = numbers[int(np.argmax(similarity[rows]))]
        return article.sections[number] if number < len(article.sections) else None

    def search(self, query: str, lang: str = DEFAULT_LANGUAGE, k: int = 3) -> SearchResult:
        """Rank articles for ``query`` and localise the top ``k`` to ``lang``."""
        lang = lang if is_supported(lang) else DEFAULT_LANGUAGE
        text = query.strip()
        if not text:
            return SearchResult(query, lang, self.thresholds, ())
        ranked, similarity = self._rank(text)
        hits = tuple(self._hit(s, lang, similarity) for s in ranked[:k])
        return SearchResult(query, lang, self.thresholds, hits)

    def _hit(self, scored: ArticleScore, lang: str, similarity: NDArray[np.float64]) -> Hit:
        article, fallback = self._kb.localized(scored.article_id, lang)
        section = self._best_section(article, similarity)
        return Hit(
            article_id=article.id,
            topic=article.topic,
            score=scored.score,
            absolute=scored.absolute,
            lang=article.lang,
            fallback=fallback,
            title=article.title,
            lead=article.lead,
            section=section,
            sources=article.sources,
            reviewed=article.reviewed,
            path=f"/kb/{article.id}?lang={article.lang}",
        )
