"""Builders for small knowledge bases written to a temporary folder."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml

LANGS = ("en", "vi", "zh", "ko", "ja", "fr", "de", "ru")


def write_article(
    root: Path,
    article_id: str,
    *,
    topic: str = "tourism",
    texts: Mapping[str, tuple[str, str, list[str]]] | None = None,
    langs: Iterable[str] = LANGS,
    valid_until: str = "2099-12-31",
    reviewed: str = "2026-01-01",
    sources: list[dict[str, str]] | None = None,
    sections: str = "## Details\nMore about the subject.",
    overrides: Mapping[str, Mapping[str, object]] | None = None,
) -> Path:
    """Write ``<topic>/<article_id>/<lang>.md`` files; returns the article folder.

    ``texts`` maps a language to ``(title, lead, questions)``; languages without an entry get
    a generic text naming the article id.
    """
    folder = root / topic / article_id
    folder.mkdir(parents=True, exist_ok=True)
    for lang in langs:
        title, lead, questions = (texts or {}).get(
            lang,
            (
                f"{article_id} ({lang})",
                f"About {article_id} in {lang}.",
                [f"What is {article_id}?", f"Tell me about {article_id}", f"{article_id} info"],
            ),
        )
        meta: dict[str, object] = {
            "id": article_id,
            "topic": topic,
            "title": title,
            "questions": questions,
            "sources": sources or [{"url": "https://example.gov.vn/page", "title": "Example"}],
            "reviewed": reviewed,
            "valid_until": valid_until,
            "owner": "test-desk",
        }
        meta.update((overrides or {}).get(lang, {}))
        front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
        (folder / f"{lang}.md").write_text(
            f"---\n{front}---\n{lead}\n\n{sections}\n", encoding="utf-8"
        )
    return folder


def write_calibration(root: Path, items: Iterable[tuple[str, str, str | None]]) -> Path:
    """Write ``_eval/calibration.jsonl`` from ``(question, lang, expected id or None)``."""
    path = root / "_eval" / "calibration.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps({"q": q, "lang": lang, "expected": exp}) for q, lang, exp in items]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
