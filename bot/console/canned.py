"""Canned replies in the visitor's language (``canned.yml``)."""

from __future__ import annotations

from pathlib import Path

import yaml

FILE = Path(__file__).with_name("canned.yml")


class CannedReplies:
    def __init__(self, replies: dict[str, dict[str, str]]) -> None:
        self._replies = replies

    @classmethod
    def load(cls, path: Path = FILE) -> CannedReplies:
        return cls(yaml.safe_load(path.read_text(encoding="utf-8")))

    def for_language(self, lang: str) -> list[dict[str, str]]:
        """``[{"key", "text"}]`` in ``lang`` (English where a text is missing)."""
        return [
            {"key": key, "text": texts.get(lang) or texts["en"]}
            for key, texts in self._replies.items()
        ]
