"""Press requests: interview requests, press accreditation and status checks.

Validation happens here, slot by slot; on completion the case leaves as a custom payload and the
gateway stores it and gives the visitor a reference code.
"""

from __future__ import annotations

import datetime as dt
import re
from abc import abstractmethod
from collections.abc import Callable
from typing import Any, Literal
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction

from actions.common import visitor_language
from actions.dates import add_working_days, parse_date, working_days_between
from actions.knowledge_service import KnowledgeService, knowledge_service
from actions.payloads import CasePayload, CaseStatusPayload, FormPayload
from actions.responses import say
from actions.settings import ActionSettings

INTERVIEW_FIELDS = (
    "name",
    "outlet",
    "country",
    "email",
    "phone",
    "topic",
    "preferred_dates",
    "interviewee",
)
ACCREDITATION_FIELDS = (
    "name",
    "outlet",
    "country",
    "nationality",
    "email",
    "phone",
    "topic",
    "preferred_dates",
    "interviewee",
    "reporting_plan",
)
FORM_FIELDS = {"interview_request": INTERVIEW_FIELDS, "press_accreditation": ACCREDITATION_FIELDS}
NO_PHONE = "-"
FORM_CLOSED: FormPayload = {"type": "form", "name": None}

_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']{2,}$")
_PHONE = re.compile(r"^\+?[\d\s().-]{6,20}$")
REFERENCE = re.compile(r"(?<![A-Z0-9])TN-?([2-9A-HJKMNP-Z]{6})(?![A-Z0-9])", re.IGNORECASE)
_SKIP_WORDS = re.compile(
    r"^(skip|none|no|nope|-|không|khong|bỏ qua|bo qua|跳过|没有|无|건너뛰기|없음|없어요|スキップ|"
    r"なし|ありません|passer|aucun|non|überspringen|ueberspringen|keine|nein|пропустить|нет)[.!。]?$",
    re.IGNORECASE,
)
# Messages classified as one of these with at least this confidence are not taken as a field
# value: the form steps aside and the rules for stopping or handing off run. A correction
# counts only when it names a field ("change my email"): a bare date or name that merely looks
# like one is an answer.
CONTROL_INTENTS = frozenset({"stop_form", "request_human"})
CONTROL_CONFIDENCE = 0.8
MAX_CHARS = {
    "name": 120,
    "outlet": 160,
    "country": 80,
    "nationality": 80,
    "topic": 400,
    "interviewee": 300,
    "reporting_plan": 1500,
}


def office_today(settings: ActionSettings | None = None) -> dt.date:
    """Today in the office's timezone: lead times count from the office's calendar."""
    tz = ZoneInfo((settings or ActionSettings.from_env()).office_timezone)
    return dt.datetime.now(tz).date()


