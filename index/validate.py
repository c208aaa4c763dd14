"""``python -m index check``: everything that must hold before the knowledge base is served."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from index.articles import Article, parse_article
from index.errors import KnowledgeError
from index.knowledge import CALIBRATION_FILE
from index.languages import SUPPORTED_LANGUAGES

TOPICS = frozenset({"province", "investment", "tourism", "press"})
MAX_LEAD_CHARS = 500
MIN_QUESTIONS = 3
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_LINK = re.compile(r"\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]*)\)")


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the knowledge base."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def check_knowledge(root: Path, today: dt.date) -> list[Problem]:
    """Validate every article under ``root`` and the calibration questions.

    Args:
        root: The ``knowledge/`` folder.
        today: The date expiry is judged against.

    Returns:
        The problems found, sorted; empty when the base may be served.
    """
    if not root.is_dir():
        return [Problem(str(root), "knowledge folder not found")]
    problems: list[Problem] = []
    folders = sorted(
        d
        for d in root.glob("*/*")
        if d.is_dir()
        and not d.name.startswith((".", "_"))
        and not d.parent.name.startswith((".", "_"))
    )
    ids: dict[str, list[Path]] = defaultdict(list)
    articles: dict[str, dict[str, Article]] = {}
    for folder in folders:
        ids[folder.name].append(folder)
        articles[folder.name] = _check_folder(folder, today, problems)
    for article_id, places in ids.items():
        if len(places) > 1:
            where = ", ".join(str(p.relative_to(root)) for p in places)
            problems.append(Problem(article_id, f"duplicate article id in {where}"))
    known = set(ids)
    for by_lang in articles.values():
        for article in by_lang.values():
            problems.extend(_check_links(article, known))
    problems.extend(_check_calibration(root / CALIBRATION_FILE, known))
    if not folders:
        problems.append(Problem(str(root), "no articles found"))
    return sorted(set(problems))


def _check_folder(folder: Path, today: dt.date, problems: list[Problem]) -> dict[str, Article]:
    where = f"{folder.parent.name}/{folder.name}"
    if folder.parent.name not in TOPICS:
        problems.append(Problem(where, f"unknown topic folder (use one of {sorted(TOPICS)})"))
    if not _SLUG.match(folder.name):
        problems.append(Problem(where, "folder name must be lowercase letters, digits, hyphens"))
    by_lang: dict[str, Article] = {}
    for path in sorted(folder.glob("*.md")):
        if path.stem not in SUPPORTED_LANGUAGES:
            problems.append(Problem(f"{where}/{path.name}", "not one of the eight languages"))
            continue
        try:
            by_lang[path.stem] = parse_article(path)
        except KnowledgeError as exc:
            problems.append(Problem(f"{where}/{path.name}", str(exc).split(": ", 1)[-1]))
    for lang in SUPPORTED_LANGUAGES:
        if not (folder / f"{lang}.md").exists():
            problems.append(Problem(where, f"missing language: {lang}.md"))
    for article in by_lang.values():
        problems.extend(_check_article(article, folder, today))
    problems.extend(_check_consistency(where, by_lang))
    return by_lang


def _check_article(article: Article, folder: Path, today: dt.date) -> Iterable[Problem]:
    where = f"{folder.parent.name}/{folder.name}/{article.lang}.md"
    if article.id != folder.name:
        yield Problem(where, f"id '{article.id}' differs from the folder name '{folder.name}'")
    if article.topic != folder.parent.name:
        yield Problem(
            where, f"topic '{article.topic}' differs from the folder '{folder.parent.name}'"
        )
    if len(article.questions) < MIN_QUESTIONS:
        yield Problem(where, f"needs at least {MIN_QUESTIONS} example questions")
    if any(not q for q in article.questions):
        yield Problem(where, "empty example question")
    if not article.sources:
        yield Problem(where, "needs at least one source")
    for source in article.sources:
        if not _is_web_url(source.url):
            yield Problem(where, f"source URL is not a well-formed http(s) URL: {source.url!r}")
    if not article.lead:
        yield Problem(where, "the body needs a lead paragraph")
    elif len(article.lead) > MAX_LEAD_CHARS:
        yield Problem(
            where, f"lead paragraph is {len(article.lead)} characters (max {MAX_LEAD_CHARS})"
        )
    if article.reviewed > today:
        yield Problem(where, f"reviewed date {article.reviewed} is in the future")
    if article.valid_until < article.reviewed:
        yield Problem(where, "valid_until is before the reviewed date")
    if article.is_expired(today):
        yield Problem(where, f"expired on {article.valid_until}: review it and move valid_until")


def _check_consistency(where: str, by_lang: dict[str, Article]) -> Iterable[Problem]:
    def key(a: Article) -> tuple[object, ...]:
        return (a.id, a.topic, a.reviewed, a.valid_until, a.owner, tuple(s.url for s in a.sources))

    reference = by_lang.get("vi") or next(iter(by_lang.values()), None)
    if reference is None:
        return
    for article in by_lang.values():
        if key(article) != key(reference):
            yield Problem(
                f"{where}/{article.lang}.md",
                f"front matter (id, topic, reviewed, valid_until, owner, source URLs) "
                f"differs from {reference.lang}.md",
            )
        if article.data != reference.data:
            yield Problem(f"{where}/{article.lang}.md", f"'data' differs from {reference.lang}.md")


def _check_links(article: Article, known_ids: set[str]) -> Iterable[Problem]:
    where = f"{article.topic}/{article.id}/{article.lang}.md"
    for match in _LINK.finditer(article.body):
        target = match.group("target")
        if target.startswith("kb:"):
            if target[3:] not in known_ids:
                yield Problem(where, f"link to unknown article {target!r}")
        elif not _is_web_url(target):
            yield Problem(
                where, f"link is neither kb:<id> nor a well-formed http(s) URL: {target!r}"
            )


def _check_calibration(path: Path, known_ids: set[str]) -> Iterable[Problem]:
    if not path.exists():
        yield Problem(str(CALIBRATION_FILE), "missing: the answer threshold cannot be calibrated")
        return
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{CALIBRATION_FILE}:{number}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Problem(where, f"not JSON: {exc.msg}")
            continue
        if not isinstance(item, dict) or not str(item.get("q", "")).strip():
            yield Problem(where, "needs a non-empty 'q'")
            continue
        if item.get("lang") not in SUPPORTED_LANGUAGES:
            yield Problem(where, f"'lang' must be one of {list(SUPPORTED_LANGUAGES)}")
        expected = item.get("expected")
        wanted = expected if isinstance(expected, list) else [expected]
        for article_id in wanted:
            if article_id is not None and article_id not in known_ids:
                yield Problem(where, f"expected article {article_id!r} does not exist")


def _is_web_url(url: str) -> bool:
    parts = urlsplit(url)
    return (
        parts.scheme in {"http", "https"}
        and bool(parts.netloc)
        and "." in parts.netloc
        and not any(c.isspace() for c in url)
    )
