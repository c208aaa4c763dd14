"""Answers from the knowledge base, and feedback on those answers."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import plain_text, shorten, visitor_language
from actions.knowledge_service import KnowledgeService, knowledge_service
from actions.payloads import FeedbackPayload, NoAnswerPayload, SourcesPayload
from actions.responses import say
from actions.settings import ActionSettings
from index import Hit, SearchResult

# What fits on a phone screen above the buttons; the full article is one tap away.
MAX_BODY_CHARS = 700
MISSES_BEFORE_OFFER = 2


class ActionAnswerFromKnowledge(Action):
    """Answer with the best article in the visitor's language, or say honestly it cannot."""

    def __init__(self, service: KnowledgeService | None = None) -> None:
        self._service = service

    def name(self) -> str:
        return "action_answer_from_knowledge"

    @property
    def service(self) -> KnowledgeService:
        return self._service or knowledge_service()

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        lang = visitor_language(tracker)
        question = (tracker.latest_message.get("text") or "").strip()
        result = await self.service.search(question, lang)
        best = result.best
        if best is None:
            return self._no_answer(dispatcher, tracker, domain, result, lang)
        if best.fallback:
            say(dispatcher, domain, "utter_kb_english_only", lang)
        say(
            dispatcher,
            domain,
            "utter_kb_answer",
            lang,
            body=answer_body(best),
            sources=sources_line(best),
            reviewed=best.reviewed.isoformat(),
        )
        dispatcher.utter_message(json_message=self._sources_payload(best))
        return [
            SlotSet("kb_misses", 0.0),
            SlotSet("handoff_offered", False),
            SlotSet("last_article", best.article_id),
        ]

    def _no_answer(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
        result: SearchResult,
        lang: str,
    ) -> list[EventType]:
        misses = float(tracker.get_slot("kb_misses") or 0) + 1
        top = result.hits[0] if result.hits else None
        gap: NoAnswerPayload = {
            "type": "no_answer",
            "query": result.query,
            "lang": lang,
            "best_article": top.article_id if top else None,
            "score": round(top.score, 4) if top else None,
        }
        if misses >= MISSES_BEFORE_OFFER:
            say(dispatcher, domain, "utter_kb_offer_handoff", lang)
            dispatcher.utter_message(json_message=gap)
            return [SlotSet("kb_misses", misses), SlotSet("handoff_offered", True)]
        say(dispatcher, domain, "utter_kb_no_answer", lang)
        dispatcher.utter_message(json_message=gap)
        return [SlotSet("kb_misses", misses), SlotSet("last_article", None)]

    def _link(self, hit: Hit) -> str:
        return f"{ActionSettings.from_env().public_base_url}{hit.path}"

    def _sources_payload(self, hit: Hit) -> SourcesPayload:
        return {
            "type": "sources",
            "article": hit.article_id,
            "title": hit.title,
            "lang": hit.lang,
            "fallback": hit.fallback,
            "score": round(hit.score, 4),
            "reviewed": hit.reviewed.isoformat(),
            "url": self._link(hit),
            "sources": [s.to_json() for s in hit.sources],
        }


def answer_body(hit: Hit) -> str:
    """The title, the lead and, if the question matched a section best, that section."""
    parts = [f"{hit.title}", plain_text(hit.lead)]
    if hit.section is not None:
        parts.append(f"{hit.section.title}: {plain_text(hit.section.text)}")
    return shorten("\n\n".join(parts), MAX_BODY_CHARS)


def sources_line(hit: Hit, limit: int = 2) -> str:
    """Legal instruments first (they are what journalists cite), then page titles."""
    ordered = sorted(hit.sources, key=lambda s: s.instrument is None)
    names = [s.instrument or s.title for s in ordered[:limit]]
    more = len(hit.sources) - limit
    return "; ".join(names) + (f" (+{more})" if more > 0 else "")


_NEGATIVE = re.compile(
    r"\b(not|no|wrong|useless|bad|incorrect|không|sai|vô ích|nicht|falsch|schlecht|pas|faux|"
    r"inutile|не|неправ|плох|бесполез)\b|没|不|错|아니|안 |틀|별로|ない|違|間違|役に立た",
    re.IGNORECASE,
)


class ActionFeedback(Action):
    """Record whether the last answer helped; a "no" offers an officer."""

    def name(self) -> str:
        return "action_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        lang = visitor_language(tracker)
        helpful = self._helpful(tracker)
        payload: FeedbackPayload = {
            "type": "feedback",
            "helpful": helpful,
            "article": tracker.get_slot("last_article"),
        }
        say(
            dispatcher,
            domain,
            "utter_feedback_positive" if helpful else "utter_feedback_negative",
            lang,
        )
        dispatcher.utter_message(json_message=payload)
        return []

    @staticmethod
    def _helpful(tracker: Tracker) -> bool:
        entity = next(tracker.get_latest_entity_values("helpful"), None)
        if entity is not None:
            return str(entity).lower() in {"yes", "true", "1"}
        return _NEGATIVE.search(tracker.latest_message.get("text") or "") is None
