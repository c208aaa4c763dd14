"""The officers' Telegram group: announcement, Claim button, answering by reply."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.core.models import Role
from tests.integration.api.conftest import make_settings
from tests.support.fake_dialogue import FakeDialogue, turn
from tests.support.telegram_standin import BotApiStandIn

pytestmark = pytest.mark.integration
GROUP = -100777
OFFICER_TG = 9001


def test_claim_and_answer_from_the_group(tmp_path: Path, standin: BotApiStandIn) -> None:
    dialogue = FakeDialogue(
        script=lambda text, lang: turn(
            "connecting", signals=[("handoff", {"reason": "requested", "priority": "high"})]
        )
    )
    settings = make_settings(
        tmp_path,
        telegram_token=standin.token,
        telegram_api_base_url=standin.base_url,
        telegram_officers_chat_id=GROUP,
    )
    with TestClient(create_app(settings, dialogue=dialogue)) as client:
        console = client.app.state.console  # type: ignore[attr-defined]
        anna = client.portal.call(
            console.auth.create_officer,
            "anna",
            "a long enough passphrase",  # type: ignore[union-attr]
            Role.OFFICER,
        )
        client.portal.call(console.officers.link_telegram, anna.id, OFFICER_TG)  # type: ignore[union-attr]

        # A visitor on the web asks for an officer: the group hears about it.
        body = client.post("/api/v1/messages", json={"text": "officer please"}).json()
        announcement = next(s for s in standin.wait_sent(1) if s.chat_id == GROUP)
        ticket_id = body["handoff"]["ticket_id"]
        assert f"Ticket {ticket_id}" in announcement.text
        assert announcement.keyboard == [[{"text": "Claim", "callback_data": f"claim:{ticket_id}"}]]

        # Someone not linked to an account cannot claim.
        standin.push(standin.callback_update(f"claim:{ticket_id}", user_id=1234))
        refused = standin.wait_sent(1, method="answerCallbackQuery")[0]
        assert "Link your Telegram account" in refused.params.get("text", "")

        standin.push(standin.callback_update(f"claim:{ticket_id}", user_id=OFFICER_TG))
        standin.wait_sent(2, method="answerCallbackQuery")
        edited = standin.wait_sent(1, method="editMessageText")[0]
        assert "claimed by anna" in edited.text

        group_message_id = client.portal.call(console.tickets.get, ticket_id).group_message_id  # type: ignore[union-attr]
        reply = standin.message("Chào bạn, tôi có thể giúp gì?", user_id=OFFICER_TG)
        reply["chat"] = {"id": GROUP, "type": "supergroup", "title": "Officers"}
        reply["reply_to_message"] = {
            "message_id": group_message_id,
            "date": int(time.time()),
            "chat": {"id": GROUP, "type": "supergroup", "title": "Officers"},
            "text": f"Ticket {ticket_id}",
        }
        standin.push({"message": reply})
        confirmation = standin.wait_sent(2)[-1]
        assert confirmation.chat_id == GROUP and "sent to the visitor" in confirmation.text
        messages = client.get(
            f"/api/v1/conversations/{body['conversation_id']}/messages",
            headers={"Authorization": f"Bearer {body['token']}"},
        ).json()["messages"]
        assert messages[-1]["sender"] == "officer"
        assert messages[-1]["text"] == "Chào bạn, tôi có thể giúp gì?"
