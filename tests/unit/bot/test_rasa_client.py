from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from bot.core.ports import DialogueUnavailableError
from bot.dialogue.rasa_client import RasaClient

Handler = Callable[[httpx.Request], httpx.Response]


def client(handler: Handler) -> RasaClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler), timeout=1)
    return RasaClient(http, "http://rasa", token="tok", actions_url="http://actions")


def rasa(messages: object, status: int = 200) -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/webhooks/rest/webhook":
            body = json.loads(request.content)
            assert body["metadata"] == {"language": "ko"}
            assert body["sender"] == "conv-1"
            return httpx.Response(status, json=messages)
        return httpx.Response(404)

    return handle


async def test_replies_buttons_sources_and_signals() -> None:
    messages = [
        {
            "recipient_id": "conv-1",
            "text": "Answer",
            "buttons": [{"title": "👍", "payload": "/feedback"}],
        },
        {
            "recipient_id": "conv-1",
            "custom": {
                "type": "sources",
                "article": "port",
                "title": "Port",
                "url": "http://desk/kb/port",
                "reviewed": "2026-11-26",
            },
        },
        {
            "recipient_id": "conv-1",
            "custom": {"type": "handoff", "reason": "requested", "priority": "normal"},
        },
        {"recipient_id": "conv-1", "custom": {"type": "form", "name": "interview_request"}},
    ]
    turn = await client(rasa(messages)).send("conv-1", "hi", "ko")
    assert turn.replies[0].text == "Answer"
    assert turn.replies[0].buttons[0].payload == "/feedback"
    assert turn.replies[0].sources[0].id == "port"
    assert [s.kind for s in turn.signals] == ["handoff"]
    assert turn.active_form == "interview_request"


@pytest.mark.parametrize(
    ("handler", "reason"),
    [
        (rasa([], status=500), "HTTP 500"),
        (rasa({"not": "a list"}), "garbage"),
        (rasa([]), "no messages"),
        (lambda r: httpx.Response(200, content=b"<html>"), "garbage"),
    ],
)
async def test_failures_become_dialogue_unavailable(handler: Handler, reason: str) -> None:
    with pytest.raises(DialogueUnavailableError, match=reason):
        await client(handler).send("conv-1", "hi", "ko")


async def test_timeouts_and_refused_connections_too() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    for handler in (timeout, refused):
        with pytest.raises(DialogueUnavailableError, match="unreachable"):
            await client(handler).send("conv-1", "hi", "ko")


async def test_forget_replaces_the_tracker_events() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    await client(handle).forget("conv-9")
    assert seen[0].method == "PUT"
    assert seen[0].url.path == "/conversations/conv-9/tracker/events"
    assert json.loads(seen[0].content) == []


async def test_ready_needs_a_model_and_the_action_server() -> None:
    def handle(model: str | None, actions: int) -> Handler:
        def inner(request: httpx.Request) -> httpx.Response:
            if request.url.host == "actions":
                return httpx.Response(actions)
            return httpx.Response(200, json={"model_file": model})

        return inner

    assert await client(handle("m.tar.gz", 200)).ready()
    assert not await client(handle(None, 200)).ready()
    assert not await client(handle("m.tar.gz", 503)).ready()
