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
    CaseStatus,
    Channel,
    Conversation,
    LanguageSource,
    Mode,
    Officer,
    OutboxItem,
    Priority,
    Reply,
    Role,
    StoredMessage,
    Ticket,
    TicketStatus,
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

    message: StoredMessage
    duplicate: bool
    result: Mapping[str, Any] | None = None

    @property
    def message_id(self) -> int:
        return self.message.id


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

    async def with_token_hash(self, conversation_id: str) -> tuple[Conversation, str] | None:
        """The conversation and the hash of its token; None if unknown, erased or tokenless."""
        ...

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

    async def messages_after(
        self, conversation_id: str, cursor: int, limit: int = 100
    ) -> list[StoredMessage]: ...

    async def forget(self, conversation_id: str) -> int:
        """Erase messages and personal data; returns how many messages were erased."""
        ...

    async def set_rating_ticket(self, conversation_id: str, ticket_id: str | None) -> None:
        """Remember which closed ticket the visitor's next "1".."5" rates (None: nothing)."""
        ...

    async def set_contact_email(self, conversation_id: str, email: str) -> None: ...

    async def add_officer_message(
        self, conversation_id: str, officer_id: str, text: str, language: str | None
    ) -> StoredMessage: ...

    async def tracker_erased(self, conversation_id: str) -> None:
        """The dialogue's tracker of an erased conversation is gone too."""
        ...

    async def trackers_to_erase(self, limit: int = 500) -> list[str]:
        """Erased conversations whose dialogue tracker could not be erased yet."""
        ...

    async def inactive_since(self, before: dt.datetime, limit: int = 500) -> list[str]:
        """Conversations (erased ones included) with no message or change since ``before``."""
        ...

    async def purge(self, conversation_id: str) -> int:
        """Delete the conversation and everything in it; cases keep only non-personal fields.

        Returns how many messages were deleted."""
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

    async def count(self, status: TicketStatus) -> int: ...

    async def get(self, ticket_id: str) -> Ticket | None: ...

    async def in_status(self, status: TicketStatus | None = None, limit: int = 200) -> list[Ticket]:
        """Open tickets first by priority then age; closed ones newest first."""
        ...

    async def claim(self, ticket_id: str, officer_id: str, now: dt.datetime) -> Ticket | None:
        """WAITING -> CLAIMED atomically; None if someone else got there first."""
        ...

    async def transfer(
        self, ticket_id: str, from_officer: str | None, to_officer: str, now: dt.datetime
    ) -> Ticket | None:
        """Hand a CLAIMED ticket held by ``from_officer`` (any holder if None) to another."""
        ...

    async def release(self, ticket_id: str) -> Ticket | None:
        """CLAIMED -> WAITING (the officer did not answer in time)."""
        ...

    async def close(self, ticket_id: str, now: dt.datetime) -> Ticket | None:
        """An open ticket -> CLOSED; None if it was already closed."""
        ...

    async def mark_officer_reply(self, ticket_id: str, now: dt.datetime) -> None: ...

    async def mark_announced(
        self, ticket_id: str, now: dt.datetime, group_message_id: int | None = None
    ) -> None: ...

    async def take_announcement(
        self, ticket_id: str, older_than: dt.datetime, now: dt.datetime
    ) -> bool:
        """Atomically mark a due WAITING ticket as announced now; False if another gateway
        replica did it first (or it is no longer due)."""
        ...

    async def due_for_announcement(self, older_than: dt.datetime) -> list[Ticket]:
        """WAITING tickets last announced before ``older_than``."""
        ...

    async def unanswered_claims(self, older_than: dt.datetime) -> list[Ticket]:
        """CLAIMED tickets whose officer has not replied since before ``older_than``."""
        ...

    async def by_group_message(self, message_id: int) -> Ticket | None: ...

    async def rate(self, ticket_id: str, score: int) -> None: ...


class CaseStore(Protocol):
    async def create(
        self, *, kind: str, conversation_id: str, fields: Mapping[str, Any], language: str
    ) -> Case: ...

    async def get(self, reference: str) -> Case | None: ...

    async def in_status(self, status: CaseStatus | None = None, limit: int = 200) -> list[Case]: ...

    async def decide(
        self, reference: str, status: CaseStatus, message: str | None, officer_id: str
    ) -> Case | None: ...


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

    async def ticket_opened(self, ticket: Ticket) -> None:
        """A new ticket, or one announced again because nobody claimed it."""
        ...

    async def ticket_changed(self, ticket: Ticket) -> None:
        """Claimed, transferred, released or closed."""
        ...

    async def visitor_wrote(self, ticket: Ticket, message: StoredMessage) -> None: ...


@dataclass
class RecordingNotifier:
    """An OfficerNotifier that only remembers (tests, and a gateway without officers' channels)."""

    opened: list[Ticket] = field(default_factory=list)
    changed: list[Ticket] = field(default_factory=list)
    messages: list[tuple[Ticket, StoredMessage]] = field(default_factory=list)

    async def ticket_opened(self, ticket: Ticket) -> None:
        self.opened.append(ticket)

    async def ticket_changed(self, ticket: Ticket) -> None:
        self.changed.append(ticket)

    async def visitor_wrote(self, ticket: Ticket, message: StoredMessage) -> None:
        self.messages.append((ticket, message))


