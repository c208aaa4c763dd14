from __future__ import annotations

from typing import Any

from actions.knowledge import ActionAnswerFromKnowledge, ActionFeedback, answer_body
from actions.knowledge_service import KnowledgeService
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from tests.support.trackers import make_tracker


def sources_url_ends_with(message: dict[str, Any], suffix: str) -> bool:
    return str(message["custom"]["url"]).endswith(suffix)


async def test_answers_in_the_visitors_language_with_sources_and_buttons(
    service: KnowledgeService, domain: dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("xem sen và chim nước ở đâu", language="vi")
    events = await ActionAnswerFromKnowledge(service).run(dispatcher, tracker, domain)

    answer, sources = dispatcher.messages
    assert answer["text"].startswith("Khu bảo tồn đất ngập nước Láng Sen")
    assert "2026-01-01" in answer["text"]  # reviewed date
    assert sources_url_ends_with(dispatcher.messages[1], "/kb/lang-sen?lang=vi")
    payloads = [b["payload"] for b in answer["buttons"]]
    assert payloads == [
        '/feedback{"helpful": "yes"}',
        '/feedback{"helpful": "no"}',
        "/request_human",
    ]
    # Button titles come from the Vietnamese variant, not the English default.
    assert "Talk to an officer" not in [b["title"] for b in answer["buttons"]]
    assert sources["custom"]["type"] == "sources"
    assert sources["custom"]["article"] == "lang-sen"
    assert sources["custom"]["sources"][0]["url"] == "https://example.gov.vn/page"
    assert SlotSet("last_article", "lang-sen") in events
    assert SlotSet("kb_misses", 0.0) in events


async def test_english_only_article_is_flagged_in_the_visitors_language(
    service: KnowledgeService, domain: dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("work permit for foreign employees", language="de")
    await ActionAnswerFromKnowledge(service).run(dispatcher, tracker, domain)
    note, answer, _ = dispatcher.messages
    german_note = next(
        v["text"]
        for v in domain["responses"]["utter_kb_english_only"]
        if v.get("condition", [{}])[0].get("value") == "de"
    )
    assert note["text"] == german_note
    assert answer["text"].startswith("Work permits for foreign employees")


async def test_an_unanswerable_question_is_admitted_and_logged_as_a_gap(
    service: KnowledgeService, domain: dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("quantum chromodynamics and cake recipes", language="en")
    events = await ActionAnswerFromKnowledge(service).run(dispatcher, tracker, domain)
    reply, gap = dispatcher.messages
    assert reply["text"].startswith("I'm sorry, I don't have reliable information")
    assert gap["custom"]["type"] == "no_answer"
    assert gap["custom"]["query"] == "quantum chromodynamics and cake recipes"
    assert SlotSet("kb_misses", 1.0) in events


async def test_second_miss_in_a_row_offers_an_officer(
    service: KnowledgeService, domain: dict[str, Any]
) -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("football results", language="en", slots={"kb_misses": 1.0})
    events = await ActionAnswerFromKnowledge(service).run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["text"].startswith("I have not been able to answer")
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ["/affirm", "/deny"]
    assert SlotSet("handoff_offered", True) in events


def test_answer_body_is_short_enough_for_a_phone() -> None:
    from datetime import date

    from index.articles import Section
    from index.retriever import Hit

    hit = Hit(
        article_id="x",
        topic="t",
        score=0.9,
        absolute=0.9,
        lang="en",
        fallback=False,
        title="Title",
        lead="A **bold** lead with [a link](kb:other).",
        section=Section(0, "Part", "word " * 400),
        sources=(),
        reviewed=date(2026, 1, 1),
        path="/kb/x?lang=en",
    )
    body = answer_body(hit)
    assert len(body) <= 702
    assert body.startswith("Title\n\nA bold lead with a link.")
    assert body.endswith("…")


async def test_feedback_from_buttons_and_from_words(domain: dict[str, Any]) -> None:
    for entities, text, expected in [
        ([{"entity": "helpful", "value": "yes"}], "", True),
        ([{"entity": "helpful", "value": "no"}], "", False),
        ([], "that answer was wrong", False),
        ([], "câu trả lời này sai", False),
        ([], "很有帮助", True),
    ]:
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(
            text, intent="feedback", entities=entities, slots={"last_article": "e-visa"}
        )
        await ActionFeedback().run(dispatcher, tracker, domain)
        payload = dispatcher.messages[-1]["custom"]
        assert payload == {"type": "feedback", "helpful": expected, "article": "e-visa"}, text
