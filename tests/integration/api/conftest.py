"""The real ASGI app (real SQLite, real FastAPI) around a scripted dialogue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.config import Settings
from bot.storage.db import sqlite_url
from tests.support.fake_dialogue import FakeDialogue


def make_settings(tmp: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": sqlite_url(tmp / "app.db"),
        "rasa_token": "test-token",
        "session_secret": "s" * 40,
        "public_base_url": "http://desk.test",
        "widget_origins": ("https://portal.example",),
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def dialogue() -> FakeDialogue:
    return FakeDialogue()


@pytest.fixture
def client(tmp_path: Path, dialogue: FakeDialogue) -> Iterator[TestClient]:
    app = create_app(make_settings(tmp_path), dialogue=dialogue)
    with TestClient(app, base_url="http://desk.test") as c:
        yield c
