"""The real python-telegram-bot Application against the local Bot API stand-in."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.core.models import Button, Reply, SourceRef
from bot.core.ports import DialogueTurn
from tests.integration.api.conftest import make_settings
from tests.support.fake_dialogue import FakeDialogue, turn
from tests.support.telegram_standin import BotApiStandIn

pytestmark = pytest.mark.integration
polling = pytest.mark.usefixtures("polling_gateway")


@polling
def test_first_message_gets_consent_then_the_answer_in_html(
    standin: BotApiStandIn, dialogue: FakeDialogue
) -> None:
    dialogue.script = lambda text, lang: turn(f"<{lang}> answer & more")
    standin.push(standin.text_update("안녕하세요, 항구는 어디에 있나요?", language_code="ko"))
    consent, answer = standin.wait_sent(2)
    assert "개인정보" in consent.text or "Tây Ninh" in consent.text
    assert answer.text == "&lt;ko&gt; answer &amp; more"
    assert answer.params["parse_mode"] == "HTML"
    assert "sendChatAction" in standin.calls
    assert "deleteWebhook" in standin.calls  # long polling mode


@polling
def test_buttons_become_an_inline_keyboard_and_callbacks_route_back(
    standin: BotApiStandIn, dialogue: FakeDialogue
) -> None:
    def script(text: str, lang: str) -> DialogueTurn:
        if text == "/request_human":
            return turn("passing you to an officer")
        return DialogueTurn(
            (Reply("Seven berths.", buttons=(Button("Officer", "/request_human"),)),)
        )

    dialogue.script = script
    standin.push(standin.text_update("How many berths does the port have?"))
    _, answer = standin.wait_sent(2)
    assert answer.keyboard == [[{"text": "Officer", "callback_data": "/request_human"}]]
    standin.push(standin.callback_update("/request_human"))
    sent = standin.wait_sent(3)
    assert sent[2].text == "passing you to an officer"
    assert standin.wait_sent(1, method="answerCallbackQuery")


@polling
def test_a_knowledge_answer_links_its_article(
    standin: BotApiStandIn, dialogue: FakeDialogue
) -> None:
    source = SourceRef("invest-port", "Long An International Port", "http://desk.test/kb/p", "")
    dialogue.script = lambda text, lang: DialogueTurn(
        (Reply("The port has seven berths.", sources=(source,)),)
    )
    standin.push(standin.text_update("How many berths does the port have?"))
    _, answer = standin.wait_sent(2)
    assert answer.text.startswith("The port has seven berths.")
    assert '📎 <a href="http://desk.test/kb/p">Long An International Port</a>' in answer.text


def test_a_repeated_update_is_answered_once(tmp_path: Path, standin: BotApiStandIn) -> None:
    # Telegram retries a webhook delivery it thinks failed: the same update_id arrives twice.
    settings = make_settings(
        tmp_path / "dup",
        telegram_token=standin.token,
        telegram_api_base_url=standin.base_url,
        telegram_webhook_url="https://desk.example/telegram/webhook",
        telegram_webhook_secret="s3cret-token",
    )
    dialogue = FakeDialogue()
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
    update = {"update_id": 901, **standin.text_update("Is Long An still a province?", user_id=55)}
    with TestClient(create_app(settings, dialogue=dialogue)) as client:
        assert client.post("/telegram/webhook", json=update, headers=headers).status_code == 200
        standin.wait_sent(2)
        assert client.post("/telegram/webhook", json=update, headers=headers).status_code == 200
        later = {"update_id": 902, **standin.text_update("And the port, please?", user_id=55)}
        client.post("/telegram/webhook", json=later, headers=headers)
        texts = [s.text for s in standin.wait_sent(3)]
        time.sleep(0.3)
    texts = [s.text for s in standin.messages_to(55)]
    assert texts.count("[en] Is Long An still a province?") == 1
    assert texts[-1] == "[en] And the port, please?"
    assert len(dialogue.calls) == 2


@polling
def test_edited_messages_are_ignored_and_media_gets_a_polite_reply(
    standin: BotApiStandIn, dialogue: FakeDialogue
) -> None:
    standin.push(
        {"edited_message": {**standin.message("edited text"), "edit_date": int(time.time())}}
    )
    standin.push(
        {
            "message": standin.message(
                None, photo=[{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]
            )
        }
    )
    consent, reply = standin.wait_sent(2)
    assert "/forget" in consent.text  # first contact, even by photo, starts with the notice
    assert "only read text" in reply.text
    assert dialogue.calls == []


@polling
def test_commands(standin: BotApiStandIn, dialogue: FakeDialogue) -> None:
    standin.push(standin.text_update("/start", language_code="de"))
    consent, choose = standin.wait_sent(2)
    assert "Datenschutz" in consent.text or "/forget" in consent.text
    assert len([b for row in choose.keyboard for b in row]) == 8
    standin.push(standin.callback_update("lang:ja"))
    assert (
        standin.wait_sent(3)[2].text == "これからは日本語でお答えします。"
        or "日本語" in standin.wait_sent(3)[2].text
    )
    standin.push(standin.text_update("/help"))
    assert "/status" in standin.wait_sent(4)[3].text
    standin.push(standin.text_update("/status"))
    assert "TN-7KQ4XP" in standin.wait_sent(5)[4].text
    standin.push(standin.text_update("/status TN-2222AA"))
    assert "TN-2222AA" in standin.wait_sent(6)[5].text
    standin.push(standin.text_update("/human"))
    human = standin.wait_sent(8)
    assert any("1" in s.text for s in human[6:8])
    standin.push(standin.text_update("/forget"))
    assert standin.wait_sent(9)[8].text
    assert dialogue.forgotten


@polling
def test_long_answers_are_split_under_4096_characters(
    standin: BotApiStandIn, dialogue: FakeDialogue
) -> None:
    dialogue.script = lambda text, lang: turn(("A long paragraph. " * 200 + "\n\n") * 3)
    standin.push(standin.text_update("Tell me everything about the industrial parks"))
    sent = standin.wait_sent(3)
    assert all(len(s.text) <= 4096 for s in sent)
    assert len(sent) >= 3


def test_webhook_mode_checks_the_secret_token(tmp_path: Path, standin: BotApiStandIn) -> None:
    settings = make_settings(
        tmp_path / "hook",
        telegram_token=standin.token,
        telegram_api_base_url=standin.base_url,
        telegram_webhook_url="https://desk.example/telegram/webhook",
        telegram_webhook_secret="s3cret-token",
    )
    dialogue = FakeDialogue()
    with TestClient(create_app(settings, dialogue=dialogue)) as client:
        assert standin.webhook["url"] == "https://desk.example/telegram/webhook"
        assert standin.webhook["secret_token"] == "s3cret-token"
        update = {"update_id": 77, **standin.text_update("Hello from the webhook, how are you?")}
        assert client.post("/telegram/webhook", json=update).status_code == 403
        wrong = {"X-Telegram-Bot-Api-Secret-Token": "nope"}
        assert client.post("/telegram/webhook", json=update, headers=wrong).status_code == 403
        right = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
        assert client.post("/telegram/webhook", content=b"[1,2]", headers=right).status_code == 400
        assert client.post("/telegram/webhook", json=update, headers=right).status_code == 200
        texts = [s.text for s in standin.wait_sent(2)]
        assert texts[-1] == "[en] Hello from the webhook, how are you?"
