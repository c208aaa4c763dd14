from __future__ import annotations

from index.lexical import LexicalIndex, fold, terms


def test_folding_matches_text_typed_without_diacritics() -> None:
    assert fold("Làng nổi Tân Lập, Đồng Tháp Mười") == "lang noi tan lap, dong thap muoi"
    assert set(terms("lang noi tan lap")) <= set(terms("Làng nổi Tân Lập"))


def test_terms_per_script() -> None:
    assert "tan_lap" in terms("Tân Lập")  # neighbouring words form one term
    assert terms("隆安港") == ["隆安", "安港"]  # Han: character bigrams
    assert "롱안" in terms("롱안 항구")  # Hangul too
    assert "#pho" in terms("Phố")


def test_rare_shared_name_outranks_common_words() -> None:
    index = LexicalIndex(
        {
            "phuc-long": ["Phúc Long industrial park in Bến Lức, expansion approved"],
            "phuoc-dong": ["Phước Đông industrial park and port in Cần Đước"],
            "port": ["Long An International Port has seven berths"],
        }
    )
    scores = dict(zip(index.article_ids, index.scores("phuc long ben luc"), strict=True))
    assert max(scores, key=lambda a: scores[a]) == "phuc-long"
    assert index.scores("quantum chromodynamics").max() == 0.0
