"""Log lines carry the conversation id being handled, as text or as one JSON object."""

from __future__ import annotations

import json
import logging

import pytest

from bot import logs
from bot.core import logcontext


@pytest.fixture
def restore_root() -> object:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield root
    root.handlers[:] = handlers
    root.setLevel(level)


def _emit(capsys: pytest.CaptureFixture[str], fmt: str, conversation: str | None) -> str:
    logs.configure("INFO", fmt)
    logcontext.conversation_id.set(conversation)
    logging.getLogger("bot.test").info("ticket %s opened", "T-1")
    return capsys.readouterr().err.strip()


def test_json_lines_with_the_conversation_id(
    restore_root: object, capsys: pytest.CaptureFixture[str]
) -> None:
    entry = json.loads(_emit(capsys, "json", "conv-123"))
    assert entry["message"] == "ticket T-1 opened"
    assert entry["conversation_id"] == "conv-123"
    assert entry["level"] == "INFO" and entry["logger"] == "bot.test"
    assert "conversation_id" not in json.loads(_emit(capsys, "json", None))


def test_text_lines_name_the_conversation(
    restore_root: object, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _emit(capsys, "text", "conv-9").endswith("ticket T-1 opened [conversation=conv-9]")
    assert _emit(capsys, "text", None).endswith("ticket T-1 opened")
