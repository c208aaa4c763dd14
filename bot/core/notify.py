"""Fan-out of officer notifications to every officers' channel (console, Telegram group)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from bot.core.models import StoredMessage, Ticket
from bot.core.ports import OfficerNotifier

logger = logging.getLogger(__name__)


class CompositeNotifier:
    """Calls every notifier; one failing channel never hides a ticket from the others."""

    def __init__(self, notifiers: Sequence[OfficerNotifier] = ()) -> None:
        self._notifiers = list(notifiers)

    def add(self, notifier: OfficerNotifier) -> None:
        self._notifiers.append(notifier)

    async def ticket_opened(self, ticket: Ticket) -> None:
        await self._each(ticket, lambda n: n.ticket_opened(ticket))

    async def ticket_changed(self, ticket: Ticket) -> None:
        await self._each(ticket, lambda n: n.ticket_changed(ticket))

    async def visitor_wrote(self, ticket: Ticket, message: StoredMessage) -> None:
        await self._each(ticket, lambda n: n.visitor_wrote(ticket, message))

    async def _each(
        self, ticket: Ticket, call: Callable[[OfficerNotifier], Awaitable[None]]
    ) -> None:
        for notifier in self._notifiers:
            try:
                await call(notifier)
            except Exception:
                logger.exception(
                    "notifier %s failed on ticket %s", type(notifier).__name__, ticket.id
                )
