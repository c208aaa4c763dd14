from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from index.articles import parse_article, split_body
from index.errors import KnowledgeError
from tests.support.kb_builder import write_article


def test_parses_front_matter_lead_and_sections(tmp_path: Path) -> None:
    folder = write_article(
        tmp_path,
        "e-visa",
        sections="## Fees\nUS$25 single entry.\n\n## Portal\nUse the official portal.",
        sources=[
            {
                "url": "https://a.gov.vn/x",
                "title": "R",
                "instrument": "Resolution 1",
                "date": "2023-08-14",
            }
        ],
    )
    article = parse_article(folder / "ko.md")
    assert article.id == "e-visa"
    assert article.lang == "ko"
    assert article.lead == "About e-visa in ko."
    assert [s.title for s in article.sections] == ["Fees", "Portal"]
    assert article.sections[1].text == "Use the official portal."
    assert article.sources[0].date == dt.date(2023, 8, 14)
    assert article.sources[0].instrument == "Resolution 1"
    assert article.valid_until == dt.date(2099, 12, 31)


def test_file_without_front_matter_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "en.md"
    path.write_text("Just text\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="no front matter"):
        parse_article(path)


def test_missing_required_field_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "en.md"
    path.write_text("---\nid: x\ntopic: press\n---\nBody\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="title"):
        parse_article(path)


def test_split_body_without_sections_keeps_only_the_first_paragraph_as_lead() -> None:
    lead, sections = split_body("First paragraph.\n\nSecond paragraph.")
    assert lead == "First paragraph."
    assert sections == ()


def test_expiry_is_inclusive_of_the_last_valid_day(tmp_path: Path) -> None:
    folder = write_article(tmp_path, "x", valid_until="2026-06-30")
    article = parse_article(folder / "en.md")
    assert not article.is_expired(dt.date(2026, 6, 30))
    assert article.is_expired(dt.date(2026, 7, 1))
