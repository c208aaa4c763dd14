"""Visitors through the gateway's public API, with real Rasa and the real action server."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.support.processes import FullStack

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def post(stack: FullStack, body: dict, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(
        f"{stack.gateway_url}/api/v1/messages", json=body, headers=headers, timeout=60
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_questions_in_two_languages_in_one_conversation(stack: FullStack) -> None:
    first = post(stack, {"text": "Is Long An still a province?", "locale": "en-GB"})
    assert first["language"] == "en"
    answer = first["replies"][-1]
    assert answer["sources"][0]["id"] == "merger-2025"
    assert "Resolution 202/2025/QH15" in answer["text"]
    second = post(
        stack,
        {"conversation_id": first["conversation_id"], "text": "롱안은 지금 어느 성에 속해요?"},
        first["token"],
    )
    assert second["language"] == "ko"
    korean = second["replies"][-1]
    assert korean["sources"][0]["url"].endswith("/kb/merger-2025?lang=ko")
    assert re.search(r"[\uac00-\ud7af]", korean["text"])


def test_request_for_an_officer_opens_a_ticket_and_silences_the_bot(stack: FullStack) -> None:
    body = post(stack, {"text": "Je voudrais parler à un agent, s'il vous plaît"})
    assert body["language"] == "fr"
    assert body["mode"] == "human"
    assert body["handoff"]["reason"] == "requested"
    assert body["handoff"]["position"] >= 1
    later = post(
        stack,
        {"conversation_id": body["conversation_id"], "text": "Où se trouve le port de Long An ?"},
        body["token"],
    )
    assert later["mode"] == "human"
    assert not any(r["sources"] for r in later["replies"])  # no bot answer while a human holds it


def test_press_request_gets_a_reference_code_that_answers_status_checks(stack: FullStack) -> None:
    answers = [
        "I want to request an interview with the Economic Zone Management Board",
        "Jane Doe",
        "The Guardian",
        "United Kingdom",
        "jane@guardian.example",
        "/deny",
        "Investment after the merger",
        "15 March 2027",
        "The head of the board",
    ]
    token = None
    conversation = None
    forms = []
    for text in answers:
        body = {"text": text, **({"conversation_id": conversation} if conversation else {})}
        result = post(stack, body, token)
        conversation, token = result["conversation_id"], result["token"]
        forms.append(result["form"])
    # The API names the active form on every turn of the request, and none once it is sent.
    assert forms == ["interview_request"] * (len(answers) - 1) + [None]
    reference = re.search(r"TN-[2-9A-HJKMNP-Z]{6}", result["replies"][-1]["text"])
    assert reference is not None
    status = post(
        stack, {"conversation_id": conversation, "text": f"status {reference.group(0)}"}, token
    )
    assert "waiting for a press officer" in status["replies"][-1]["text"]
