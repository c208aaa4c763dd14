"""The gateway's own messages in the eight languages (``locales/messages.yml``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from bot.core.language import DEFAULT, SUPPORTED

CATALOGUE_FILE = Path(__file__).with_name("locales") / "messages.yml"


class _Keep(dict[str, Any]):
    """Leaves an unknown placeholder visible instead of failing the reply."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Catalogue:
    """Looks up a message by key and language, falling back to English."""

    def __init__(self, messages: Mapping[str, Mapping[str, str]]) -> None:
        missing = [
            f"{key}.{lang}"
            for key, by_lang in messages.items()
            for lang in SUPPORTED
            if lang not in by_lang
        ]
        if missing:
            raise ValueError(f"untranslated messages: {', '.join(missing[:10])}")
        self._messages = messages

    @classmethod
    def load(cls, path: Path = CATALOGUE_FILE) -> Catalogue:
        return cls(yaml.safe_load(path.read_text(encoding="utf-8")))

    def names(self) -> list[str]:
        return list(self._messages)

    def text(self, key: str, lang: str, /, **values: Any) -> str:
        """The message ``key`` in ``lang`` with placeholders filled.

        Raises:
            KeyError: unknown key (a programming error, not a visitor error).
        """
        by_lang = self._messages[key]
        template = by_lang.get(lang) or by_lang[DEFAULT]
        return template.format_map(_Keep(values))
