from __future__ import annotations

import re

import pytest

from bot.core.i18n import Catalogue
from bot.core.language import SUPPORTED


def test_every_message_exists_in_every_language_with_the_same_placeholders() -> None:
    catalogue = Catalogue.load()
    for key in catalogue.names():
        english = set(re.findall(r"\{(\w+)\}", catalogue.text(key, "en")))
        for lang in SUPPORTED:
            assert set(re.findall(r"\{(\w+)\}", catalogue.text(key, lang))) == english, (key, lang)


def test_language_set_names_its_own_language() -> None:
    catalogue = Catalogue.load()
    assert "tiếng Việt" in catalogue.text("language_set", "vi")
    assert "日本語" in catalogue.text("language_set", "ja")
    assert "English" in catalogue.text("language_set", "en")


def test_placeholders_are_filled_and_unknown_ones_survive() -> None:
    catalogue = Catalogue({k: {lang: "{a} and {b}" for lang in SUPPORTED} for k in ["x"]})
    assert catalogue.text("x", "de", a=1) == "1 and {b}"


def test_a_catalogue_missing_a_language_is_refused() -> None:
    with pytest.raises(ValueError, match="untranslated"):
        Catalogue({"x": {"en": "hello"}})
