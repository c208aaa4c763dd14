"""The custom JSON payloads actions send to the gateway (``json_message`` in Rasa's output)."""

from __future__ import annotations

from typing import Literal, TypedDict


class SourceJSON(TypedDict):
    title: str
    url: str
    instrument: str | None
    date: str | None


class SourcesPayload(TypedDict):
    """Attached to the knowledge answer sent just before it."""

    type: Literal["sources"]
    article: str
    title: str
    lang: str
    fallback: bool
    score: float
    reviewed: str
    url: str
    sources: list[SourceJSON]


class NoAnswerPayload(TypedDict):
    """A question the knowledge base could not answer: a knowledge gap for the curators."""

    type: Literal["no_answer"]
    query: str
    lang: str
    best_article: str | None
    score: float | None


HandoffReason = Literal["requested", "misinformation", "complaint", "low_confidence"]
Priority = Literal["normal", "high"]


class HandoffPayload(TypedDict):
    type: Literal["handoff"]
    reason: HandoffReason
    priority: Priority


class CasePayload(TypedDict):
    type: Literal["case"]
    kind: Literal["interview_request", "press_accreditation"]
    fields: dict[str, str | None]


class CaseStatusPayload(TypedDict):
    type: Literal["case_status"]
    reference: str


class LanguagePayload(TypedDict):
    """The visitor explicitly chose a language; the gateway keeps it for the conversation."""

    type: Literal["language"]
    language: str


class FeedbackPayload(TypedDict):
    type: Literal["feedback"]
    helpful: bool
    article: str | None


class FormPayload(TypedDict):
    """Which request form is active after this turn (``None``: none), for the gateway's API."""

    type: Literal["form"]
    name: str | None
