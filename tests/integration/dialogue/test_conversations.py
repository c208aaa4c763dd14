"""Conversations with the real Rasa server and action server over the REST channel."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import pytest

from tests.support.processes import DialogueStack
from tests.support.rasa_domain import load_domain

pytestmark = [pytest.mark.integration, pytest.mark.slow]
_ids = itertools.count()


def _sender() -> str:
    return f"visitor-{next(_ids)}"


def _variant(response: str, lang: str) -> dict[str, Any]:
    for variant in load_domain()["responses"][response]:
        condition = variant.get("condition") or [{"value": "en"}]
        if condition[0]["value"] == lang:
            return variant
    raise AssertionError(f"{response} has no {lang} variant")


def _texts(replies: list[dict[str, Any]]) -> list[str]:
    return [r["text"] for r in replies if "text" in r]


def _custom(replies: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = [r["custom"] for r in replies if r.get("custom", {}).get("type") == kind]
    assert found, f"no {kind} payload in {replies}"
    return found[0]


def test_greeting_comes_back_in_the_visitors_language(dialogue: DialogueStack) -> None:
    replies = dialogue.say(_sender(), "xin chào", language="vi")
    assert _texts(replies) == [_variant("utter_greet", "vi")["text"]]


@pytest.mark.parametrize(
    ("lang", "question"),
    [
        ("ko", "롱안은 지금 어느 성에 속해요?"),
        ("ja", "ロンアン省はまだ存在しますか"),
        ("ru", "Лонган всё ещё отдельная провинция?"),
        ("en", "is Long An still a province?"),
    ],
)
def test_knowledge_answer_in_four_languages(
    dialogue: DialogueStack, lang: str, question: str
) -> None:
    replies = dialogue.say(_sender(), question, language=lang)
    sources = _custom(replies, "sources")
    assert sources["article"] == "merger-2025"
    assert sources["lang"] == lang
    assert any(
        "Resolution 202/2025/QH15" in s["instrument"] or ""
        for s in sources["sources"]
        if s["instrument"]
    )
    answer = _texts(replies)[0]
    assert answer.startswith(sources["title"])
    assert "2026-11-26" in answer  # the review date is shown
    assert sources["url"] == f"{dialogue.public_base_url}/kb/merger-2025?lang={lang}"


def test_unanswerable_question_is_declined_not_guessed(dialogue: DialogueStack) -> None:
    replies = dialogue.say(_sender(), "What is a good recipe for chocolate cake?", language="en")
    assert _texts(replies)[0] == _variant("utter_kb_no_answer", "en")["text"]
    assert _custom(replies, "no_answer")["query"] == "What is a good recipe for chocolate cake?"


def test_two_misses_offer_an_officer_and_yes_hands_off(dialogue: DialogueStack) -> None:
    sender = _sender()
    dialogue.say(sender, "Wer hat gestern das Fußballspiel gewonnen?", language="de")
    second = dialogue.say(sender, "Schreib mir bitte ein Gedicht über Katzen", language="de")
    assert _texts(second)[0] == _variant("utter_kb_offer_handoff", "de")["text"]
    third = dialogue.say(sender, "ja", language="de")
    assert _custom(third, "handoff") == {
        "type": "handoff",
        "reason": "low_confidence",
        "priority": "normal",
    }


@pytest.mark.parametrize(
    ("lang", "text", "reason", "priority"),
    [
        ("ru", "соедините меня с живым сотрудником", "requested", "normal"),
        ("zh", "我要举报一条关于西宁省的虚假新闻", "misinformation", "high"),
        ("fr", "je veux déposer une plainte contre le service", "complaint", "high"),
    ],
)
def test_handoff_requests(
    dialogue: DialogueStack, lang: str, text: str, reason: str, priority: str
) -> None:
    replies = dialogue.say(_sender(), text, language=lang)
    assert _custom(replies, "handoff") == {
        "type": "handoff",
        "reason": reason,
        "priority": priority,
    }
    assert _texts(replies)[0] != ""


def test_language_switch_mid_conversation(dialogue: DialogueStack) -> None:
    sender = _sender()
    dialogue.say(sender, "hello", language="en")
    switched = dialogue.say(sender, "can you answer in German please?", language="en")
    assert _custom(switched, "language") == {"type": "language", "language": "de"}
    assert _texts(switched)[0] == _variant("utter_language_changed", "de")["text"]
    # From now on the gateway sends "de"; even without metadata the slot keeps German.
    response = httpx.post(
        f"{dialogue.rasa_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": "danke"},
        timeout=60,
    )
    assert response.json()[0]["text"] == _variant("utter_you_are_welcome", "de")["text"]


def test_status_check_with_a_code(dialogue: DialogueStack) -> None:
    replies = dialogue.say(_sender(), "status of my request TN-7KQ4XP please", language="en")
    assert _custom(replies, "case_status") == {"type": "case_status", "reference": "TN-7KQ4XP"}


def test_interview_request_with_validation_correction_and_completion(
    dialogue: DialogueStack,
) -> None:
    sender = _sender()
    say = lambda text: dialogue.say(sender, text, language="fr")  # noqa: E731
    assert (
        _texts(say("Je voudrais demander une interview avec le président du comité"))[-1]
        == (_variant("utter_ask_name", "fr")["text"])
    )
    assert _texts(say("Marie Dupont"))[-1] == _variant("utter_ask_outlet", "fr")["text"]
    assert _texts(say("Le Monde"))[-1] == _variant("utter_ask_country", "fr")["text"]
    assert _texts(say("France"))[-1] == _variant("utter_ask_email", "fr")["text"]
    bad_email = _texts(say("marie arobase lemonde"))
    assert bad_email[0] == _variant("utter_invalid_email", "fr")["text"]
    assert bad_email[-1] == _variant("utter_ask_email", "fr")["text"]
    assert (
        _texts(say("marie.dupont@lemonde.example"))[-1] == _variant("utter_ask_phone", "fr")["text"]
    )
    assert _texts(say("/deny"))[-1] == _variant("utter_ask_topic", "fr")["text"]
    assert (
        _texts(say("L'investissement étranger après la fusion"))[-1]
        == _variant("utter_ask_preferred_dates", "fr")["text"]
    )
    too_soon = _texts(say("demain"))
    assert "5" in too_soon[0]  # the lead time from the knowledge base
    # Correct the email in the middle of the form: it is asked again.
    assert (
        _texts(say("je veux corriger mon e-mail"))[-1] == _variant("utter_ask_email", "fr")["text"]
    )
    assert (
        _texts(say("m.dupont@lemonde.example"))[-1]
        == _variant("utter_ask_preferred_dates", "fr")["text"]
    )
    assert _texts(say("le 15 mars 2027"))[-1] == _variant("utter_ask_interviewee", "fr")["text"]
    done = say("Le directeur du port de Long An")
    case = _custom(done, "case")
    assert case["kind"] == "interview_request"
    assert case["fields"] == {
        "name": "Marie Dupont",
        "outlet": "Le Monde",
        "country": "France",
        "email": "m.dupont@lemonde.example",
        "phone": None,
        "topic": "L'investissement étranger après la fusion",
        "preferred_dates": "2027-03-15",
        "interviewee": "Le directeur du port de Long An",
        "language": "fr",
    }


def test_stopping_a_request_sends_nothing(dialogue: DialogueStack) -> None:
    sender = _sender()
    dialogue.say(sender, "취재 등록을 신청하고 싶습니다", language="ko")
    dialogue.say(sender, "김민지", language="ko")
    stopped = dialogue.say(sender, "그만할게요, 취소해 주세요", language="ko")
    assert _texts(stopped) == [_variant("utter_form_stopped", "ko")["text"]]
    payloads = [r["custom"] for r in stopped if "custom" in r]
    assert payloads == [{"type": "form", "name": None}]  # the form closed; no case was sent


def test_action_server_refuses_calls_without_the_token(dialogue: DialogueStack) -> None:
    body = {"next_action": "action_handoff", "tracker": {}, "domain": {}}
    assert httpx.post(f"{dialogue.actions_url}/webhook", json=body).status_code == 401
    wrong = httpx.post(f"{dialogue.actions_url}/webhook?token=nope", json=body)
    assert wrong.status_code == 401
    assert httpx.get(f"{dialogue.actions_url}/health").status_code == 200


def test_erasure_deletes_the_tracker_events_from_rasas_database(dialogue: DialogueStack) -> None:
    """What the gateway's /forget and retention job rely on (the stock SQL store keeps them)."""
    import sqlite3

    sender = _sender()
    dialogue.say(sender, "My passport number is B1234567, is Long An a province?", language="en")
    tracker_db = dialogue.workdir / "tracker.db"

    def stored(sender_id: str) -> list[str]:
        with sqlite3.connect(tracker_db) as db:
            rows = db.execute("SELECT data FROM events WHERE sender_id = ?", (sender_id,))
            return [str(r[0]) for r in rows]

    assert any("B1234567" in data for data in stored(sender))
    erased = httpx.put(
        f"{dialogue.rasa_url}/conversations/{sender}/tracker/events",
        params={"token": dialogue.rasa_token},
        json=[],
        timeout=30,
    )
    assert erased.status_code == 200
    assert stored(sender) == []
    # The conversation can start again from nothing.
    assert dialogue.say(sender, "xin chào", language="vi")
