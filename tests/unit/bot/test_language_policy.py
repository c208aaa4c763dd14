from __future__ import annotations

import pytest

from bot.core.language import LanguageDetector, LanguagePolicy, normalise
from bot.core.models import LanguageSource as Src

policy = LanguagePolicy()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("안녕", "ko"),  # one word is enough for a script
        ("こんにちは", "ja"),
        ("東京に行きたいです", "ja"),  # kanji with kana
        ("你好", "zh"),
        ("привет", "ru"),
        ("Tôi muốn hỏi về visa", "vi"),
        ("đi đâu", "vi"),
        ("Where can I see the lotus fields in the wetland reserve?", "en"),
        ("Où peut-on voir les champs de lotus dans la réserve ?", "fr"),
        ("Wo kann man die Lotusfelder im Schutzgebiet sehen?", "de"),
        ("ok", None),  # too short to tell
        ("Marie Dupont", None),
        ("TN-7KQ4XP", None),
    ],
)
def test_detection(text: str, expected: str | None) -> None:
    detected = LanguageDetector().detect(text)
    assert (detected.language if detected else None) == expected


def test_explicit_choice_wins_and_sticks() -> None:
    first = policy.resolve(
        "안녕하세요", explicit="fr", hint="ko-KR", current=None, current_source=None
    )
    assert (first.language, first.source) == ("fr", Src.EXPLICIT)
    later = policy.resolve(
        "안녕하세요", explicit=None, hint=None, current="fr", current_source=Src.EXPLICIT
    )
    assert later.language == "fr"


def test_detection_beats_the_channel_hint() -> None:
    r = policy.resolve(
        "xin chào, tôi cần hỏi", explicit=None, hint="en-US", current=None, current_source=None
    )
    assert (r.language, r.source) == ("vi", Src.DETECTED)


def test_hint_is_used_when_the_message_says_nothing() -> None:
    r = policy.resolve("hi", explicit=None, hint="ko-KR", current=None, current_source=None)
    assert (r.language, r.source) == ("ko", Src.HINT)


def test_short_latin_text_keeps_a_confident_language() -> None:
    for text in ("Marie Dupont", "ok", "Le Monde", "Berlin"):
        r = policy.resolve(
            text, explicit=None, hint="en", current="fr", current_source=Src.DETECTED
        )
        assert r.language == "fr", text


def test_a_clear_switch_changes_the_language() -> None:
    by_script = policy.resolve(
        "한국어로 해 주세요", explicit=None, hint=None, current="en", current_source=Src.DETECTED
    )
    assert by_script.language == "ko"
    long_german = policy.resolve(
        "Könnten Sie mir bitte erklären, wie die Einreise mit dem Visum funktioniert?",
        explicit=None,
        hint=None,
        current="en",
        current_source=Src.DETECTED,
    )
    assert long_german.language == "de"


def test_default_is_english() -> None:
    r = policy.resolve("ok", explicit=None, hint="pt-BR", current=None, current_source=None)
    assert (r.language, r.source) == ("en", Src.DEFAULT)


@pytest.mark.parametrize(
    ("code", "expected"), [("ko-KR", "ko"), ("zh_Hans", "zh"), ("pt-BR", None), ("", None)]
)
def test_normalise(code: str, expected: str | None) -> None:
    assert normalise(code) == expected
