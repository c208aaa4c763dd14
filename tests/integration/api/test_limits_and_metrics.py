"""Rate limits, erasure audit and /metrics on the real ASGI app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.core.ratelimit import Rate
from tests.integration.api.conftest import make_settings
from tests.support.fake_dialogue import FakeDialogue


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[TestClient]:
    settings = make_settings(
        tmp_path,
        # Refills are negligible over a test's few seconds: the outcomes are deterministic.
        visitor_rate=Rate(per_minute=0.5, burst=3),
        address_rate=Rate(per_minute=0.5, burst=40),
        metrics_token="scrape-me",
    )
    with TestClient(
        create_app(settings, dialogue=FakeDialogue()), base_url="http://desk.test"
    ) as c:
        yield c


def _start(client: TestClient, text: str = "Xin chào, cảng Long An ở đâu?") -> dict[str, str]:
    body = client.post("/api/v1/messages", json={"text": text}).json()
    return {"conversation_id": body["conversation_id"], "token": body["token"]}


def test_a_flooding_visitor_gets_429_with_retry_after_in_their_language(
    limited: TestClient,
) -> None:
    conv = _start(limited)
    auth = {"Authorization": f"Bearer {conv['token']}"}
    statuses = []
    for i in range(5):
        r = limited.post(
            "/api/v1/messages",
            json={
                "conversation_id": conv["conversation_id"],
                "text": f"câu hỏi {i}",
                "client_message_id": f"m{i}",
                "language": "vi",
            },
            headers=auth,
        )
        statuses.append(r.status_code)
    assert statuses == [200, 200, 200, 429, 429]
    error = r.json()["error"]
    assert error["code"] == "rate_limited"
    assert int(r.headers["Retry-After"]) == error["retry_after"] >= 1
    assert "quá nhanh" in error["localized"]
    # Refused before storage: the transcript has the three accepted questions only.
    transcript = limited.get(
        f"/api/v1/conversations/{conv['conversation_id']}/messages", headers=auth
    ).json()
    asked = [m["text"] for m in transcript["messages"] if m["sender"] == "visitor"]
    assert asked == ["Xin chào, cảng Long An ở đâu?", "câu hỏi 0", "câu hỏi 1", "câu hỏi 2"]


def test_one_address_serves_many_visitors_until_its_own_limit(limited: TestClient) -> None:
    # Forty visitors behind one hotel address each start a conversation: all served.
    statuses = [
        limited.post("/api/v1/messages", json={"text": f"hello {i}"}).status_code for i in range(40)
    ]
    assert statuses == [200] * 40
    over = limited.post("/api/v1/messages", json={"text": "one too many"})
    assert over.status_code == 429 and "quickly" in over.json()["error"]["localized"]
    # Reading transcripts counts against the address too.
    assert limited.get("/api/v1/conversations/x/messages").status_code == 429


def test_the_socket_says_slow_down_without_storing_the_message(limited: TestClient) -> None:
    conv = _start(limited)
    with limited.websocket_connect("/api/v1/ws") as ws:
        ws.send_json({"type": "hello", **conv})
        assert ws.receive_json() == {"type": "ready"}
        frames = []
        for i in range(4):
            ws.send_json({"type": "message", "text": f"q{i}", "client_message_id": f"s{i}"})
            frame = ws.receive_json()
            if frame["type"] == "typing":
                frame = ws.receive_json()
            frames.append(frame)
    assert [f["type"] for f in frames] == ["result", "result", "result", "error"]
    assert frames[3]["code"] == "rate_limited"
    assert frames[3]["client_message_id"] == "s3"
    assert frames[3]["retry_after"] >= 1 and frames[3]["localized"]


def test_erasure_leaves_an_audit_entry_without_personal_data(limited: TestClient) -> None:
    conv = _start(limited, "My phone is +84 912 345 678, call me")
    auth = {"Authorization": f"Bearer {conv['token']}"}
    assert limited.delete(f"/api/v1/conversations/{conv['conversation_id']}", headers=auth).json()
    audit = limited.portal.call(limited.app.state.console.audit.recent)  # type: ignore[attr-defined]
    [entry] = [e for e in audit if e["action"] == "conversation.erase"]
    assert entry["target"] == conv["conversation_id"]
    assert entry["detail"]["messages"] == 3
    # No fragment of what the visitor wrote (not a bare "912": a timestamp can contain it).
    for fragment in ("+84", "912 345", "345 678", "phone", "call me"):
        assert fragment not in str(audit)


def test_metrics_need_the_token_and_count_messages_and_outcomes(limited: TestClient) -> None:
    conv = _start(limited)
    limited.get(
        f"/api/v1/conversations/{conv['conversation_id']}/messages",
        headers={"Authorization": f"Bearer {conv['token']}"},
    )
    assert limited.get("/metrics").status_code == 401
    assert limited.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
    text = limited.get("/metrics", headers={"Authorization": "Bearer scrape-me"}).text
    assert 'desk_visitor_messages_total{channel="web",language="vi"} 1.0' in text
    assert 'desk_outcomes_total{channel="web",outcome="other"} 1.0' in text
    assert "desk_outbox_pending 0.0" in text
    assert 'route="/api/v1/messages",status="200"' in text
    # Route templates, never conversation ids, label the latency histogram.
    assert 'route="/api/v1/conversations/{conversation_id}/messages"' in text
    assert conv["conversation_id"] not in text
