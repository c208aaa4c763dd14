from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from actions.dates import add_working_days, parse_date, working_days_between
from actions.forms import (
    ACCREDITATION_FIELDS,
    ActionCheckStatus,
    ActionCorrectField,
    ActionStopForm,
    ActionSubmitPressAccreditation,
    ValidateInterviewRequest,
    ValidatePressAccreditation,
    ValidateStatusForm,
    field_in,
)
from actions.knowledge_service import KnowledgeService
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from tests.support.trackers import make_tracker

TODAY = dt.date(2026, 11, 26)  # a Thursday


def _validator(service: KnowledgeService, kind: str = "interview") -> Any:
    cls = ValidateInterviewRequest if kind == "interview" else ValidatePressAccreditation
    return cls(service, today=lambda: TODAY)


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("15 March 2027", "en", dt.date(2027, 3, 15)),
        ("2027-03-15", "ko", dt.date(2027, 3, 15)),
        ("ngày 15 tháng 3 năm 2027", "vi", dt.date(2027, 3, 15)),
        ("2027年3月15日", "zh", dt.date(2027, 3, 15)),
        ("2027年3月15日にお願いします", "ja", dt.date(2027, 3, 15)),
        ("2027년 3월 15일", "ko", dt.date(2027, 3, 15)),
        ("le 15 mars 2027", "fr", dt.date(2027, 3, 15)),
        ("am 15.03.2027", "de", dt.date(2027, 3, 15)),
        ("15 марта 2027", "ru", dt.date(2027, 3, 15)),
        ("as soon as possible", "en", None),
    ],
)
def test_dates_in_eight_languages(text: str, lang: str, expected: dt.date | None) -> None:
    assert parse_date(text, lang, TODAY) == expected


def test_working_days_skip_weekends_and_fixed_holidays() -> None:
    assert working_days_between(TODAY, dt.date(2026, 12, 3)) == 5  # Fri, Mon-Thu
    assert add_working_days(TODAY, 5) == dt.date(2026, 12, 3)
    assert add_working_days(dt.date(2026, 12, 31), 1) == dt.date(2027, 1, 4)  # 1 Jan is off


async def test_email_is_checked_and_normalised(
    service: KnowledgeService, domain: dict[str, Any]
) -> None:
    v = _validator(service)
    tracker = make_tracker("x", intent="inform", active_loop="interview_request")
    ok = v.validate_email(" <Reporter@Example.COM> ", CollectingDispatcher(), tracker, domain)
    assert ok == {"email": "reporter@example.com"}
    dispatcher = CollectingDispatcher()
    assert v.validate_email("reporter at example", dispatcher, tracker, domain) == {"email": None}
    assert "email" in dispatcher.messages[0]["text"]


async def test_phone_can_be_skipped_in_any_language(
    service: KnowledgeService, domain: dict[str, Any]
) -> None:
    v = _validator(service)
    for text, intent in [
        ("skip", "inform"),
        ("không", "deny"),
        ("Nein", "deny"),
        ("なし", "inform"),
    ]:
        tracker = make_tracker(text, intent=intent, active_loop="interview_request")
        assert v.validate_phone(text, CollectingDispatcher(), tracker, domain) == {"phone": "-"}
    tracker = make_tracker("+84 912 345 678", intent="inform")
    assert v.validate_phone("+84 912 345 678", CollectingDispatcher(), tracker, domain) == {
        "phone": "+84 912 345 678"
    }
    tracker = make_tracker("call me", intent="inform")
    assert v.validate_phone("call me", CollectingDispatcher(), tracker, domain) == {"phone": None}


async def test_dates_must_be_in_the_future_and_respect_the_lead_time(
    service: KnowledgeService, domain: dict[str, Any]
) -> None:
    # The test knowledge base asks 3 working days for interviews and 7 for accreditation.
    interview, accreditation = _validator(service), _validator(service, "accreditation")
    tracker = make_tracker("", intent="inform", language="en")

    dispatcher = CollectingDispatcher()
    past = interview.validate_preferred_dates("1 November 2026", dispatcher, tracker, domain)
    assert past == {"preferred_dates": None}
    assert "already passed" in dispatcher.messages[0]["text"]

    ok = interview.validate_preferred_dates(
        "1 December 2026", CollectingDispatcher(), tracker, domain
    )
    assert ok == {"preferred_dates": "2026-12-01"}

    dispatcher = CollectingDispatcher()
    soon = accreditation.validate_preferred_dates("1 December 2026", dispatcher, tracker, domain)
    assert soon == {"preferred_dates": None}
    text = dispatcher.messages[0]["text"]
    assert "at least 7 working days" in text
    assert "2026-12-07" in text  # 7 working days after Thursday 26 November

    dispatcher = CollectingDispatcher()
    nonsense = interview.validate_preferred_dates("whenever", dispatcher, tracker, domain)
    assert nonsense == {"preferred_dates": None}
    assert "could not read a date" in dispatcher.messages[0]["text"]


async def test_overlong_text_is_refused_with_the_limit(
    service: KnowledgeService, domain: dict[str, Any]
) -> None:
    v = _validator(service)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("", intent="inform")
    assert v.validate_name("x" * 500, dispatcher, tracker, domain) == {"name": None}
    assert "120" in dispatcher.messages[0]["text"]
    assert v.validate_name("  Lê Thị Hoa ", CollectingDispatcher(), tracker, domain) == {
        "name": "Lê Thị Hoa"
    }


