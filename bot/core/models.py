"""Domain models shared by the router, the adapters and storage."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


def utc_now() -> dt.datetime:
    """The clock every service and store uses unless a test gives it another."""
    return dt.datetime.now(dt.UTC)


class Channel(StrEnum):
    WEB = "web"
    TELEGRAM = "telegram"


class Mode(StrEnum):
    """Who answers the visitor: the bot, or a human officer (ticket waiting or claimed)."""

    BOT = "bot"
    HUMAN = "human"


class LanguageSource(StrEnum):
    """Why a conversation is in its language, strongest first."""

    EXPLICIT = "explicit"
    DETECTED = "detected"
    HINT = "hint"
    DEFAULT = "default"


class Sender(StrEnum):
    VISITOR = "visitor"
    BOT = "bot"
    OFFICER = "officer"
    SYSTEM = "system"


class TicketStatus(StrEnum):
    WAITING = "waiting"
    CLAIMED = "claimed"
    CLOSED = "closed"


class Role(StrEnum):
    """What an officer may do: everyone handles tickets; press officers also decide cases;
    admins also see the audit log and manage accounts."""

    ADMIN = "admin"
    OFFICER = "officer"
    PRESS_OFFICER = "press_officer"


class CaseStatus(StrEnum):
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    NEEDS_INFO = "needs_info"
    APPROVED = "approved"
    DECLINED = "declined"


class Priority(StrEnum):
    NORMAL = "normal"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return 1 if self is Priority.HIGH else 0


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class SourceRef:
    """A knowledge article an answer came from."""

    id: str
    title: str
    url: str
    reviewed: str


@dataclass(frozen=True)
class Reply:
    """One message to the visitor."""

    text: str
    buttons: tuple[Button, ...] = ()
    sources: tuple[SourceRef, ...] = ()
    sender: Sender = Sender.BOT


@dataclass(frozen=True)
class IncomingMessage:
    """A visitor's message as a channel adapter hands it to the router.

    Attributes:
        channel: Where it came from.
        visitor_ref: The visitor's id on that channel (Telegram user id, web session id).
        text: What the visitor wrote (already size-checked by the adapter).
        conversation_id: The conversation it continues, if the channel knows it.
        explicit_language: A language the visitor chose (selector, /language).
        language_hint: What the channel suggests (Telegram language_code, browser locale).
        client_message_id: The sender's idempotency key; a repeat is answered, not processed.
        chat_ref: Where replies go on the channel (Telegram chat id); None for the web.
    """

    channel: Channel
    visitor_ref: str
    text: str
    conversation_id: str | None = None
    explicit_language: str | None = None
    language_hint: str | None = None
    client_message_id: str | None = None
    chat_ref: str | None = None


@dataclass(frozen=True)
class Conversation:
    id: str
    channel: Channel
    visitor_ref: str
    mode: Mode
    language: str
    language_source: LanguageSource
    created_at: dt.datetime
    chat_ref: str | None = None
    rating_ticket_id: str | None = None
    contact_email: str | None = None


@dataclass(frozen=True)
class Officer:
    id: str
    username: str
    display_name: str
    role: Role
    telegram_user_id: int | None = None
    active: bool = True

    def can_decide_cases(self) -> bool:
        return self.role in {Role.PRESS_OFFICER, Role.ADMIN}


@dataclass(frozen=True)
class StoredMessage:
    """A message as stored: ``id`` is a monotonically increasing cursor."""

    id: int
    conversation_id: str
    sender: Sender
    text: str
    created_at: dt.datetime
    language: str | None = None
    buttons: tuple[Button, ...] = ()
    sources: tuple[SourceRef, ...] = ()


@dataclass(frozen=True)
class Ticket:
    id: str
    conversation_id: str
    status: TicketStatus
    reason: str
    priority: Priority
    language: str
    channel: Channel
    created_at: dt.datetime
    officer_id: str | None = None
    claimed_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    last_officer_reply_at: dt.datetime | None = None
    announced_at: dt.datetime | None = None
    announcements: int = 0
    group_message_id: int | None = None
    rating: int | None = None


class DeliveryStatus(StrEnum):
    """Where a message waiting in the outbox is."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # the channel refused it for good (the visitor blocked the bot)


@dataclass(frozen=True)
class OutboxItem:
    """A stored message claimed for delivery on a push channel (Telegram).

    Attributes:
        id: The outbox row.
        conversation: Where it goes.
        message: What goes.
        attempts: Deliveries tried before this one.
        parts_sent: Parts of a long message already delivered (never sent twice).
    """

    id: int
    conversation: Conversation
    message: StoredMessage
    attempts: int = 0
    parts_sent: int = 0


@dataclass(frozen=True)
class HandoffInfo:
    """What the visitor is told about a handoff: the ticket and its place in the queue."""

    ticket_id: str
    position: int
    reason: str


@dataclass(frozen=True)
class RouterResult:
    """The outcome of one visitor message."""

    conversation: Conversation
    replies: tuple[Reply, ...]
    handoff: HandoffInfo | None = None
    form: str | None = None
    replayed: bool = False  # answered from storage: the message had been processed before
    # answer, fallback, handoff, officer, form, rating, throttled, other (for metrics only)
    outcome: str = "other"
