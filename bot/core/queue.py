"""The officers' side of a handoff: claim, reply, transfer, close, and the timers.

Every action is checked (only the holder of a ticket answers it; a lost race is a conflict, not
a silent overwrite), stored, delivered to the visitor on their own channel, announced to the
other officers and written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.i18n import Catalogue
from bot.core.models import (
    Button,
    Channel,
    Conversation,
    Mode,
    Officer,
    Reply,
    Role,
    Sender,
    StoredMessage,
    Ticket,
    TicketStatus,
    utc_now,
)
from bot.core.ports import (
    AuditLog,
    ConversationStore,
    Metrics,
    NoMetrics,
    OfficerNotifier,
    OutboundSender,
    TicketStore,
)

logger = logging.getLogger(__name__)
MAX_REPLY_CHARS = 4096


class QueueError(Exception):
    """Base of the officer-side errors; each maps to one HTTP status in the console adapter."""


class TicketNotFoundError(QueueError):
    pass


class TicketConflictError(QueueError):
    """Someone else holds the ticket, or it is not in a state that allows the action."""


class NotAllowedError(QueueError):
    """The officer's role does not allow the action."""


@dataclass(frozen=True)
class QueueTimers:
    """Unclaimed tickets are announced again after ``reannounce``; a claimed ticket whose
    officer has not replied within ``reclaim`` goes back to the queue."""

    reannounce: dt.timedelta = dt.timedelta(minutes=10)
    reclaim: dt.timedelta = dt.timedelta(minutes=15)


class Senders:
    """Outbound senders per channel, registered by the composition root."""

    def __init__(self) -> None:
        self._by_channel: dict[Channel, OutboundSender] = {}

    def register(self, channel: Channel, sender: OutboundSender) -> None:
        self._by_channel[channel] = sender

    async def deliver(self, conversation: Conversation, message: StoredMessage) -> None:
        sender = self._by_channel.get(conversation.channel)
        if sender is None:
            # The message is stored; the visitor reads it from the transcript endpoint.
            logger.info("no live sender for %s; message %s waits", conversation.channel, message.id)
            return
        try:
            await sender.deliver(conversation, message)
        except Exception:  # a channel failure must not undo the officer's stored action
            logger.exception("delivery of message %s failed", message.id)

    async def tell(
        self, conversations: ConversationStore, conversation: Conversation, reply: Reply, lang: str
    ) -> StoredMessage:
        """Store ``reply`` in the transcript first, then deliver it on the visitor's channel."""
        [stored] = await conversations.add_replies(conversation.id, [reply], lang)
        await self.deliver(conversation, stored)
        return stored


