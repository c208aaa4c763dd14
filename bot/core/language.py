"""Which language to answer in.

Precedence (ARCHITECTURE.md): the visitor's explicit choice > a language detected from a
message long and clear enough > the channel's hint (Telegram ``language_code``, the page's or
browser's locale) > the conversation's current language > English.

Detection combines script rules, which are certain even for one word (Hangul is Korean, kana is
Japanese, Cyrillic is Russian here, Vietnamese letters such as ơ, ư, đ and stacked tone marks
are Vietnamese), with langdetect (fixed seed, restricted to the eight languages) for the
Latin-script languages, where single words are exactly where detectors fail. Once a
conversation has a confident language it keeps it until a message clearly says otherwise, so a
name typed into a form ("Marie Dupont") never flips the reply language.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from bot.core.models import LanguageSource

SUPPORTED = ("en", "vi", "zh", "ko", "ja", "fr", "de", "ru")
DEFAULT = "en"

_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# Letters only Vietnamese uses among the eight languages (ă â ê ô ơ ư đ and vowels carrying
# the hook, dot-below or tilde tones).
_VIETNAMESE = re.compile(r"[ăắằẳẵặơớờởỡợưứừửữựđảạấầẩẫậẻẽẹếềểễệỉĩịỏọốồổỗộủũụỷỹỵ]", re.IGNORECASE)
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)

# langdetect is only trusted on Latin text of some length, and only when it is sure.
MIN_LETTERS_TO_DETECT = 12
MIN_WORDS_TO_DETECT = 3
MIN_PROBABILITY = 0.80
# Switching away from a language the conversation is already confident in needs more.
MIN_WORDS_TO_SWITCH = 4
MIN_PROBABILITY_TO_SWITCH = 0.99

# Only the Latin-script languages: the others are decided by script, never by statistics.
_STATISTICAL = frozenset({"en", "vi", "fr", "de"})


@dataclass(frozen=True)
class Detection:
    language: str
    by_script: bool
    probability: float


@dataclass(frozen=True)
class Resolution:
    language: str
    source: LanguageSource


def normalise(code: str | None) -> str | None:
    """``ko-KR`` -> ``ko``, ``zh-hans`` -> ``zh``; None for anything outside the eight."""
    if not code:
        return None
    base = code.strip().lower().replace("_", "-").split("-")[0]
    return base if base in SUPPORTED else None


class LanguageDetector:
    """Script rules plus a seeded, restricted langdetect."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._factory_ready = False

    def detect(self, text: str, *, current: str | None = None) -> Detection | None:
        if _HANGUL.search(text):
            return Detection("ko", True, 1.0)
        if _KANA.search(text):
            return Detection("ja", True, 1.0)
        if _HAN.search(text):
            # Kanji without kana: Japanese if the conversation is, Chinese otherwise.
            return Detection("ja" if current == "ja" else "zh", True, 1.0)
        if _CYRILLIC.search(text):
            return Detection("ru", True, 1.0)
        if _VIETNAMESE.search(text):
            return Detection("vi", True, 1.0)
        letters = len(_LETTER.findall(text))
        words = len(text.split())
        if letters < MIN_LETTERS_TO_DETECT or words < MIN_WORDS_TO_DETECT:
            return None
        return self._statistical(text)

    def _statistical(self, text: str) -> Detection | None:
        from langdetect import DetectorFactory, detect_langs
        from langdetect.lang_detect_exception import LangDetectException

        with self._lock:
            if not self._factory_ready:
                DetectorFactory.seed = 0  # deterministic answers
                self._factory_ready = True
            try:
                candidates = detect_langs(text)
            except LangDetectException:
                return None
        for candidate in candidates:
            if candidate.lang in _STATISTICAL:
                if candidate.prob >= MIN_PROBABILITY:
                    return Detection(candidate.lang, False, float(candidate.prob))
                return None
        return None


class LanguagePolicy:
    """Decides the reply language for one message."""

    def __init__(self, detector: LanguageDetector | None = None) -> None:
        self._detector = detector or LanguageDetector()

    def resolve(
        self,
        text: str,
        *,
        explicit: str | None,
        hint: str | None,
        current: str | None,
        current_source: LanguageSource | None,
    ) -> Resolution:
        chosen = normalise(explicit)
        if chosen:
            return Resolution(chosen, LanguageSource.EXPLICIT)
        if current and current_source is LanguageSource.EXPLICIT:
            return Resolution(current, LanguageSource.EXPLICIT)
        detection = self._detector.detect(text, current=current)
        confident = current is not None and current_source is LanguageSource.DETECTED
        if detection is not None and (
            not confident or detection.language == current or self._clear_switch(text, detection)
        ):
            return Resolution(detection.language, LanguageSource.DETECTED)
        if confident and current:
            return Resolution(current, LanguageSource.DETECTED)
        hinted = normalise(hint)
        if hinted:
            return Resolution(hinted, LanguageSource.HINT)
        if current:
            return Resolution(current, current_source or LanguageSource.DEFAULT)
        return Resolution(DEFAULT, LanguageSource.DEFAULT)

    @staticmethod
    def _clear_switch(text: str, detection: Detection) -> bool:
        if detection.by_script:
            return True
        return (
            len(text.split()) >= MIN_WORDS_TO_SWITCH
            and detection.probability >= MIN_PROBABILITY_TO_SWITCH
        )
