from __future__ import annotations

from pathlib import Path

import pytest

from index.cli import main
from tests.support.kb_builder import write_article


def test_check_passes_on_a_valid_base(small_kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for article_id in ("work-permits", "e-visa"):
        folder = (
            small_kb / ("investment" if article_id == "work-permits" else "tourism") / article_id
        )
        write_article(small_kb, article_id, topic=folder.parent.name)
    code = main(["--knowledge", str(small_kb), "check", "--today", "2026-11-26"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "ok: 3 articles x 8 languages" in out


def test_check_fails_and_lists_problems(small_kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--knowledge", str(small_kb), "check", "--today", "2026-11-26"])
    captured = capsys.readouterr()
    assert code == 1
    assert "investment/work-permits: missing language: vi.md" in captured.out
    assert "problem(s)" in captured.err


def test_search_without_an_index_explains_what_to_do(
    small_kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["--knowledge", str(small_kb), "--index-dir", str(tmp_path / "none"), "search", "visa"]
    )
    assert code == 2
    assert "python -m index build" in capsys.readouterr().err


def test_unknown_embedder_is_a_clear_error(
    small_kb: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--knowledge", str(small_kb), "--embedder", "word2vec", "build"])
    assert code == 2
    assert "unknown embedder 'word2vec'" in capsys.readouterr().err
