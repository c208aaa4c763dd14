"""Language: follow the gateway every turn, and honour an explicit request to switch."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction

from actions.common import LANGUAGES, metadata_language, visitor_language
from actions.payloads import LanguagePayload
from actions.responses import say

# How visitors name each language, in the eight languages (lower case; matched as substrings
# for CJK, as words elsewhere).
LANGUAGE_NAMES: dict[str, tuple[str, ...]] = {
    "en": (
        "english",
        "anglais",
        "englisch",
        "tiếng anh",
        "tieng anh",
        "英语",
        "英文",
        "영어",
        "英語",
        "английск",
        "по-английски",
        "inglés",
        "anh ngữ",
    ),
    "vi": (
        "vietnamese",
        "vietnamien",
        "vietnamesisch",
        "tiếng việt",
        "tieng viet",
        "越南语",
        "越南文",
        "베트남어",
        "ベトナム語",
        "вьетнамск",
        "по-вьетнамски",
    ),
    "zh": (
        "chinese",
        "mandarin",
        "chinois",
        "chinesisch",
        "tiếng trung",
        "tieng trung",
        "tiếng hoa",
        "tieng hoa",
        "中文",
        "汉语",
        "普通话",
        "중국어",
        "中国語",
        "китайск",
        "по-китайски",
    ),
    "ko": (
        "korean",
        "coréen",
        "coreen",
        "koreanisch",
        "tiếng hàn",
        "tieng han",
        "韩语",
        "韩文",
        "한국어",
        "한국말",
        "韓国語",
        "корейск",
        "по-корейски",
    ),
    "ja": (
        "japanese",
        "japonais",
        "japanisch",
        "tiếng nhật",
        "tieng nhat",
        "日语",
        "日文",
        "일본어",
        "日本語",
        "японск",
        "по-японски",
    ),
    "fr": (
        "french",
        "français",
        "francais",
        "französisch",
        "franzosisch",
        "tiếng pháp",
        "tieng phap",
        "法语",
        "法文",
        "프랑스어",
        "フランス語",
        "французск",
        "по-французски",
    ),
    "de": (
        "german",
        "allemand",
        "deutsch",
        "tiếng đức",
        "tieng duc",
        "德语",
        "德文",
        "독일어",
        "ドイツ語",
        "немецк",
        "по-немецки",
    ),
    "ru": (
        "russian",
        "russe",
        "russisch",
        "tiếng nga",
        "tieng nga",
        "俄语",
        "俄文",
        "러시아어",
        "ロシア語",
        "русск",
        "по-русски",
    ),
}


def requested_language(text: str) -> str | None:
    """The language a message asks for, if it names exactly one."""
    lowered = text.lower()
    found = {
        code
        for code, names in LANGUAGE_NAMES.items()
        for name in names
        if (name in lowered if not name.isascii() else re.search(rf"\b{re.escape(name)}", lowered))
    }
    return found.pop() if len(found) == 1 else None


class ActionValidateSlotMappings(ValidationAction):
    """Runs after every user message: the ``language`` slot follows the gateway's decision."""

    async def extract_language(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        lang = metadata_language(tracker)
        if lang is not None and lang != tracker.get_slot("language"):
            return {"language": lang}
        return {}


class ActionChangeLanguage(Action):
    def name(self) -> str:
        return "action_change_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        entity = next(tracker.get_latest_entity_values("language"), None)
        target = entity if entity in LANGUAGES else None
        target = target or requested_language(tracker.latest_message.get("text") or "")
        if target is None:
            say(dispatcher, domain, "utter_which_language", visitor_language(tracker))
            return []
        say(dispatcher, domain, "utter_language_changed", target)
        payload: LanguagePayload = {"type": "language", "language": target}
        dispatcher.utter_message(json_message=payload)
        return [SlotSet("language", target)]
