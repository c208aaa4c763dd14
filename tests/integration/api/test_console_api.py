"""The whole handoff loop through the public API and the officers' API."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.core.i18n import Catalogue
from bot.core.models import Role
from tests.support.fake_dialogue import FakeDialogue, turn

pytestmark = pytest.mark.integration
PASSWORD = "a long enough passphrase"


@pytest.fixture
def dialogue() -> FakeDialogue:
    def script(text: str, lang: str):
        if "officer" in text.lower() or "직원" in text:
            return turn(
                "connecting", signals=[("handoff", {"reason": "requested", "priority": "normal"})]
            )
        if "interview" in text:
            return turn(
                "registered",
                signals=[
                    (
                        "case",
                        {
                            "kind": "interview_request",
                            "fields": {"name": "Jane", "email": "j@x.org"},
                        },
                    )
                ],
            )
        if "unknown" in text:
            return turn(
                "I don't know", signals=[("no_answer", {"best_article": "e-visa", "score": 0.01})]
            )
        return turn(f"bot: {text}")

    return FakeDialogue(script=script)


def officer(client: TestClient, username: str, role: Role = Role.OFFICER) -> dict[str, str]:
    auth = client.app.state.console.auth  # type: ignore[attr-defined]
    client.portal.call(auth.create_officer, username, PASSWORD, role)  # type: ignore[union-attr]
    login = client.post("/api/v1/officer/login", json={"username": username, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['token']}"}


def visitor(client: TestClient, text: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {body['token']}"} if body else {}
    payload = {"text": text, **({"conversation_id": body["conversation_id"]} if body else {})}
    response = client.post("/api/v1/messages", json=payload, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def transcript(client: TestClient, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.get(
        f"/api/v1/conversations/{body['conversation_id']}/messages",
        headers={"Authorization": f"Bearer {body['token']}"},
    )
    return list(response.json()["messages"])


def test_visitor_officer_loop_with_rating(client: TestClient) -> None:
    anna = officer(client, "anna")
    binh = officer(client, "binh")
    asked = visitor(client, "직원과 이야기하고 싶어요")
    assert asked["mode"] == "human" and asked["language"] == "ko"
    ticket_id = asked["handoff"]["ticket_id"]

    queue = client.get("/api/v1/officer/tickets", headers=anna).json()["tickets"]
    assert [(t["id"], t["status"], t["language"]) for t in queue] == [(ticket_id, "waiting", "ko")]
    assert (
        client.post(f"/api/v1/officer/tickets/{ticket_id}/claim", headers=anna).status_code == 200
    )
    late = client.post(f"/api/v1/officer/tickets/{ticket_id}/claim", headers=binh)
    assert late.status_code == 409
    assert (
        client.post(
            f"/api/v1/officer/tickets/{ticket_id}/messages", headers=binh, json={"text": "not mine"}
        ).status_code
        == 409
    )

    sent = client.post(
        f"/api/v1/officer/tickets/{ticket_id}/messages",
        headers=anna,
        json={"text": "안녕하세요, 무엇을 도와드릴까요?"},
    )
    assert sent.status_code == 200
    messages = transcript(client, asked)
    assert messages[-1]["sender"] == "officer"
    assert messages[-1]["text"] == "안녕하세요, 무엇을 도와드릴까요?"

    detail = client.get(f"/api/v1/officer/tickets/{ticket_id}", headers=anna).json()
    assert [m["sender"] for m in detail["messages"]][:2] == ["system", "visitor"]
    assert detail["canned"][0]["text"].startswith("안녕하세요")

    assert (
        client.post(f"/api/v1/officer/tickets/{ticket_id}/close", headers=anna).status_code == 200
    )
    closing = transcript(client, asked)[-1]
    assert [b["payload"] for b in closing["buttons"]] == ["1", "2", "3", "4", "5"]
    thanks = visitor(client, "5", asked)
    assert thanks["mode"] == "bot"
    assert thanks["replies"][0]["text"] == Catalogue.load().text("rating_thanks", "ko")
    stats = client.get("/api/v1/officer/stats", headers=anna).json()
    assert stats["ratings"]["distribution"]["5"] == 1
    assert stats["tickets"] == 1


def test_cookie_sessions_need_the_csrf_token(client: TestClient) -> None:
    officer(client, "carol")
    login = client.post(
        "/api/v1/officer/login",
        json={"username": "carol", "password": PASSWORD, "session": "cookie"},
    )
    assert login.status_code == 200
    cookie = login.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    csrf = login.json()["csrf_token"]
    assert "token" not in login.json()
    assert client.get("/api/v1/officer/me").json()["officer"]["username"] == "carol"
    asked = visitor(client, "I want an officer")
    ticket_id = asked["handoff"]["ticket_id"]
    no_csrf = client.post(f"/api/v1/officer/tickets/{ticket_id}/claim")
    assert no_csrf.status_code == 403
    ok = client.post(f"/api/v1/officer/tickets/{ticket_id}/claim", headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200
    client.post("/api/v1/officer/logout", headers={"X-CSRF-Token": csrf})
    assert client.get("/api/v1/officer/me").status_code == 401


def test_logout_ends_the_session_the_request_proved(client: TestClient) -> None:
    bearer = officer(client, "eve")
    login = client.post(
        "/api/v1/officer/login",
        json={"username": "eve", "password": PASSWORD, "session": "cookie"},
    )
    assert login.status_code == 200
    cookie = client.cookies["desk_session"]
    # A script holding a bearer token, run from a browser that also has a console cookie.
    assert client.post("/api/v1/officer/logout", headers=bearer).status_code == 200
    assert client.get("/api/v1/officer/me", headers=bearer).status_code == 401
    client.cookies.set("desk_session", cookie)  # the response told this client to drop it
    me = client.get("/api/v1/officer/me")
    assert me.status_code == 200 and me.json()["csrf_token"] == login.json()["csrf_token"]


def test_lockout_after_repeated_failures(client: TestClient) -> None:
    officer(client, "dung")
    for _ in range(4):
        assert (
            client.post(
                "/api/v1/officer/login", json={"username": "dung", "password": "x" * 14}
            ).status_code
            == 401
        )
    locked = client.post("/api/v1/officer/login", json={"username": "dung", "password": "x" * 14})
    assert locked.status_code == 423
    assert int(locked.headers["retry-after"]) > 0


def test_press_officer_decides_and_the_visitor_learns_it(client: TestClient) -> None:
    press = officer(client, "press", Role.PRESS_OFFICER)
    plain = officer(client, "plain")
    body = visitor(client, "I would like an interview with the chairman")
    reference = re.search(r"TN-[2-9A-Z]{6}", body["replies"][-1]["text"]).group(0)  # type: ignore[union-attr]
    cases = client.get("/api/v1/officer/cases", headers=press).json()["cases"]
    assert cases[0]["reference"] == reference and cases[0]["status"] == "submitted"
    decision = {"decision": "needs_info", "message": "Please send a copy of your press card."}
    assert (
        client.post(
            f"/api/v1/officer/cases/{reference}/decision", headers=plain, json=decision
        ).status_code
        == 403
    )
    decided = client.post(
        f"/api/v1/officer/cases/{reference}/decision", headers=press, json=decision
    )
    assert decided.json()["case"]["status"] == "needs_info"
    assert transcript(client, body)[-1]["text"].endswith("Please send a copy of your press card.")
    status = visitor(client, f"status {reference}", body)
    assert "bot: status" in status["replies"][0]["text"]  # the fake dialogue, not a crash


def test_knowledge_gaps_overview_and_audit(client: TestClient) -> None:
    admin = officer(client, "root", Role.ADMIN)
    plain = officer(client, "eve")
    visitor(client, "something unknown about dragons")
    gaps = client.get("/api/v1/officer/knowledge-gaps", headers=plain).json()["gaps"]
    assert gaps[0]["article"] == "e-visa"
    assert gaps[0]["questions"][0]["text"] == "something unknown about dragons"
    assert client.get("/api/v1/officer/audit", headers=plain).status_code == 403
    actions = [
        e["action"] for e in client.get("/api/v1/officer/audit", headers=admin).json()["entries"]
    ]
    assert "officer.login" in actions and "officer.create" in actions


def test_console_page_is_served_without_inline_script(client: TestClient) -> None:
    page = client.get("/console")
    assert page.status_code == 200
    assert '<script src="/console/static/console.js"' in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert client.get("/console/static/console.js").status_code == 200
    assert client.get("/console/static/../../app.py").status_code == 404


def test_a_new_password_ends_the_old_sessions(client: TestClient) -> None:
    headers = officer(client, "phuong")
    auth = client.app.state.console.auth  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="at least"):
        client.portal.call(auth.set_password, "phuong", "short")  # type: ignore[union-attr]
    new = "another long passphrase"
    changed = client.portal.call(auth.set_password, " Phuong ", new)  # type: ignore[union-attr]
    assert changed.username == "phuong"
    assert client.get("/api/v1/officer/me", headers=headers).status_code == 401
    old = {"username": "phuong", "password": PASSWORD}
    assert client.post("/api/v1/officer/login", json=old).status_code == 401
    fresh = {"username": "phuong", "password": new}
    assert client.post("/api/v1/officer/login", json=fresh).status_code == 200
