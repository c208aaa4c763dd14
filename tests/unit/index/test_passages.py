from __future__ import annotations

from pathlib import Path

from index.knowledge import content_hash, load_knowledge
from index.passages import PassageKind, passages_of, strip_diacritics


def test_strip_diacritics_the_way_people_type() -> None:
    assert strip_diacritics("Đường đến Láng Sen ở đâu?") == "Duong den Lang Sen o dau?"


def test_every_language_contributes_lead_sections_and_questions(small_kb: Path) -> None:
    passages = passages_of(load_knowledge(small_kb))
    wetland_vi = [p for p in passages if p.article_id == "lang-sen" and p.lang == "vi"]
    kinds = [p.kind for p in wetland_vi]
    assert kinds.count(PassageKind.LEAD) == 1
    assert kinds.count(PassageKind.SECTION) == 1
    texts = {p.text for p in wetland_vi if p.kind is PassageKind.QUESTION}
    # Vietnamese questions are indexed with and without diacritics.
    assert "Xem sen và chim nước ở đâu?" in texts
    assert "Xem sen va chim nuoc o dau?" in texts
    section = next(p for p in wetland_vi if p.kind is PassageKind.SECTION)
    assert section.text.startswith("Khu bảo tồn đất ngập nước Láng Sen: Details.")


def test_content_hash_follows_content_not_location(small_kb: Path, tmp_path: Path) -> None:
    import shutil

    before = content_hash(small_kb)
    moved = tmp_path / "elsewhere"
    shutil.copytree(small_kb, moved)
    assert content_hash(moved) == before
    (moved / "tourism" / "e-visa" / "en.md").write_text(
        (moved / "tourism" / "e-visa" / "en.md").read_text(encoding="utf-8") + "\nMore.\n",
        encoding="utf-8",
    )
    assert content_hash(moved) != before
