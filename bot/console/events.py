"""Live updates for open consoles (server-sent events): new tickets, changes, visitor messages.

Frames carry ids and queue facts, never message text: a console fetches the transcript it shows.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from bot.core.models import StoredMessage, Ticket
from bot.core.queue import summary

logger = logging.getLogger(__name__)
QUEUE_SIZE = 200


class ConsoleEvents:
    """An OfficerNotifier that broadcasts to every connected console."""

    def __init__(self) -> None:
        self._subscribers: set[asyncio.Queue[str]] = set()

    def subscribe(self) -> asyncio.Queue[str]:
        queue: asyncio.Queue[str] = asyncio.Queue(QUEUE_SIZE)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[str]) -> None:
        self._subscribers.discard(queue)

    def publish(self, event: str, data: dict[str, Any]) -> None:
        frame = f"event: {event}\ndata: {json.dumps(data)}\n\n"
        for queue in list(self._subscribers):
            try:
                queue.put_nowait(frame)
            except asyncio.QueueFull:
                logger.warning("a console is not reading its events; frame dropped")

    async def ticket_opened(self, ticket: Ticket) -> None:
        self.publish("ticket_opened", summary(ticket))

    async def ticket_changed(self, ticket: Ticket) -> None:
        self.publish("ticket_changed", summary(ticket))

    async def visitor_wrote(self, ticket: Ticket, message: StoredMessage) -> None:
        self.publish("visitor_message", {"ticket_id": ticket.id, "message_id": message.id})
