"""Telegram visitors are served in parallel; each visitor's messages stay in order."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.core.models import Reply
from bot.core.ports import DialogueTurn
from tests.integration.api.conftest import make_settings
from tests.support.telegram_standin import BotApiStandIn

pytestmark = pytest.mark.integration
SLOW, FAST = 31, 32


@dataclass
class SlowForOne:
    """Rasa taking two seconds for one question."""

    order: list[str] = field(default_factory=list)

    async def send(self, conversation_id: str, text: str, language: str) -> DialogueTurn:
        if text.startswith("slow"):
            await asyncio.sleep(2.0)
        self.order.append(text)
        return DialogueTurn((Reply(f"answer to {text}"),))

    async def forget(self, conversation_id: str) -> None:
        pass

    async def ready(self) -> bool:
        return True


def test_a_slow_answer_holds_up_nobody_else_and_nothing_overtakes_it(
    tmp_path: Path, standin: BotApiStandIn
) -> None:
    dialogue = SlowForOne()
    settings = make_settings(
        tmp_path, telegram_token=standin.token, telegram_api_base_url=standin.base_url
    )
    with TestClient(create_app(settings, dialogue=dialogue)):
        standin.push(standin.text_update("slow question about land lease", user_id=SLOW))
        standin.push(standin.text_update("second question from the same visitor", user_id=SLOW))
        standin.push(standin.text_update("quick question from someone else", user_id=FAST))
        standin.wait_sent(5, timeout=30)  # two consents, three answers
    assert dialogue.order.index("quick question from someone else") == 0
    assert dialogue.order[1:] == [
        "slow question about land lease",
        "second question from the same visitor",
    ]
    answers = [s.text for s in standin.messages_to(SLOW) if s.text.startswith("answer")]
    assert answers == [
        "answer to slow question about land lease",
        "answer to second question from the same visitor",
    ]
