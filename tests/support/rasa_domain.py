"""The real Rasa domain, merged from rasa_project/domain/ the way Rasa merges a directory."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

DOMAIN_DIR = Path(__file__).resolve().parents[2] / "rasa_project" / "domain"


@functools.cache
def load_domain() -> dict[str, Any]:
    merged: dict[str, Any] = {
        "responses": {},
        "slots": {},
        "forms": {},
        "intents": [],
        "actions": [],
    }
    for path in sorted(DOMAIN_DIR.rglob("*.yml")):
        part = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key in ("responses", "slots", "forms"):
            merged[key].update(part.get(key) or {})
        for key in ("intents", "actions"):
            merged[key].extend(part.get(key) or [])
    return merged
