"""Hand the conversation to an officer: the gateway opens the ticket on the payload."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import visitor_language
from actions.payloads import HandoffPayload, HandoffReason, Priority
from actions.responses import say

# Latest intent -> (reason, priority, response). Misinformation and complaints go first in the
# officers' queue; an accepted offer after repeated misses is an ordinary request.
_BY_INTENT: dict[str, tuple[HandoffReason, Priority, str]] = {
    "request_human": ("requested", "normal", "utter_handoff_requested"),
    "report_misinformation": ("misinformation", "high", "utter_handoff_misinformation"),
    "complaint": ("complaint", "high", "utter_handoff_complaint"),
    "affirm": ("low_confidence", "normal", "utter_handoff_requested"),
}


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name") or "request_human"
        reason, priority, response = _BY_INTENT.get(intent, _BY_INTENT["request_human"])
        say(dispatcher, domain, response, visitor_language(tracker))
        payload: HandoffPayload = {"type": "handoff", "reason": reason, "priority": priority}
        dispatcher.utter_message(json_message=payload)
        return [SlotSet("handoff_offered", False), SlotSet("kb_misses", 0.0)]


class ActionDeclineHandoff(Action):
    def name(self) -> str:
        return "action_decline_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        say(dispatcher, domain, "utter_handoff_declined", visitor_language(tracker))
        return [SlotSet("handoff_offered", False), SlotSet("kb_misses", 0.0)]
