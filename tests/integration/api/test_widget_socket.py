"""The widget's WebSocket: authentication, messages, errors and live pushes."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

pytestmark = pytest.mark.integration


def open_conversation(client: TestClient) -> dict:
    return client.post("/api/v1/messages", json={"text": "hello there"}).json()


def test_a_bad_token_closes_the_socket(client: TestClient) -> None:
    body = open_conversation(client)
    with client.websocket_connect("/api/v1/ws") as ws:
        ws.send_json({"type": "hello", "conversation_id": body["conversation_id"], "token": "x"})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4401


def test_foreign_origins_are_refused(client: TestClient) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect("/api/v1/ws", headers={"Origin": "https://evil.example"}) as ws,
    ):
        ws.receive_json()
    assert closed.value.code == 4403


def test_messages_over_the_socket(client: TestClient) -> None:
    body = open_conversation(client)
    with client.websocket_connect("/api/v1/ws", headers={"Origin": "https://portal.example"}) as ws:
        ws.send_json(
            {"type": "hello", "conversation_id": body["conversation_id"], "token": body["token"]}
        )
        assert ws.receive_json() == {"type": "ready"}
        ws.send_json(
            {"type": "message", "text": "Wie komme ich nach Tân An?", "client_message_id": "w1"}
        )
        assert ws.receive_json() == {"type": "typing"}
        result = ws.receive_json()
        assert result["type"] == "result"
        assert result["client_message_id"] == "w1"
        assert result["result"]["replies"][0]["text"] == "[de] Wie komme ich nach Tân An?"

        ws.send_text("not json")
        assert ws.receive_json()["code"] == "bad_frame"
        ws.send_json({"type": "message", "text": ""})
        assert ws.receive_json()["code"] == "invalid_request"
        ws.send_json({"type": "message", "text": "x", "conversation_id": "someone-else"})
        error = ws.receive_json()  # the socket's own conversation always wins
        assert error["type"] in {"typing"}
        assert ws.receive_json()["type"] == "result"
        ws.send_json({"type": "ping"})
        assert ws.receive_json() == {"type": "pong"}


def test_hub_pushes_reach_the_socket(client: TestClient) -> None:
    body = open_conversation(client)
    with client.websocket_connect("/api/v1/ws") as ws:
        ws.send_json(
            {"type": "hello", "conversation_id": body["conversation_id"], "token": body["token"]}
        )
        ws.receive_json()
        hub = client.app.state.web.hub  # type: ignore[attr-defined]
        frame = {"type": "message", "message": {"id": 99, "sender": "officer", "text": "Hello!"}}
        assert client.portal.call(hub.publish, body["conversation_id"], frame) == 1  # type: ignore[union-attr]
        assert ws.receive_json() == frame
