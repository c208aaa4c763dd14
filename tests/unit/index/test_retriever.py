from __future__ import annotations

import datetime as dt
from pathlib import Path

from index.builder import build_index
from index.knowledge import load_knowledge
from index.retriever import Retriever
from tests.support.fake_embedder import TrigramEmbedder
from tests.support.kb_builder import write_article


def _retriever(
    root: Path, out: Path, embedder: TrigramEmbedder, today: dt.date = dt.date(2026, 11, 26)
) -> Retriever:
    build_index(load_knowledge(root), embedder, out, progress=False)
    return Retriever.open(root, out, embedder, clock=lambda: today)


def test_answers_in_the_requested_language(
    small_kb: Path, tmp_path: Path, trigram: TrigramEmbedder
) -> None:
    retriever = _retriever(small_kb, tmp_path / "ix", trigram)
    result = retriever.search("where to see lotus and water birds", lang="vi")
    assert result.answerable
    best = result.best
    assert best is not None
    assert best.article_id == "lang-sen"
    assert best.lang == "vi"
    assert not best.fallback
    assert best.title == "Khu bảo tồn đất ngập nước Láng Sen"
    assert best.path == "/kb/lang-sen?lang=vi"


def test_falls_back_to_english_and_says_so(
    small_kb: Path, tmp_path: Path, trigram: TrigramEmbedder
) -> None:
    retriever = _retriever(small_kb, tmp_path / "ix", trigram)
    best = retriever.search("work permit for foreign employees", lang="ko").best
    assert best is not None
    assert best.article_id == "work-permits"
    assert best.lang == "en"
    assert best.fallback


def test_unrelated_question_is_not_answerable(
    small_kb: Path, tmp_path: Path, trigram: TrigramEmbedder
) -> None:
    retriever = _retriever(small_kb, tmp_path / "ix", trigram)
    result = retriever.search("quantum chromodynamics cake recipe", lang="en")
    assert not result.answerable
    assert result.best is None
    assert result.hits  # ranked anyway, for logging knowledge gaps


def test_expired_article_is_never_served(
    small_kb: Path, tmp_path: Path, trigram: TrigramEmbedder
) -> None:
    write_article(
        small_kb,
        "old-visa-fees",
        topic="tourism",
        valid_until="2026-06-30",
        texts={"en": ("Old visa fees", "Visa fees before 2026.", ["old visa fees"])},
        langs=["en"],
    )
    before = _retriever(small_kb, tmp_path / "a", trigram, today=dt.date(2026, 6, 30))
    assert before.search("old visa fees").hits[0].article_id == "old-visa-fees"
    after = _retriever(small_kb, tmp_path / "b", trigram, today=dt.date(2026, 7, 1))
    assert all(h.article_id != "old-visa-fees" for h in after.search("old visa fees", k=10).hits)


def test_empty_question_returns_nothing(
    small_kb: Path, tmp_path: Path, trigram: TrigramEmbedder
) -> None:
    retriever = _retriever(small_kb, tmp_path / "ix", trigram)
    assert retriever.search("   ").hits == ()


def test_best_section_is_picked_in_the_answer_language(
    tmp_path: Path, trigram: TrigramEmbedder
) -> None:
    root = tmp_path / "kb"
    write_article(
        root,
        "port",
        topic="investment",
        langs=["en"],
        texts={"en": ("Port", "The port.", ["port?", "harbour", "berths"])},
        sections=(
            "## Berths\nSeven berths of 1,670 metres.\n\n## Warehouses\nCold storage warehouses."
        ),
    )
    retriever = _retriever(root, tmp_path / "ix", trigram)
    best = retriever.search("cold storage warehouses", k=1).hits[0]
    assert best.section is not None
    assert best.section.title == "Warehouses"
