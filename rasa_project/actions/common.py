"""Small helpers shared by the actions: the visitor's language and plain-text rendering."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker

LANGUAGES = ("en", "vi", "zh", "ko", "ja", "fr", "de", "ru")
_MD_LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")


def visitor_language(tracker: Tracker) -> str:
    """The language to answer in: this turn's gateway metadata, else the slot, else English."""
    metadata: dict[str, Any] = tracker.latest_message.get("metadata") or {}
    lang = metadata.get("language")
    if lang in LANGUAGES:
        return str(lang)
    slot = tracker.get_slot("language")
    return str(slot) if slot in LANGUAGES else "en"


def plain_text(markdown: str) -> str:
    """Markdown links become their text and emphasis markers go: chat clients show plain text."""
    text = _MD_LINK.sub(lambda m: m.group(1), markdown)
    return _EMPHASIS.sub(lambda m: m.group(2), text)


def shorten(text: str, limit: int) -> str:
    """Cut at a sentence or word boundary before ``limit`` characters."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    for mark in ("\n", ". ", "。", "！", "？", "! ", "? "):
        pos = cut.rfind(mark)
        if pos > limit * 0.6:
            return cut[: pos + len(mark)].rstrip() + " …"
    pos = cut.rfind(" ")
    return (cut[:pos] if pos > limit * 0.6 else cut).rstrip() + " …"
