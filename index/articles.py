"""One knowledge article in one language, parsed from Markdown with YAML front matter.

The file format is described in ``knowledge/README.md``. Parsing is lenient about content (the
validator in :mod:`index.validate` reports problems) but strict about structure: a file without
front matter cannot be read at all.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from index.errors import KnowledgeError

_FRONT_MATTER = re.compile(r"\A---\n(?P<meta>.*?)\n---\n(?P<body>.*)\Z", re.DOTALL)
_HEADING = re.compile(r"^##\s+(?P<title>.+?)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Source:
    """Where a fact comes from: a web page and, for legal content, the instrument."""

    url: str
    title: str
    instrument: str | None = None
    date: dt.date | None = None

    def to_json(self) -> dict[str, str | None]:
        return {
            "url": self.url,
            "title": self.title,
            "instrument": self.instrument,
            "date": self.date.isoformat() if self.date else None,
        }


@dataclass(frozen=True)
class Section:
    """A ``##`` section of an article body; searched on its own."""

    index: int
    title: str
    text: str


@dataclass(frozen=True)
class Article:
    """One article in one language.

    Attributes:
        id: Stable identifier, equal to the article's folder name.
        topic: One of ``province``, ``investment``, ``tourism``, ``press``.
        lang: The language of this file (``en``, ``vi``, ...).
        title: Title in ``lang``.
        questions: Example visitor questions in ``lang``; indexed to help retrieval.
        sources: Where the facts come from.
        reviewed: When a person last checked the facts.
        valid_until: The last day the article may be served without a new review.
        owner: The team that keeps it correct.
        lead: The first paragraph: the short answer shown on a phone.
        sections: The ``##`` sections after the lead.
        data: Optional machine-readable values (e.g. lead times used by the dialogue).
        path: The file the article was read from.
    """

    id: str
    topic: str
    lang: str
    title: str
    questions: tuple[str, ...]
    sources: tuple[Source, ...]
    reviewed: dt.date
    valid_until: dt.date
    owner: str
    lead: str
    sections: tuple[Section, ...]
    body: str
    data: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    path: Path | None = field(default=None, compare=False)

    def is_expired(self, today: dt.date) -> bool:
        """Return True once ``valid_until`` has passed."""
        return today > self.valid_until


def parse_article(path: Path) -> Article:
    """Read one ``<lang>.md`` file.

    Raises:
        KnowledgeError: the file has no front matter, the YAML is invalid, or a required field
            is missing or of the wrong type.
    """
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise KnowledgeError(f"{path}: no front matter (the file must start with '---')")
    try:
        meta = yaml.safe_load(match.group("meta"))
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path}: front matter is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise KnowledgeError(f"{path}: front matter must be a mapping")
    body = match.group("body").strip()
    lead, sections = split_body(body)
    try:
        return Article(
            id=_text(meta, "id"),
            topic=_text(meta, "topic"),
            lang=path.stem,
            title=_text(meta, "title"),
            questions=tuple(str(q).strip() for q in _list(meta, "questions")),
            sources=tuple(_source(s) for s in _list(meta, "sources")),
            reviewed=_date(meta, "reviewed"),
            valid_until=_date(meta, "valid_until"),
            owner=_text(meta, "owner"),
            lead=lead,
            sections=sections,
            body=body,
            data=dict(meta.get("data") or {}),
            path=path,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise KnowledgeError(f"{path}: {exc}") from exc


def split_body(body: str) -> tuple[str, tuple[Section, ...]]:
    """Split a Markdown body into its lead paragraph and its ``##`` sections."""
    headings = list(_HEADING.finditer(body))
    intro = body[: headings[0].start()] if headings else body
    lead = intro.strip().split("\n\n", 1)[0].strip()
    sections = []
    for i, heading in enumerate(headings):
        end = headings[i + 1].start() if i + 1 < len(headings) else len(body)
        sections.append(
            Section(index=i, title=heading.group("title"), text=body[heading.end() : end].strip())
        )
    return lead, tuple(sections)


def _text(meta: dict[str, Any], key: str) -> str:
    value = meta[key]
    if not isinstance(value, str) or not value.strip():
        raise TypeError(f"'{key}' must be a non-empty string")
    return value.strip()


def _list(meta: dict[str, Any], key: str) -> list[Any]:
    value = meta[key]
    if not isinstance(value, list):
        raise TypeError(f"'{key}' must be a list")
    return value


def _date(meta: dict[str, Any], key: str) -> dt.date:
    value = meta[key]
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _source(raw: Any) -> Source:
    if not isinstance(raw, dict):
        raise TypeError("each source must be a mapping with 'url' and 'title'")
    date = raw.get("date")
    if date is not None and not isinstance(date, dt.date):
        date = dt.date.fromisoformat(str(date))
    instrument = raw.get("instrument")
    return Source(
        url=str(raw["url"]).strip(),
        title=str(raw.get("title") or raw["url"]).strip(),
        instrument=str(instrument).strip() if instrument else None,
        date=date,
    )