class OutboundSender(Protocol):
    """Delivers a stored message that the visitor did not just ask for (officer reply, notice)."""

    async def deliver(self, conversation: Conversation, message: StoredMessage) -> None: ...


class DeliveryRetryError(Exception):
    """Delivery failed for now (rate limit, network, 5xx): try again later.

    Args:
        reason: A short code for logs and metrics (never message text).
        after: Seconds the channel asked us to wait (Telegram's ``retry_after``), if any.
        parts_sent: Parts of the message delivered before the failure.
    """

    def __init__(self, reason: str, *, after: float | None = None, parts_sent: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.after = after
        self.parts_sent = parts_sent


class DeliveryRejectedError(Exception):
    """The channel refuses the message for good (the visitor blocked the bot, chat gone)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PushSender(Protocol):
    """A channel that delivers outbox messages (Telegram)."""

    async def push(
        self, conversation: Conversation, message: StoredMessage, *, skip_parts: int = 0
    ) -> None:
        """Send ``message``, leaving out the first ``skip_parts`` parts.

        Raises:
            DeliveryRetryError: Try again later.
            DeliveryRejectedError: Never try again.
        """
        ...


class OutboxStore(Protocol):
    """Messages waiting for a push channel. Rows are written by the conversation store in the
    same transaction as the message, so a stored message can never miss its delivery."""

    async def claim(self, now: dt.datetime, lease: dt.timedelta, limit: int) -> list[OutboxItem]:
        """The oldest undelivered message of each conversation that is due, leased to the
        caller until ``now + lease`` (another worker skips it meanwhile)."""
        ...

    async def sent(self, item_id: int, now: dt.datetime) -> None: ...

    async def retry(
        self, item_id: int, *, at: dt.datetime, reason: str, parts_sent: int
    ) -> None: ...

    async def failed(self, item_id: int, reason: str) -> None: ...

    async def pending(self) -> int:
        """How many messages wait for delivery."""
        ...


class Metrics(Protocol):
    """What the core counts; the Prometheus adapter lives in ``bot/web/metrics.py``."""

    def message(self, channel: str, language: str) -> None: ...

    def outcome(self, channel: str, outcome: str) -> None:
        """answer, fallback, handoff, form, other, throttled, duplicate."""
        ...

    def handoff(self, reason: str) -> None: ...

    def queue_wait(self, seconds: float) -> None: ...

    def dialogue_latency(self, seconds: float) -> None: ...

    def delivery(self, channel: str, result: str) -> None: ...

    def error(self, kind: str) -> None: ...


class NoMetrics:
    """Metrics that go nowhere (tests, tools)."""

    def message(self, channel: str, language: str) -> None:
        pass

    def outcome(self, channel: str, outcome: str) -> None:
        pass

    def handoff(self, reason: str) -> None:
        pass

    def queue_wait(self, seconds: float) -> None:
        pass

    def dialogue_latency(self, seconds: float) -> None:
        pass

    def delivery(self, channel: str, result: str) -> None:
        pass

    def error(self, kind: str) -> None:
        pass


@dataclass(frozen=True)
class OfficerCredentials:
    officer: Officer
    password_hash: str
    failed_logins: int
    locked_until: dt.datetime | None


class OfficerStore(Protocol):
    async def add(
        self, *, username: str, display_name: str, role: Role, password_hash: str
    ) -> Officer: ...

    async def get(self, officer_id: str) -> Officer | None: ...

    async def credentials(self, username: str) -> OfficerCredentials | None: ...

    async def everyone(self) -> list[Officer]: ...

    async def record_failure(self, officer_id: str, *, lock_until: dt.datetime | None) -> None:
        """Count a failed login; ``lock_until`` locks the account until then."""
        ...

    async def record_success(self, officer_id: str) -> None: ...

    async def set_password(self, officer_id: str, password_hash: str) -> None: ...

    async def link_telegram(self, officer_id: str, telegram_user_id: int | None) -> None: ...

    async def by_telegram(self, telegram_user_id: int) -> Officer | None: ...

    async def count(self, role: Role | None = None) -> int: ...


@dataclass(frozen=True)
class Session:
    officer: Officer
    csrf_token: str
    expires_at: dt.datetime


class SessionStore(Protocol):
    async def create(
        self, *, token_hash: str, officer_id: str, csrf_token: str, expires_at: dt.datetime
    ) -> None: ...

    async def get(self, token_hash: str) -> Session | None: ...

    async def delete(self, token_hash: str) -> None: ...


class AuditLog(Protocol):
    async def record(
        self,
        officer_id: str | None,
        action: str,
        target: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None: ...

    async def recent(self, limit: int = 200) -> list[dict[str, Any]]: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...


class Statistics(Protocol):
    """Aggregates for the console's overview and knowledge-gap pages."""

    async def overview(self, since: dt.datetime) -> dict[str, Any]: ...

    async def knowledge_gaps(self, since: dt.datetime) -> list[dict[str, Any]]: ...