class QueueService:
    def __init__(
        self,
        *,
        tickets: TicketStore,
        conversations: ConversationStore,
        senders: Senders,
        notifier: OfficerNotifier,
        audit: AuditLog,
        catalogue: Catalogue,
        timers: QueueTimers | None = None,
        clock: Callable[[], dt.datetime] = utc_now,
        metrics: Metrics | None = None,
    ) -> None:
        self._metrics = metrics or NoMetrics()
        self._tickets = tickets
        self._conversations = conversations
        self._senders = senders
        self._notifier = notifier
        self._audit = audit
        self._t = catalogue
        self._timers = timers or QueueTimers()
        self._clock = clock

    async def claim(self, ticket_id: str, officer: Officer) -> Ticket:
        ticket = await self._ticket(ticket_id)
        if ticket.status is not TicketStatus.WAITING:
            raise TicketConflictError(f"ticket {ticket_id} is {ticket.status.value}")
        claimed = await self._tickets.claim(ticket_id, officer.id, self._clock())
        if claimed is None:
            raise TicketConflictError(f"ticket {ticket_id} was claimed by someone else")
        await self._audit.record(officer.id, "ticket.claim", ticket_id)
        if claimed.claimed_at is not None:
            self._metrics.queue_wait((claimed.claimed_at - claimed.created_at).total_seconds())
        conversation = await self._conversation(claimed)
        await self._system_message(conversation, "officer_joined")
        await self._notifier.ticket_changed(claimed)
        return claimed

    async def reply(self, ticket_id: str, officer: Officer, text: str) -> StoredMessage:
        text = text.strip()
        if not text or len(text) > MAX_REPLY_CHARS:
            raise ValueError(f"a reply has 1 to {MAX_REPLY_CHARS} characters")
        ticket = await self._held_by(ticket_id, officer)
        conversation = await self._conversation(ticket)
        stored = await self._conversations.add_officer_message(
            conversation.id, officer.id, text, conversation.language
        )
        await self._tickets.mark_officer_reply(ticket_id, self._clock())
        await self._audit.record(officer.id, "ticket.reply", ticket_id, {"message": stored.id})
        await self._senders.deliver(conversation, stored)
        return stored

    async def transfer(self, ticket_id: str, officer: Officer, to: Officer) -> Ticket:
        if not to.active:
            raise TicketConflictError(f"{to.username} is not an active officer")
        ticket = await self._ticket(ticket_id)
        holder = None if officer.role is Role.ADMIN else officer.id
        if ticket.status is not TicketStatus.CLAIMED or (holder and ticket.officer_id != holder):
            raise TicketConflictError("only the officer holding a claimed ticket can transfer it")
        moved = await self._tickets.transfer(ticket_id, holder, to.id, self._clock())
        if moved is None:
            raise TicketConflictError(f"ticket {ticket_id} changed hands meanwhile")
        await self._audit.record(officer.id, "ticket.transfer", ticket_id, {"to": to.id})
        await self._notifier.ticket_changed(moved)
        return moved

    async def close(self, ticket_id: str, officer: Officer) -> Ticket:
        ticket = await self._ticket(ticket_id)
        if (
            ticket.status is TicketStatus.CLAIMED
            and ticket.officer_id != officer.id
            and (officer.role is not Role.ADMIN)
        ):
            raise TicketConflictError("another officer holds this ticket")
        closed = await self._tickets.close(ticket_id, self._clock())
        if closed is None:
            raise TicketConflictError(f"ticket {ticket_id} is already closed")
        conversation = await self._conversation(closed)
        await self._conversations.set_mode(conversation.id, Mode.BOT)
        await self._conversations.set_rating_ticket(conversation.id, ticket_id)
        buttons = tuple(Button(str(n), str(n)) for n in range(1, 6))
        await self._system_message(conversation, "conversation_closed", buttons=buttons)
        await self._audit.record(officer.id, "ticket.close", ticket_id)
        await self._notifier.ticket_changed(closed)
        return closed

    async def sweep(self) -> dict[str, int]:
        """Announce unclaimed tickets again and release claims nobody answered."""
        now = self._clock()
        announced = released = 0
        due = now - self._timers.reannounce
        for ticket in await self._tickets.due_for_announcement(due):
            # Several gateway replicas sweep the same queue: one of them announces.
            if not await self._tickets.take_announcement(ticket.id, due, now):
                continue
            await self._notifier.ticket_opened(ticket)
            await self._tickets.mark_announced(ticket.id, now)
            announced += 1
        for ticket in await self._tickets.unanswered_claims(now - self._timers.reclaim):
            back = await self._tickets.release(ticket.id)
            if back is not None:
                await self._audit.record(
                    None, "ticket.release", ticket.id, {"officer": ticket.officer_id}
                )
                await self._notifier.ticket_changed(back)
                await self._notifier.ticket_opened(back)
                released += 1
        return {"announced": announced, "released": released}

    # --- helpers -----------------------------------------------------------------------

    async def _ticket(self, ticket_id: str) -> Ticket:
        ticket = await self._tickets.get(ticket_id)
        if ticket is None:
            raise TicketNotFoundError(ticket_id)
        return ticket

    async def _held_by(self, ticket_id: str, officer: Officer) -> Ticket:
        ticket = await self._ticket(ticket_id)
        if ticket.status is not TicketStatus.CLAIMED:
            raise TicketConflictError("claim the ticket before replying")
        if ticket.officer_id != officer.id:
            raise TicketConflictError("another officer holds this ticket")
        return ticket

    async def _conversation(self, ticket: Ticket) -> Conversation:
        conversation = await self._conversations.get(ticket.conversation_id)
        if conversation is None:
            raise TicketNotFoundError(f"conversation of ticket {ticket.id} was erased")
        return conversation

    async def _system_message(
        self,
        conversation: Conversation,
        key: str,
        buttons: tuple[Button, ...] = (),
        **values: object,
    ) -> StoredMessage:
        text = self._t.text(key, conversation.language, **values)
        reply = Reply(text, buttons=buttons, sender=Sender.SYSTEM)
        return await self._senders.tell(
            self._conversations, conversation, reply, conversation.language
        )


def summary(ticket: Ticket, now: dt.datetime | None = None) -> dict[str, object]:
    """What a list of tickets shows about one (no message text)."""
    return {
        "id": ticket.id,
        "status": ticket.status.value,
        "reason": ticket.reason,
        "priority": ticket.priority.value,
        "language": ticket.language,
        "channel": ticket.channel.value,
        "officer_id": ticket.officer_id,
        "created_at": ticket.created_at.isoformat(),
        "waiting_seconds": int(((now or utc_now()) - ticket.created_at).total_seconds()),
    }