async def test_reference_codes_are_normalised(domain: dict[str, Any]) -> None:
    v = ValidateStatusForm()
    tracker = make_tracker("", intent="check_status")
    got = v.validate_reference("status of tn7kq4xp?", CollectingDispatcher(), tracker, domain)
    assert got == {"reference": "TN-7KQ4XP"}
    got = v.validate_reference("查一下TN-3KM8QA", CollectingDispatcher(), tracker, domain)
    assert got == {"reference": "TN-3KM8QA"}
    dispatcher = CollectingDispatcher()
    bad = v.validate_reference("TN-0OIL11", dispatcher, tracker, domain)
    assert bad == {"reference": None}
    assert "TN-7KQ4XP" in dispatcher.messages[0]["text"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I made a mistake in my email", "email"),
        ("sửa số điện thoại", "phone"),
        ("meine Nationalität ist falsch", "nationality"),
        ("日付を変更したい", "preferred_dates"),
        ("change it", None),
    ],
)
def test_which_field_a_correction_names(text: str, expected: str | None) -> None:
    assert field_in(text, ACCREDITATION_FIELDS) == expected


async def test_correction_clears_the_field_and_asks_again(domain: dict[str, Any]) -> None:
    tracker = make_tracker(
        "wrong email",
        intent="correct_field",
        active_loop="interview_request",
        slots={"email": "a@b.cc"},
    )
    events = await ActionCorrectField().run(CollectingDispatcher(), tracker, domain)
    assert events == [SlotSet("email", None), SlotSet("requested_slot", "email")]

    dispatcher = CollectingDispatcher()
    unclear = make_tracker(
        "fix something", intent="correct_field", active_loop="press_accreditation"
    )
    assert await ActionCorrectField().run(dispatcher, unclear, domain) == []
    assert len(dispatcher.messages[0]["buttons"]) == 10


async def test_stopping_forgets_everything_typed(domain: dict[str, Any]) -> None:
    tracker = make_tracker(
        "stop",
        intent="stop_form",
        active_loop="interview_request",
        slots={"name": "A", "email": "a@b.cc"},
    )
    events = await ActionStopForm().run(CollectingDispatcher(), tracker, domain)
    assert ActiveLoop(None) in events
    assert SlotSet("name", None) in events
    assert SlotSet("email", None) in events


async def test_completed_accreditation_leaves_as_a_case_payload(domain: dict[str, Any]) -> None:
    slots = {
        "name": "Kim Min-ji",
        "outlet": "KBS",
        "country": "South Korea",
        "nationality": "Korean",
        "email": "minji@kbs.example",
        "phone": "-",
        "topic": "Port logistics",
        "preferred_dates": "2027-03-15",
        "interviewee": "Port authority",
        "reporting_plan": "Two days filming at the port",
    }
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("", intent="inform", language="ko", slots=slots)
    events = await ActionSubmitPressAccreditation().run(dispatcher, tracker, domain)
    text, payload, closed = dispatcher.messages
    assert closed["custom"] == {"type": "form", "name": None}
    assert "Kim Min-ji" in text["text"]
    assert "minji@kbs.example" in text["text"]
    case = payload["custom"]
    assert case["type"] == "case"
    assert case["kind"] == "press_accreditation"
    assert case["fields"]["phone"] is None
    assert case["fields"]["language"] == "ko"
    assert case["fields"]["reporting_plan"] == "Two days filming at the port"
    assert SlotSet("reporting_plan", None) in events


async def test_status_check_asks_the_gateway(domain: dict[str, Any]) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("", intent="check_status", slots={"reference": "TN-7KQ4XP"})
    events = await ActionCheckStatus().run(dispatcher, tracker, domain)
    assert dispatcher.messages[-1]["custom"] == {"type": "case_status", "reference": "TN-7KQ4XP"}
    assert events == [SlotSet("reference", None)]


async def test_the_answer_fills_the_requested_field_unless_it_is_a_confident_control(
    service: KnowledgeService, domain: dict[str, Any]
) -> None:
    v = _validator(service)

    def tracker(text: str, intent: str, confidence: float) -> Any:
        t = make_tracker(
            text, intent=intent, active_loop="interview_request", slots={"requested_slot": "name"}
        )
        t.latest_message["intent"]["confidence"] = confidence
        return t

    # A name that the classifier mistakes, without conviction, for a correction.
    events = await v.get_extraction_events(
        CollectingDispatcher(), tracker("Marie Dupont", "correct_field", 0.34), domain
    )
    assert events == [SlotSet("name", "Marie Dupont")]
    # A real request to stop leaves the field alone so the stop rule can run.
    assert (
        await v.get_extraction_events(
            CollectingDispatcher(), tracker("stop, cancel this", "stop_form", 0.97), domain
        )
        == []
    )
    # A date that looks like a correction ("the date should be ...") is an answer unless it
    # names a field to correct.
    assert await v.get_extraction_events(
        CollectingDispatcher(), tracker("le 15 mars 2027", "correct_field", 0.87), domain
    ) == [SlotSet("name", "le 15 mars 2027")]
    assert (
        await v.get_extraction_events(
            CollectingDispatcher(),
            tracker("wrong name, let me fix it", "correct_field", 0.9),
            domain,
        )
        == []
    )
    other = make_tracker(
        "x",
        intent="inform",
        active_loop="interview_request",
        slots={"requested_slot": "reporting_plan"},
    )
    assert await v.get_extraction_events(CollectingDispatcher(), other, domain) == []
