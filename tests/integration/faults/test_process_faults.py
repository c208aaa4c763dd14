"""Real processes killed and restarted: nothing a visitor or an officer wrote is lost.

* The gateway crashes (SIGKILL) with a ticket open and officer replies waiting for a failing
  Telegram: after the restart every reply reaches the visitor exactly once, in order, and what
  the visitor wrote meanwhile reaches the officer once.
* Rasa dies in the middle of a conversation: the visitor is told, the message is kept and an
  officer gets a ticket; once Rasa is back and the ticket is closed, the bot answers again.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.processes import (
    REPO,
    VENV_PY,
    FullStack,
    ManagedProcess,
    free_port,
    gateway_alone,
)
from tests.support.telegram_standin import BotApiStandIn

pytestmark = [pytest.mark.integration, pytest.mark.slow]
VISITOR = 4711
PASSWORD = "fault-test-passphrase"


@pytest.fixture
def standin() -> Iterator[BotApiStandIn]:
    api = BotApiStandIn()
    api.start()
    yield api
    api.stop()


def _add_officer(gateway: ManagedProcess, username: str) -> None:
    done = subprocess.run(
        [str(VENV_PY), "-m", "bot", "officer", "add", username],
        input=PASSWORD + "\n",
        text=True,
        capture_output=True,
        env=gateway.env,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def _officer(base: str, username: str) -> httpx.Client:
    token = httpx.post(
        f"{base}/api/v1/officer/login",
        json={"username": username, "password": PASSWORD, "session": "bearer"},
    ).json()["token"]
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def _wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_crashed_gateway_resumes_its_outbox_and_its_updates(
    tmp_path: Path, standin: BotApiStandIn
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    gateway = gateway_alone(
        tmp_path, port, TELEGRAM_BOT_TOKEN=standin.token, TELEGRAM_API_BASE_URL=standin.base_url
    )
    _add_officer(gateway, "thu")
    gateway.start()
    with contextlib.ExitStack() as clients:
        clients.callback(gateway.stop)
        gateway.wait_ready(90)
        standin.push(standin.text_update("/human", user_id=VISITOR))
        standin.wait_sent(3)  # consent, "handing you over", the queue position
        officer = clients.enter_context(_officer(base, "thu"))
        [ticket] = officer.get("/api/v1/officer/tickets").json()["tickets"]
        assert officer.post(f"/api/v1/officer/tickets/{ticket['id']}/claim").status_code == 200
        standin.wait_sent(4)  # "an officer has joined"

        # Telegram goes down; the officer answers anyway.
        standin.fail_next(500, times=100_000)
        for text in ("Reply one: the visa desk", "Reply two: bring your passport"):
            sent = officer.post(
                f"/api/v1/officer/tickets/{ticket['id']}/messages", json={"text": text}
            )
            assert sent.status_code == 200
        failed_before = standin.calls.count("sendMessage")
        _wait_for(lambda: standin.calls.count("sendMessage") >= failed_before + 2, 30, "retries")

        gateway.kill()  # a crash mid-retry
        standin.push(standin.text_update("Are you still there?", user_id=VISITOR))
        with standin._cond:
            standin.failures.clear()  # Telegram is back
        gateway.start()
        gateway.wait_ready(90)

        def delivered() -> list[str]:
            return [s.text for s in standin.messages_to(VISITOR)]

        _wait_for(lambda: "👤 Reply two: bring your passport" in delivered(), 90, "the replies")
        time.sleep(2.0)  # a duplicate would arrive now
        replies = [t for t in delivered() if t.startswith("👤")]
        assert replies == ["👤 Reply one: the visa desk", "👤 Reply two: bring your passport"]

        officer = clients.enter_context(_officer(base, "thu"))  # after the restart
        _wait_for(
            lambda: any(
                m["text"] == "Are you still there?"
                for m in officer.get(f"/api/v1/officer/tickets/{ticket['id']}").json()["messages"]
            ),
            30,
            "the visitor's message",
        )
        transcript = officer.get(f"/api/v1/officer/tickets/{ticket['id']}").json()["messages"]
        assert [m["text"] for m in transcript].count("Are you still there?") == 1
        assert "Traceback" not in gateway.tail(400)


def test_rasa_dies_mid_conversation_and_nothing_is_lost(stack: FullStack) -> None:
    with httpx.Client(base_url=stack.gateway_url, timeout=60) as web:
        _rasa_outage(stack, web)


def _rasa_outage(stack: FullStack, web: httpx.Client) -> None:
    rasa = stack.process("rasa")
    first = web.post(
        "/api/v1/messages", json={"text": "Is Long An still a province?", "language": "en"}
    ).json()
    assert first["mode"] == "bot" and first["replies"]
    auth = {"Authorization": f"Bearer {first['token']}"}
    conversation = first["conversation_id"]
    try:
        rasa.kill()
        during = web.post(
            "/api/v1/messages",
            json={
                "conversation_id": conversation,
                "text": "Which documents do I need to invest in Tây Ninh?",
                "client_message_id": "during-outage",
            },
            headers=auth,
        )
        assert during.status_code == 200
        body = during.json()
        assert body["mode"] == "human" and body["handoff"]["reason"] == "dialogue_unavailable"
        assert "temporarily" in body["replies"][0]["text"]
        # A retry of the same message is not a second message.
        again = web.post(
            "/api/v1/messages",
            json={
                "conversation_id": conversation,
                "text": "Which documents do I need to invest in Tây Ninh?",
                "client_message_id": "during-outage",
            },
            headers=auth,
        )
        assert again.json()["handoff"] == body["handoff"]
        assert web.get("/readyz").status_code == 503
    finally:
        rasa.restart(240)
    assert web.get("/readyz").status_code == 200

    transcript = web.get(f"/api/v1/conversations/{conversation}/messages", headers=auth).json()
    asked = [m["text"] for m in transcript["messages"] if m["sender"] == "visitor"]
    assert asked == [
        "Is Long An still a province?",
        "Which documents do I need to invest in Tây Ninh?",
    ]
    # The officer closes the ticket; the bot takes the conversation back.
    subprocess.run(
        [str(VENV_PY), "-m", "bot", "officer", "add", "phuong"],
        input=PASSWORD + "\n",
        text=True,
        capture_output=True,
        env=stack.env(),
        cwd=REPO,
        check=True,
    )
    ticket_id = body["handoff"]["ticket_id"]
    with _officer(stack.gateway_url, "phuong") as officer:
        assert officer.post(f"/api/v1/officer/tickets/{ticket_id}/claim").status_code == 200
        assert officer.post(f"/api/v1/officer/tickets/{ticket_id}/close").status_code == 200
    after = web.post(
        "/api/v1/messages",
        json={"conversation_id": conversation, "text": "Is Long An still a province?"},
        headers=auth,
    ).json()
    assert after["mode"] == "bot"
    assert any("Tây Ninh" in r["text"] for r in after["replies"])
