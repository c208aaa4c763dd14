"""The seams between the core and its adapters.

The router and the handoff service depend only on these Protocols; ``bot/app.py`` wires in
the real implementations (Rasa over HTTP, SQL storage, Telegram and widget senders) and tests
wire in fakes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.core.models import (
    Channel,
    Conversation,
    LanguageSource,
    Mode,
    Priority,
    Reply,
    Sender,
    StoredMessage,
    Ticket,
)


class DialogueUnavailableError(Exception):
    """Rasa or the action server is down, slow or answered garbage."""


@dataclass(frozen=True)
class Signal:
    """A custom payload from the dialogue (handoff, case, sources, ...)."""

    kind: str
    data: Mapping[str, Any]


@dataclass(frozen=True)
class DialogueTurn:
    """What the dialogue answered to one message."""

    replies: tuple[Reply, ...]
    signals: tuple[Signal, ...] = ()
    active_form: str | None = None


class DialogueEngine(Protocol):
    async def send(self, conversation_id: str, text: str, language: str) -> DialogueTurn:
        """Process one visitor message. Raises :class:`DialogueUnavailableError`."""
        ...

    async def forget(self, conversation_id: str) -> None:
        """Erase the dialogue's own memory of the conversation (its tracker)."""
        ...

    async def ready(self) -> bool:
        """True when the dialogue (and its action server) can take messages."""
        ...


@dataclass(frozen=True)
class Incoming:
    """A stored incoming message; ``result`` is set when a retry finds it already answered."""

    message_id: int
    duplicate: bool
    result: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Case:
    reference: str
    kind: str
    conversation_id: str
    status: str
    fields: Mapping[str, Any]
    language: str
    created_at: dt.datetime
    decision_message: str | None = None


class ConversationStore(Protocol):
    """Conversations and their messages. Every method is its own transaction."""

    async def get(self, conversation_id: str) -> Conversation | None: ...

    async def find_by_visitor(self, channel: Channel, visitor_ref: str) -> Conversation | None: ...

    async def create(
        self,
        *,
        channel: Channel,
        visitor_ref: str,
        language: str,
        language_source: LanguageSource,
        chat_ref: str | None = None,
        token_hash: str | None = None,
        first_reply: Reply | None = None,
    ) -> Conversation:
        """Create a conversation; ``first_reply`` (the consent notice) is stored with it."""
        ...

    async def token_hash(self, conversation_id: str) -> str | None: ...

    async def set_language(
        self, conversation_id: str, language: str, source: LanguageSource
    ) -> Conversation: ...

    async def set_mode(self, conversation_id: str, mode: Mode) -> Conversation: ...

    async def record_incoming(
        self, conversation_id: str, text: str, *, client_message_id: str | None
    ) -> Incoming: ...

    async def finish(
        self,
        message_id: int,
        *,
        conversation_id: str,
        language: str,
        replies: Sequence[Reply],
        result: Mapping[str, Any],
    ) -> None:
        """One transaction at the end of a message: its language, the replies, the result."""
        ...

    async def add_replies(
        self, conversation_id: str, replies: Sequence[Reply], language: str
    ) -> list[StoredMessage]: ...

    async def add_message(
        self, conversation_id: str, sender: Sender, text: str, language: str | None = None
    ) -> StoredMessage: ...

    async def messages_after(
        self, conversation_id: str, cursor: int, limit: int = 100
    ) -> list[StoredMessage]: ...

    async def forget(self, conversation_id: str) -> int:
        """Erase messages and personal data; returns how many messages were erased."""
        ...


class TicketStore(Protocol):
    async def open(
        self,
        *,
        conversation_id: str,
        reason: str,
        priority: Priority,
        language: str,
        channel: Channel,
    ) -> Ticket:
        """Open a WAITING ticket, or return the conversation's ticket if one is open."""
        ...

    async def active_for(self, conversation_id: str) -> Ticket | None: ...

    async def position(self, ticket: Ticket) -> int:
        """1-based place among waiting tickets (priority first, then age)."""
        ...

    async def average_wait_seconds(self, since: dt.datetime) -> float | None:
        """Mean time from WAITING to CLAIMED for tickets claimed after ``since``."""
        ...


class CaseStore(Protocol):
    async def create(
        self, *, kind: str, conversation_id: str, fields: Mapping[str, Any], language: str
    ) -> Case: ...

    async def get(self, reference: str) -> Case | None: ...


class KnowledgeEvents(Protocol):
    """Answers below the threshold and feedback: the curators' to-do list."""

    async def record(
        self,
        *,
        conversation_id: str,
        kind: str,
        language: str,
        article: str | None,
        query: str | None = None,
        helpful: bool | None = None,
        score: float | None = None,
    ) -> None: ...


class OfficerNotifier(Protocol):
    """Tells officers (console, Telegram group) about tickets and visitor messages."""

    async def ticket_opened(self, ticket: Ticket) -> None: ...

    async def visitor_wrote(self, ticket: Ticket, message: StoredMessage) -> None: ...


@dataclass
class RecordingNotifier:
    """An OfficerNotifier that only remembers; used until a real one is wired in, and in tests."""

    opened: list[Ticket] = field(default_factory=list)
    messages: list[tuple[Ticket, StoredMessage]] = field(default_factory=list)

    async def ticket_opened(self, ticket: Ticket) -> None:
        self.opened.append(ticket)

    async def visitor_wrote(self, ticket: Ticket, message: StoredMessage) -> None:
        self.messages.append((ticket, message))
