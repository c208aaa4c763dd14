"""The knowledge base on disk: every article in every language it exists in."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from index.articles import Article, parse_article
from index.errors import KnowledgeError
from index.languages import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES

# Bumped whenever the way articles become passages changes, so old indexes count as stale.
CHUNKING_VERSION = "3"

CALIBRATION_FILE = Path("_eval") / "calibration.jsonl"


@dataclass(frozen=True)
class KnowledgeBase:
    """All articles, keyed by id and then by language.

    Attributes:
        root: The ``knowledge/`` folder the articles were read from.
        articles: ``{article_id: {lang: Article}}``.
        content_hash: A digest of every article file, used to tell whether the embedded
            vectors of a built index are stale.
    """

    root: Path
    articles: Mapping[str, Mapping[str, Article]]
    content_hash: str

    def __len__(self) -> int:
        return len(self.articles)

    def __iter__(self) -> Iterator[Article]:
        for by_lang in self.articles.values():
            yield from by_lang.values()

    def localized(self, article_id: str, lang: str) -> tuple[Article, bool]:
        """Return the article in ``lang``, or in English with ``fallback=True``.

        Raises:
            KeyError: no such article, or it exists in neither ``lang`` nor English.
        """
        by_lang = self.articles[article_id]
        if lang in by_lang:
            return by_lang[lang], False
        if DEFAULT_LANGUAGE in by_lang:
            return by_lang[DEFAULT_LANGUAGE], True
        raise KeyError(f"{article_id} has neither {lang} nor {DEFAULT_LANGUAGE}")

    def valid_until(self, article_id: str) -> dt.date:
        """The earliest expiry date over the article's languages."""
        return min(a.valid_until for a in self.articles[article_id].values())

    @property
    def calibration_path(self) -> Path:
        return self.root / CALIBRATION_FILE


def article_files(root: Path) -> list[Path]:
    """Every ``<topic>/<slug>/<lang>.md`` under ``root``, in a stable order."""
    return sorted(
        p
        for p in root.glob("*/*/*.md")
        if not p.parent.parent.name.startswith(("_", "."))
        and not p.parent.name.startswith(("_", "."))
    )


def load_knowledge(root: Path) -> KnowledgeBase:
    """Read every article under ``root``.

    Files for languages outside the supported set are ignored (and reported by the validator).

    Raises:
        KnowledgeError: ``root`` is missing or a file cannot be parsed.
    """
    if not root.is_dir():
        raise KnowledgeError(f"knowledge folder not found: {root}")
    articles: dict[str, dict[str, Article]] = {}
    for path in article_files(root):
        if path.stem not in SUPPORTED_LANGUAGES:
            continue
        article = parse_article(path)
        articles.setdefault(article.id, {})[article.lang] = article
    return KnowledgeBase(root=root, articles=articles, content_hash=content_hash(root))


def content_hash(root: Path) -> str:
    """Digest of the articles an index embeds, independent of the checkout's location."""
    digest = hashlib.sha256(f"chunking={CHUNKING_VERSION}\n".encode())
    for path in article_files(root):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()
