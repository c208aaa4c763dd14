from __future__ import annotations

from typing import Any

import pytest
from actions.handoff import ActionDeclineHandoff, ActionHandoff
from actions.language import ActionChangeLanguage, ActionValidateSlotMappings, requested_language
from actions.responses import localized
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from tests.support.trackers import make_tracker


@pytest.mark.parametrize(
    ("intent", "reason", "priority"),
    [
        ("request_human", "requested", "normal"),
        ("report_misinformation", "misinformation", "high"),
        ("complaint", "complaint", "high"),
        ("affirm", "low_confidence", "normal"),
    ],
)
async def test_handoff_payload_carries_reason_and_priority(
    domain: dict[str, Any], intent: str, reason: str, priority: str
) -> None:
    dispatcher = CollectingDispatcher()
    await ActionHandoff().run(dispatcher, make_tracker("...", intent=intent, language="ja"), domain)
    text, payload = dispatcher.messages
    assert payload["custom"] == {"type": "handoff", "reason": reason, "priority": priority}
    assert text["text"] != ""
    assert not text["text"].isascii()  # the Japanese variant


async def test_declining_the_offer_resets_it(domain: dict[str, Any]) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionDeclineHandoff().run(dispatcher, make_tracker("no", intent="deny"), domain)
    assert SlotSet("handoff_offered", False) in events
    assert dispatcher.messages[0]["text"].startswith("All right")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("can you answer in Korean please", "ko"),
        ("trả lời bằng tiếng Việt đi", "vi"),
        ("请用中文回答", "zh"),
        ("日本語でお願いします", "ja"),
        ("Parlez-vous français ?", "fr"),
        ("Bitte auf Deutsch", "de"),
        ("можно по-русски?", "ru"),
        ("English or German?", None),
        ("change the language", None),
    ],
)
def test_language_named_in_a_message(text: str, expected: str | None) -> None:
    assert requested_language(text) == expected


async def test_switching_language_answers_in_the_new_language(domain: dict[str, Any]) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("can you speak Korean?", intent="change_language", language="en")
    events = await ActionChangeLanguage().run(dispatcher, tracker, domain)
    assert events == [SlotSet("language", "ko")]
    assert (
        dispatcher.messages[0]["text"] == localized(domain, "utter_language_changed", "ko")["text"]
    )
    assert dispatcher.messages[1]["custom"] == {"type": "language", "language": "ko"}


async def test_unknown_target_language_offers_the_choice(domain: dict[str, Any]) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("another language please", intent="change_language")
    assert await ActionChangeLanguage().run(dispatcher, tracker, domain) == []
    assert len(dispatcher.messages[0]["buttons"]) == 8


async def test_language_slot_follows_the_gateway_metadata(domain: dict[str, Any]) -> None:
    action = ActionValidateSlotMappings()
    tracker = make_tracker("xin chào", intent="greet", language="vi")
    assert await action.extract_language(CollectingDispatcher(), tracker, domain) == {
        "language": "vi"
    }
    no_metadata = make_tracker("hello", intent="greet", language=None)
    assert await action.extract_language(CollectingDispatcher(), no_metadata, domain) == {}


def test_every_response_has_all_eight_languages(domain: dict[str, Any]) -> None:
    for name, variants in domain["responses"].items():
        langs = {(v.get("condition") or [{"value": "en"}])[0]["value"] for v in variants}
        assert langs == {"en", "vi", "zh", "ko", "ja", "fr", "de", "ru"}, name
        button_counts = {len(v.get("buttons", [])) for v in variants}
        assert len(button_counts) == 1, name
