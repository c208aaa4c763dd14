from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from index.validate import check_knowledge
from tests.support.kb_builder import write_article, write_calibration

TODAY = dt.date(2026, 11, 26)


def _messages(root: Path) -> list[str]:
    return [str(p) for p in check_knowledge(root, TODAY)]


def _valid_base(root: Path) -> None:
    write_article(root, "one", topic="tourism", sections="## More\nSee [two](kb:two).")
    write_article(root, "two", topic="press")
    write_calibration(root, [("what is one", "en", "one"), ("weather", "en", None)])


def test_a_complete_base_has_no_problems(tmp_path: Path) -> None:
    _valid_base(tmp_path)
    assert _messages(tmp_path) == []


def test_missing_language_is_reported(tmp_path: Path) -> None:
    _valid_base(tmp_path)
    (tmp_path / "press" / "two" / "ja.md").unlink()
    assert _messages(tmp_path) == ["press/two: missing language: ja.md"]


def test_duplicate_ids_across_topics(tmp_path: Path) -> None:
    _valid_base(tmp_path)
    shutil.copytree(tmp_path / "press" / "two", tmp_path / "province" / "two")
    messages = _messages(tmp_path)
    assert any("duplicate article id" in m for m in messages)


def test_id_and_topic_must_match_the_folders(tmp_path: Path) -> None:
    _valid_base(tmp_path)
    write_article(tmp_path, "three", topic="tourism", overrides={"fr": {"id": "drei"}})
    messages = _messages(tmp_path)
    assert any("fr.md: id 'drei' differs from the folder name 'three'" in m for m in messages)
    assert any("fr.md: front matter" in m and "differs" in m for m in messages)


def test_badly_formed_links_and_unknown_articles(tmp_path: Path) -> None:
    _valid_base(tmp_path)
    write_article(
        tmp_path,
        "three",
        sections="## Links\n[a](kb:nowhere) [b](htp//broken) [c](https://ok.gov.vn/p)",
        sources=[{"url": "not a url", "title": "x"}],
    )
    messages = _messages(tmp_path)
    assert any("link to unknown article 'kb:nowhere'" in m for m in messages)
    assert any("'htp//broken'" in m for m in messages)
    assert any("source URL is not a well-formed" in m for m in messages)
    assert not any("ok.gov.vn" in m for m in messages)


def test_expired_article_is_an_error(tmp_path: Path) -> None:
    _valid_base(tmp_path)
    write_article(tmp_path, "old", valid_until="2026-11-25", reviewed="2026-01-01")
    messages = _messages(tmp_path)
    assert len([m for m in messages if "expired on 2026-11-25" in m]) == 8


def test_long_lead_and_few_questions(tmp_path: Path) -> None:
    _valid_base(tmp_path)
    write_article(tmp_path, "wordy", overrides={"de": {"questions": ["nur eine"]}})
    lead_file = tmp_path / "tourism" / "wordy" / "en.md"
    text = lead_file.read_text(encoding="utf-8").replace("About wordy in en.", "x" * 600)
    lead_file.write_text(text, encoding="utf-8")
    messages = _messages(tmp_path)
    assert "tourism/wordy/en.md: lead paragraph is 600 characters (max 500)" in messages
    assert "tourism/wordy/de.md: needs at least 3 example questions" in messages


def test_calibration_must_name_existing_articles(tmp_path: Path) -> None:
    _valid_base(tmp_path)
    write_calibration(tmp_path, [("q", "en", "ghost"), ("q2", "xx", None)])
    messages = _messages(tmp_path)
    assert any("expected article 'ghost' does not exist" in m for m in messages)
    assert any("'lang' must be one of" in m for m in messages)


def test_unparsable_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    _valid_base(tmp_path)
    (tmp_path / "press" / "two" / "vi.md").write_text("---\n: : bad\n---\nx", encoding="utf-8")
    messages = _messages(tmp_path)
    assert any(m.startswith("press/two/vi.md:") for m in messages)
