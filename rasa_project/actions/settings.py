"""Configuration of the action server, read once from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from index.embedders import DEFAULT_EMBEDDER

_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class ActionSettings:
    knowledge_dir: Path
    index_dir: Path
    embedder: str
    public_base_url: str
    office_timezone: str

    @classmethod
    def from_env(cls) -> ActionSettings:
        return cls(
            knowledge_dir=Path(os.environ.get("KNOWLEDGE_DIR", _ROOT / "knowledge")),
            index_dir=Path(os.environ.get("INDEX_DIR", _ROOT / "var" / "index")),
            embedder=os.environ.get("EMBEDDER", DEFAULT_EMBEDDER),
            public_base_url=os.environ.get("PUBLIC_BASE_URL", "http://localhost:8000").rstrip("/"),
            office_timezone=os.environ.get("OFFICE_TIMEZONE", "Asia/Ho_Chi_Minh"),
        )
