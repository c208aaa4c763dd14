"""Small helpers shared by the actions: the visitor's language and plain-text rendering."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker

from index.languages import DEFAULT_LANGUAGE
from index.languages import SUPPORTED_LANGUAGES as LANGUAGES

_MD_LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")


def metadata_language(tracker: Tracker) -> str | None:
    """The language the gateway chose for this turn, if it sent a supported one."""
    metadata: dict[str, Any] = tracker.latest_message.get("metadata") or {}
    lang = metadata.get("language")
    return str(lang) if lang in LANGUAGES else None


def visitor_language(tracker: Tracker) -> str:
    """The language to answer in: this turn's gateway metadata, else the slot, else English."""
    lang = metadata_language(tracker)
    if lang is not None:
        return lang
    slot = tracker.get_slot("language")
    return str(slot) if slot in LANGUAGES else DEFAULT_LANGUAGE


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
