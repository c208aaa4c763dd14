"""Wire format of the public API (published as OpenAPI at /api/docs)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Language = Literal["en", "vi", "zh", "ko", "ja", "fr", "de", "ru"]


class MessageIn(BaseModel):
    """A visitor message. Without ``conversation_id`` a new conversation starts."""

    model_config = ConfigDict(extra="forbid", strict=True)

    conversation_id: str | None = Field(default=None, min_length=8, max_length=64)
    text: str = Field(min_length=1, max_length=4096, description="1 to 4,096 characters")
    language: Language | None = Field(default=None, description="the visitor's explicit choice")
    locale: str | None = Field(
        default=None,
        max_length=35,
        pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$",
        description="a hint such as a browser's ko-KR",
    )
    client_message_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="retries with it are not re-processed",
    )
    timezone: str | None = Field(
        default=None,
        max_length=64,
        pattern=r"^[A-Za-z_]+(/[A-Za-z0-9_+-]+){0,2}$",
        description="IANA timezone of the visitor, to tell office hours in their time",
    )

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text must not be empty")
        if "\x00" in value:
            raise ValueError("text must not contain NUL characters")
        return value


class ButtonOut(BaseModel):
    title: str
    payload: str


class SourceOut(BaseModel):
    id: str
    title: str
    url: str
    reviewed: str


class ReplyOut(BaseModel):
    text: str
    buttons: list[ButtonOut]
    sources: list[SourceOut]


class HandoffOut(BaseModel):
    ticket_id: str
    position: int
    reason: str


class MessageResult(BaseModel):
    conversation_id: str
    token: str
    language: Language
    mode: Literal["bot", "human"]
    replies: list[ReplyOut]
    handoff: HandoffOut | None
    form: str | None


class TranscriptMessage(BaseModel):
    id: int
    sender: Literal["visitor", "bot", "officer", "system"]
    text: str
    created_at: str
    buttons: list[ButtonOut]
    sources: list[SourceOut]


class Transcript(BaseModel):
    conversation_id: str
    language: Language
    mode: Literal["bot", "human"]
    messages: list[TranscriptMessage]
    cursor: int


class Erased(BaseModel):
    conversation_id: str
    erased_messages: int


class ErrorDetail(BaseModel):
    code: str
    message: str
    retry_after: int | None = Field(default=None, description="with 429: seconds to wait")
    localized: str | None = Field(
        default=None, description="with 429: a 'slow down' in the visitor's language"
    )


class ErrorOut(BaseModel):
    error: ErrorDetail
