"""Telegram failing (429, 500, timeouts) delays replies; it never loses or repeats them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.core.models import Channel, Officer, Role
from bot.core.ratelimit import Rate
from tests.integration.api.conftest import make_settings
from tests.support.fake_dialogue import FakeDialogue
from tests.support.telegram_standin import BotApiStandIn

pytestmark = pytest.mark.integration
VISITOR = 7


@pytest.fixture
def gateway(tmp_path: Path, standin: BotApiStandIn, dialogue: FakeDialogue) -> Iterator[TestClient]:
    settings = make_settings(
        tmp_path,
        telegram_token=standin.token,
        telegram_api_base_url=standin.base_url,
        visitor_rate=Rate(per_minute=0.5, burst=4),
    )
    with TestClient(create_app(settings, dialogue=dialogue)) as client:
        yield client


def _console(client: TestClient) -> Any:
    return client.app.state.console  # type: ignore[attr-defined]


def _officer_holding_the_ticket(client: TestClient, standin: BotApiStandIn) -> tuple[Officer, str]:
    console = _console(client)
    standin.push(standin.text_update("/human", user_id=VISITOR))
    standin.wait_sent(3)  # consent, "handing you over", queue position
    officer = client.portal.call(
        console.auth.create_officer, "minh", "a long enough passphrase", Role.OFFICER
    )
    conversation = client.portal.call(
        console.conversations.find_by_visitor, Channel.TELEGRAM, str(VISITOR)
    )
    ticket = client.portal.call(console.tickets.active_for, conversation.id)
    client.portal.call(console.queue.claim, ticket.id, officer)
    standin.wait_sent(4)  # "an officer has joined"
    return officer, ticket.id


def _texts(standin: BotApiStandIn) -> list[str]:
    return [s.text for s in standin.messages_to(VISITOR)]


def test_officer_replies_survive_429_500_and_timeouts_once_each_in_order(
    gateway: TestClient, standin: BotApiStandIn
) -> None:
    officer, ticket_id = _officer_holding_the_ticket(gateway, standin)
    queue = _console(gateway).queue
    before = len(_texts(standin))

    standin.fail_next(429, retry_after=1)
    gateway.portal.call(queue.reply, ticket_id, officer, "First: your visa question")
    standin.fail_next(500, times=2)
    gateway.portal.call(queue.reply, ticket_id, officer, "Second: the port address")
    # Longer than python-telegram-bot's 5 s read timeout: the bot gives up on this call.
    standin.fail_next(504, stall=6.0)
    gateway.portal.call(queue.reply, ticket_id, officer, "Third: office hours")

    standin.wait_sent(before + 3, timeout=60)
    time.sleep(1.5)  # anything sent twice would show up now
    replies = [t for t in _texts(standin)[before:]]
    assert replies == [
        "👤 First: your visa question",
        "👤 Second: the port address",
        "👤 Third: office hours",
    ]


def test_the_bots_own_answers_survive_a_failing_api(
    gateway: TestClient, standin: BotApiStandIn, dialogue: FakeDialogue
) -> None:
    standin.push(standin.text_update("Is Long An still a province?", user_id=VISITOR))
    standin.wait_sent(2)
    standin.fail_next(502, times=3)
    standin.push(standin.text_update("Where is the port?", user_id=VISITOR))
    standin.wait_sent(3, timeout=30)
    time.sleep(1.0)
    assert _texts(standin).count("[en] Where is the port?") == 1
    assert len(dialogue.calls) == 2


def test_a_flooder_is_told_to_slow_down_once_and_nothing_is_lost(
    gateway: TestClient, standin: BotApiStandIn, dialogue: FakeDialogue
) -> None:
    for i in range(9):
        standin.push(standin.text_update(f"message number {i}", user_id=VISITOR))
    time.sleep(3.0)
    texts = _texts(standin)
    slow = [t for t in texts if "very quickly" in t]
    assert len(slow) == 1
    assert len(dialogue.calls) == 4  # the burst; the rest were stored, not processed
    console = _console(gateway)
    conversation = gateway.portal.call(
        console.conversations.find_by_visitor, Channel.TELEGRAM, str(VISITOR)
    )
    stored = gateway.portal.call(console.conversations.messages_after, conversation.id, 0, 100)
    visitor = [m.text for m in stored if m.sender.value == "visitor"]
    assert visitor == [f"message number {i}" for i in range(9)]
