"""Handing a conversation to a human officer, as the visitor sees it.

Opening a ticket puts the conversation in HUMAN mode: from then on the bot stays silent and the
visitor's messages go to the officers. The visitor is told their place in the queue and an
honest estimate from recent handling times, or, outside office hours, when the office opens.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from zoneinfo import ZoneInfo

from bot.core.i18n import Catalogue
from bot.core.models import (
    Conversation,
    HandoffInfo,
    Mode,
    Priority,
    Reply,
    Sender,
    StoredMessage,
    Ticket,
    utc_now,
)
from bot.core.office_hours import OfficeHours
from bot.core.ports import ConversationStore, Metrics, NoMetrics, OfficerNotifier, TicketStore

logger = logging.getLogger(__name__)

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Without enough recent history the estimate is "a few minutes", not an invented number.
WAIT_HISTORY = dt.timedelta(days=14)


class HandoffService:
    def __init__(
        self,
        *,
        conversations: ConversationStore,
        tickets: TicketStore,
        notifier: OfficerNotifier,
        catalogue: Catalogue,
        office_hours: OfficeHours,
        clock: Callable[[], dt.datetime] = utc_now,
        metrics: Metrics | None = None,
    ) -> None:
        self._metrics = metrics or NoMetrics()
        self._conversations = conversations
        self._tickets = tickets
        self.notifier = notifier
        self._t = catalogue
        self._hours = office_hours
        self._clock = clock

    async def open(
        self,
        conversation: Conversation,
        *,
        reason: str,
        priority: Priority,
        visitor_timezone: str | None = None,
    ) -> tuple[Conversation, HandoffInfo, list[Reply]]:
        """Open (or join) the conversation's ticket; returns what to tell the visitor."""
        existing = await self._tickets.active_for(conversation.id)
        ticket = existing or await self._tickets.open(
            conversation_id=conversation.id,
            reason=reason,
            priority=priority,
            language=conversation.language,
            channel=conversation.channel,
        )
        if conversation.mode is not Mode.HUMAN:
            conversation = await self._conversations.set_mode(conversation.id, Mode.HUMAN)
        if existing is None:
            logger.info("ticket %s opened for %s (%s)", ticket.id, conversation.id, reason)
            self._metrics.handoff(reason)
            await self.notifier.ticket_opened(ticket)
        position = await self._tickets.position(ticket)
        replies = [await self._status_reply(conversation, ticket, position, visitor_timezone)]
        return conversation, HandoffInfo(ticket.id, position, ticket.reason), replies

    async def visitor_wrote(
        self, conversation: Conversation, message: StoredMessage
    ) -> tuple[list[Reply], HandoffInfo | None]:
        """A message while a human holds the conversation: forward it, tell the queue state."""
        ticket = await self._tickets.active_for(conversation.id)
        if ticket is None:
            # HUMAN mode without a ticket cannot last: hand the conversation back to the bot.
            await self._conversations.set_mode(conversation.id, Mode.BOT)
            return [], None
        await self.notifier.visitor_wrote(ticket, message)
        email = EMAIL.search(message.text)
        if email and email.group(0) != conversation.contact_email:
            # Asked for outside office hours; officers see it with the ticket.
            await self._conversations.set_contact_email(conversation.id, email.group(0).lower())
        position = await self._tickets.position(ticket)
        info = HandoffInfo(ticket.id, position, ticket.reason)
        if ticket.officer_id is not None:
            return [], info  # an officer is on it: no automatic replies between people
        return [await self._status_reply(conversation, ticket, position, None)], info

    async def rate(self, ticket_id: str, score: int) -> None:
        await self._tickets.rate(ticket_id, score)

    async def _status_reply(
        self,
        conversation: Conversation,
        ticket: Ticket,
        position: int,
        visitor_timezone: str | None,
    ) -> Reply:
        lang = conversation.language
        now = self._clock()
        if ticket.officer_id is not None:
            return Reply(self._t.text("officer_has_message", lang), sender=Sender.SYSTEM)
        if not self._hours.is_open(now):
            opening = self._hours.next_opening(now)
            zone = _zone(visitor_timezone)
            if zone is None:
                # The visitor's timezone is unknown (Telegram, API clients): office time only.
                text = self._t.text("outside_hours_office", lang, opens_office=_format(opening))
            else:
                text = self._t.text(
                    "outside_hours",
                    lang,
                    opens_local=_format(opening.astimezone(zone)),
                    opens_office=_format(opening),
                )
            return Reply(text, sender=Sender.SYSTEM)
        average = await self._tickets.average_wait_seconds(now - WAIT_HISTORY)
        if average is None:
            wait = self._t.text("wait_unknown", lang)
        else:
            minutes = max(1, round(average * position / 60))
            wait = self._t.text("wait_minutes", lang, minutes=minutes)
        return Reply(
            self._t.text("queue_position", lang, position=position, wait=wait), sender=Sender.SYSTEM
        )


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return None


def _format(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M (%Z)")
