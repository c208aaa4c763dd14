"""Live delivery to open widget sockets, one in-process hub per gateway process.

A message published for a conversation reaches every socket subscribed to it (a visitor may
have the widget open in two tabs). Nothing is lost when no socket is open: the widget catches
up from the transcript endpoint on reconnect.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import Any

from bot.core.models import Conversation, StoredMessage
from bot.core.serialize import message_to_json

logger = logging.getLogger(__name__)
QUEUE_SIZE = 100


class ConversationHub:
    def __init__(self) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)

    def subscribe(self, conversation_id: str) -> asyncio.Queue[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_SIZE)
        self._subscribers[conversation_id].add(queue)
        return queue

    def unsubscribe(self, conversation_id: str, queue: asyncio.Queue[dict[str, Any]]) -> None:
        subscribers = self._subscribers.get(conversation_id)
        if subscribers is not None:
            subscribers.discard(queue)
            if not subscribers:
                del self._subscribers[conversation_id]

    def publish(self, conversation_id: str, frame: dict[str, Any]) -> int:
        """Queue ``frame`` for every subscriber; returns how many received it."""
        delivered = 0
        for queue in list(self._subscribers.get(conversation_id, ())):
            try:
                queue.put_nowait(frame)
                delivered += 1
            except asyncio.QueueFull:
                # A stalled socket catches up from the transcript when it reconnects.
                logger.warning("socket queue full for %s; frame dropped", conversation_id)
        return delivered


class WidgetSender:
    """Delivers officer replies and notices to the visitor's open widget sockets.

    The message is already stored: a widget with no open socket reads it from the transcript
    endpoint when it reconnects or the page reloads.
    """

    def __init__(self, hub: ConversationHub) -> None:
        self._hub = hub

    async def deliver(self, conversation: Conversation, message: StoredMessage) -> None:
        self._hub.publish(
            conversation.id,
            {
                "type": "message",
                "message": message_to_json(message),
            },
        )