class _RequestValidation(FormValidationAction):
    """Field validators shared by the interview and accreditation forms (abstract: no kind)."""

    kind: str

    def __init__(
        self,
        service: KnowledgeService | None = None,
        today: Callable[[], dt.date] = office_today,
    ) -> None:
        self._service = service
        self._today = today

    @abstractmethod
    def name(self) -> str: ...

    def _answer(self, slot: str, tracker: Tracker) -> dict[str, Any]:
        """The raw answer to the question just asked for ``slot``."""
        if tracker.get_slot(REQUESTED_SLOT) != slot:
            return {}
        intent = tracker.latest_message.get("intent") or {}
        confident = float(intent.get("confidence") or 0) >= CONTROL_CONFIDENCE
        text = str(tracker.latest_message.get("text") or "").strip()
        if intent.get("name") in CONTROL_INTENTS and confident:
            return {}
        if intent.get("name") == "correct_field" and (
            next(tracker.get_latest_entity_values("form_field"), None) is not None
            or field_in(text, FORM_FIELDS[self.kind]) is not None
        ):
            return {}
        return {slot: text} if text else {}

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events = await super().run(dispatcher, tracker, domain)
        # The form runs this action on every turn it is active: tell the gateway it is.
        active: FormPayload = {"type": "form", "name": self.form_name()}
        dispatcher.utter_message(json_message=active)
        return events

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Free-text fields: the answer to the question just asked fills that field."""
        requested = tracker.get_slot(REQUESTED_SLOT)
        if requested not in FORM_FIELDS[self.kind]:
            return []
        return [SlotSet(slot, value) for slot, value in self._answer(requested, tracker).items()]

    def _text(
        self,
        slot: str,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        limit = MAX_CHARS[slot]
        if not text or len(text) > limit:
            say(
                dispatcher, domain, "utter_invalid_text", visitor_language(tracker), max_chars=limit
            )
            return {slot: None}
        return {slot: text}

    def validate_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return self._text("name", value, dispatcher, tracker, domain)

    def validate_outlet(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return self._text("outlet", value, dispatcher, tracker, domain)

    def validate_country(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return self._text("country", value, dispatcher, tracker, domain)

    def validate_nationality(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return self._text("nationality", value, dispatcher, tracker, domain)

    def validate_topic(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return self._text("topic", value, dispatcher, tracker, domain)

    def validate_interviewee(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return self._text("interviewee", value, dispatcher, tracker, domain)

    def validate_reporting_plan(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return self._text("reporting_plan", value, dispatcher, tracker, domain)

    def validate_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        email = str(value or "").strip().strip("<>").lower()
        if len(email) > 254 or not _EMAIL.match(email):
            say(dispatcher, domain, "utter_invalid_email", visitor_language(tracker))
            return {"email": None}
        return {"email": email}

    def validate_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == "deny" or _SKIP_WORDS.match(text):
            return {"phone": NO_PHONE}
        if not _PHONE.match(text) or sum(c.isdigit() for c in text) < 6:
            say(dispatcher, domain, "utter_invalid_phone", visitor_language(tracker))
            return {"phone": None}
        return {"phone": text}

    def validate_preferred_dates(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        lang = visitor_language(tracker)
        today = self._today()
        wanted = parse_date(str(value or ""), lang, today)
        if wanted is None:
            say(dispatcher, domain, "utter_invalid_date", lang)
            return {"preferred_dates": None}
        if wanted <= today:
            say(dispatcher, domain, "utter_date_in_past", lang)
            return {"preferred_dates": None}
        service = self._service or knowledge_service()
        min_days = service.lead_days(self.kind)
        if working_days_between(today, wanted) < min_days:
            earliest = add_working_days(today, min_days)
            say(
                dispatcher,
                domain,
                "utter_lead_time_too_short",
                lang,
                min_days=min_days,
                earliest=earliest.isoformat(),
            )
            return {"preferred_dates": None}
        return {"preferred_dates": wanted.isoformat()}


class ValidateInterviewRequest(_RequestValidation):
    kind = "interview_request"

    def name(self) -> str:
        return "validate_interview_request"


class ValidatePressAccreditation(_RequestValidation):
    kind = "press_accreditation"

    def name(self) -> str:
        return "validate_press_accreditation"


class ValidateStatusForm(FormValidationAction):
    def name(self) -> str:
        return "validate_status_form"

    def validate_reference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        match = REFERENCE.search(str(value or ""))
        if match is None:
            say(dispatcher, domain, "utter_invalid_reference", visitor_language(tracker))
            return {"reference": None}
        return {"reference": f"TN-{match.group(1).upper()}"}


class _SubmitRequest(Action):
    """Send the finished request to the gateway as a case (abstract: no kind)."""

    kind: Literal["interview_request", "press_accreditation"]
    response: str

    @abstractmethod
    def name(self) -> str: ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        fields = FORM_FIELDS[self.kind]
        values = {f: tracker.get_slot(f) for f in fields}
        if values.get("phone") == NO_PHONE:
            values["phone"] = None
        values["language"] = visitor_language(tracker)
        say(
            dispatcher,
            domain,
            self.response,
            visitor_language(tracker),
            name=values["name"],
            email=values["email"],
        )
        payload: CasePayload = {"type": "case", "kind": self.kind, "fields": values}
        dispatcher.utter_message(json_message=payload)
        dispatcher.utter_message(json_message=FORM_CLOSED)
        return [SlotSet(f, None) for f in fields]


class ActionSubmitInterviewRequest(_SubmitRequest):
    kind = "interview_request"
    response = "utter_interview_submitted"

    def name(self) -> str:
        return "action_submit_interview_request"


class ActionSubmitPressAccreditation(_SubmitRequest):
    kind = "press_accreditation"
    response = "utter_accreditation_submitted"

    def name(self) -> str:
        return "action_submit_press_accreditation"


# Words visitors use for each detail when they ask to correct it.
FIELD_WORDS: dict[str, tuple[str, ...]] = {
    "email": ("email", "e-mail", "mail", "邮箱", "邮件", "이메일", "メール", "почт", "courriel"),
    "phone": (
        "phone",
        "number",
        "điện thoại",
        "dien thoai",
        "số",
        "电话",
        "手机",
        "전화",
        "電話",
        "téléphone",
        "telephone",
        "telefon",
        "handy",
        "телефон",
        "номер",
    ),
    "name": (
        "name",
        "tên",
        "ten ",
        "名字",
        "姓名",
        "이름",
        "성함",
        "名前",
        "氏名",
        "nom",
        "имя",
        "фамил",
    ),
    "outlet": (
        "outlet",
        "media",
        "newspaper",
        "báo",
        "cơ quan",
        "媒体",
        "언론사",
        "매체",
        "媒体名",
        "média",
        "journal",
        "medium",
        "redaktion",
        "сми",
        "издани",
    ),
    "nationality": (
        "nationality",
        "quốc tịch",
        "quoc tich",
        "国籍",
        "국적",
        "nationalité",
        "staatsangehörigkeit",
        "nationalität",
        "гражданств",
    ),
    "country": (
        "country",
        "quốc gia",
        "nước",
        "国家",
        "국가",
        "나라",
        "国",
        "pays",
        "land",
        "страна",
        "стран",
    ),
    "topic": (
        "topic",
        "subject",
        "chủ đề",
        "chu de",
        "主题",
        "题目",
        "주제",
        "テーマ",
        "sujet",
        "thème",
        "thema",
        "тема",
    ),
    "preferred_dates": (
        "date",
        "day",
        "ngày",
        "ngay",
        "日期",
        "日子",
        "날짜",
        "日付",
        "日程",
        "datum",
        "termin",
        "дат",
        "день",
    ),
    "interviewee": (
        "meet",
        "interviewee",
        "who",
        "gặp",
        "采访对象",
        "见",
        "만날",
        "인터뷰 대상",
        "会いたい",
        "相手",
        "rencontrer",
        "personne",
        "treffen",
        "gesprächspartner",
        "встрет",
        "собеседник",
    ),
    "reporting_plan": (
        "plan",
        "kế hoạch",
        "ke hoach",
        "计划",
        "계획",
        "計画",
        "programme",
        "plan de reportage",
        "план",
    ),
}


def field_in(text: str, allowed: tuple[str, ...]) -> str | None:
    """The form field a correction request names, if exactly one is recognisable."""
    lowered = text.lower()
    found = [f for f in allowed if any(w in lowered for w in FIELD_WORDS.get(f, ()))]
    # "nationality" contains "nation"; the longer, more specific match wins over "country".
    if "nationality" in found and "country" in found:
        found.remove("country")
    return found[0] if len(found) == 1 else None


class ActionCorrectField(Action):
    """Clear the detail the visitor wants to correct, so the form asks for it again."""

    def name(self) -> str:
        return "action_correct_field"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        form = tracker.active_loop_name
        if form not in FORM_FIELDS:
            return []
        allowed = FORM_FIELDS[form]
        entity = next(tracker.get_latest_entity_values("form_field"), None)
        field = (
            entity
            if entity in allowed
            else field_in(tracker.latest_message.get("text") or "", allowed)
        )
        if field is None:
            which = "interview" if form == "interview_request" else "accreditation"
            say(dispatcher, domain, f"utter_ask_which_field_{which}", visitor_language(tracker))
            return []
        return [SlotSet(field, None), SlotSet(REQUESTED_SLOT, field)]


class ActionStopForm(Action):
    """Leave the request without sending anything and forget what was typed."""

    def name(self) -> str:
        return "action_stop_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        say(dispatcher, domain, "utter_form_stopped", visitor_language(tracker))
        dispatcher.utter_message(json_message=FORM_CLOSED)
        cleared = {f for fields in FORM_FIELDS.values() for f in fields} | {"reference"}
        return [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)] + [
            SlotSet(f, None) for f in sorted(cleared)
        ]


class ActionCheckStatus(Action):
    """Ask the gateway for the status of a case; it answers from its own records."""

    def name(self) -> str:
        return "action_check_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reference = str(tracker.get_slot("reference") or "")
        say(
            dispatcher,
            domain,
            "utter_status_lookup",
            visitor_language(tracker),
            reference=reference,
        )
        payload: CaseStatusPayload = {"type": "case_status", "reference": reference}
        dispatcher.utter_message(json_message=payload)
        return [SlotSet("reference", None)]
