"""The public REST API: contract, authorisation, idempotency and refusal of bad input."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bot.core.models import Reply, SourceRef
from bot.core.ports import DialogueTurn
from tests.support.fake_dialogue import FakeDialogue

pytestmark = pytest.mark.integration


def start(client: TestClient, text: str = "Where is Long An port?", **extra: object) -> dict:
    response = client.post("/api/v1/messages", json={"text": text, **extra})
    assert response.status_code == 200, response.text
    return response.json()


def auth(body: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {body['token']}"}


def test_a_new_conversation_gets_an_id_a_token_and_the_consent_notice(client: TestClient) -> None:
    body = start(client, locale="ko-KR", text="hi")
    assert set(body) == {
        "conversation_id",
        "token",
        "language",
        "mode",
        "replies",
        "handoff",
        "form",
    }
    assert len(body["conversation_id"]) >= 20 and len(body["token"]) >= 40
    assert body["language"] == "ko"
    assert body["mode"] == "bot"
    consent, answer = body["replies"]
    assert "http://desk.test/kb/privacy" in consent["text"]
    assert answer == {"text": "[ko] hi", "buttons": [], "sources": []}


def test_later_messages_need_the_conversations_own_token(client: TestClient) -> None:
    mine, other = start(client), start(client)
    url = "/api/v1/messages"
    payload = {"conversation_id": mine["conversation_id"], "text": "next"}
    assert client.post(url, json=payload).status_code == 401
    assert client.post(url, json=payload, headers=auth(other)).status_code == 401
    assert (
        client.post(url, json=payload, headers={"Authorization": "Bearer nope"}).status_code == 401
    )
    unknown = {"conversation_id": "x" * 22, "text": "next"}
    assert client.post(url, json=unknown, headers=auth(mine)).status_code == 401
    ok = client.post(url, json=payload, headers=auth(mine))
    assert ok.status_code == 200
    assert ok.json()["token"] == mine["token"]


def test_transcript_after_a_cursor(client: TestClient) -> None:
    body = start(client, text="first question")
    cid = body["conversation_id"]
    client.post(
        "/api/v1/messages", json={"conversation_id": cid, "text": "second"}, headers=auth(body)
    )
    url = f"/api/v1/conversations/{cid}/messages"
    full = client.get(url, headers=auth(body)).json()
    assert [m["sender"] for m in full["messages"]] == ["system", "visitor", "bot", "visitor", "bot"]
    assert full["messages"][1]["text"] == "first question"
    later = client.get(url, params={"after": full["messages"][2]["id"]}, headers=auth(body)).json()
    assert [m["text"] for m in later["messages"]] == ["second", "[en] second"]
    assert later["cursor"] == full["cursor"]
    assert client.get(url).status_code == 401


def test_repeated_client_message_id_is_not_processed_twice(
    client: TestClient, dialogue: FakeDialogue
) -> None:
    body = start(client)
    again = {
        "conversation_id": body["conversation_id"],
        "text": "book it",
        "client_message_id": "c-1",
    }
    first = client.post("/api/v1/messages", json=again, headers=auth(body)).json()
    second = client.post("/api/v1/messages", json=again, headers=auth(body)).json()
    assert first["replies"] == second["replies"]
    assert [c[1] for c in dialogue.calls].count("book it") == 1


@pytest.mark.parametrize(
    ("payload", "status", "code", "words"),
    [
        ({"text": ""}, 422, "invalid_request", "text"),
        ({"text": "   "}, 422, "invalid_request", "empty"),
        ({"text": "x" * 4097}, 422, "invalid_request", "4096"),
        ({"text": 42}, 422, "invalid_request", "text"),
        ({"text": "hi", "colour": "red"}, 422, "invalid_request", "unknown field 'colour'"),
        ({"text": "hi", "language": "xx"}, 422, "invalid_request", "language"),
        ({"text": "hi", "locale": "<script>"}, 422, "invalid_request", "locale"),
        ({}, 422, "invalid_request", "text"),
        ([], 422, "invalid_request", ""),
    ],
)
def test_bad_input_gets_a_4xx_with_a_reason(
    client: TestClient, payload: object, status: int, code: str, words: str
) -> None:
    response = client.post("/api/v1/messages", json=payload)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert words in error["message"]


def test_malformed_json_oversized_body_and_wrong_content_type(client: TestClient) -> None:
    broken = client.post(
        "/api/v1/messages", content=b'{"text": "hi"', headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.json()["error"]["code"] == "malformed_json"
    huge = client.post(
        "/api/v1/messages", content=b"x" * 70_000, headers={"Content-Type": "application/json"}
    )
    assert huge.status_code == 413
    assert huge.json()["error"]["code"] == "too_large"
    text_plain = client.post(
        "/api/v1/messages", content=b"hello", headers={"Content-Type": "text/plain"}
    )
    assert 400 <= text_plain.status_code < 500


def test_dialogue_down_still_answers_and_keeps_the_message(
    client: TestClient, dialogue: FakeDialogue
) -> None:
    dialogue.down = True
    body = start(client, text="Bonjour, où se trouve le port de Long An ?")
    assert body["language"] == "fr"
    assert body["mode"] == "human"
    assert body["handoff"]["reason"] == "dialogue_unavailable"
    assert (
        body["replies"][1]["text"].startswith("Désolé")
        or "indisponible" in body["replies"][1]["text"]
    )
    transcript = client.get(
        f"/api/v1/conversations/{body['conversation_id']}/messages", headers=auth(body)
    ).json()
    assert transcript["messages"][1]["text"] == "Bonjour, où se trouve le port de Long An ?"


def test_sources_and_form_reach_the_client(client: TestClient, dialogue: FakeDialogue) -> None:
    source = SourceRef(
        "long-an-international-port",
        "Long An International Port",
        "http://desk.test/kb/long-an-international-port?lang=en",
        "2026-11-26",
    )
    answer = DialogueTurn((Reply("Seven berths.", sources=(source,)),), (), "interview_request")
    dialogue.script = lambda text, lang: answer
    body = start(client)
    assert body["form"] == "interview_request"
    assert body["replies"][1]["sources"] == [
        {
            "id": "long-an-international-port",
            "title": "Long An International Port",
            "url": "http://desk.test/kb/long-an-international-port?lang=en",
            "reviewed": "2026-11-26",
        }
    ]


def test_delete_erases_the_conversation(client: TestClient, dialogue: FakeDialogue) -> None:
    body = start(client, text="my email is someone@example.com")
    cid = body["conversation_id"]
    deleted = client.delete(f"/api/v1/conversations/{cid}", headers=auth(body))
    assert deleted.status_code == 200
    assert deleted.json() == {"conversation_id": cid, "erased_messages": 3}
    assert dialogue.forgotten == [cid]
    assert (
        client.get(f"/api/v1/conversations/{cid}/messages", headers=auth(body)).status_code == 401
    )


def test_health_readiness_and_openapi(client: TestClient, dialogue: FakeDialogue) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    dialogue.down = True
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503
    assert not_ready.json()["checks"] == {"database": True, "dialogue": False}
    spec = client.get("/api/openapi.json").json()
    assert {"/api/v1/messages", "/api/v1/conversations/{conversation_id}/messages"} <= set(
        spec["paths"]
    )
    assert client.get("/api/docs").status_code == 200


def test_security_headers_and_cors(client: TestClient) -> None:
    page = client.get("/")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    allowed = client.options(
        "/api/v1/messages",
        headers={"Origin": "https://portal.example", "Access-Control-Request-Method": "POST"},
    )
    assert allowed.headers["access-control-allow-origin"] == "https://portal.example"
    refused = client.options(
        "/api/v1/messages",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in refused.headers


def test_article_pages_escape_and_serve_every_language(client: TestClient) -> None:
    page = client.get("/kb/merger-2025", params={"lang": "ko"})
    assert page.status_code == 200
    assert '<html lang="ko">' in page.text
    assert "Resolution 202/2025/QH15" in page.text
    assert client.get("/kb/no-such-article").status_code == 404
    assert client.get("/widget.js").headers["content-type"].startswith("text/javascript")
