"""The languages the knowledge base is written in."""

from __future__ import annotations

SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "vi", "zh", "ko", "ja", "fr", "de", "ru")
DEFAULT_LANGUAGE = "en"


def is_supported(lang: str) -> bool:
    """Return True for one of the eight languages the articles are written in."""
    return lang in SUPPORTED_LANGUAGES
