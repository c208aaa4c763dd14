"""Updates of different chats in parallel, each chat's in order.

python-telegram-bot handles one update at a time by default: a visitor whose question takes
Rasa a second holds up everybody else on Telegram. Its ``concurrent_updates`` lets them run in
parallel but gives up the order within a chat, and a visitor's two messages must reach the
dialogue in the order they were written. Here every chat has a lock (asyncio's locks are
first come, first served) and the concurrency limit is taken only once a chat's turn has come,
so a flooding visitor queues behind their own lock without holding slots others need.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# The base class limits concurrency before the update reaches us, that is before a chat's turn
# has come; its limit is set out of the way and ours is applied after the chat's lock.
UNLIMITED = 100_000


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 32) -> None:
        super().__init__(UNLIMITED)
        self._slots = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        if key is None:
            async with self._slots:
                await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock, self._slots:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # nobody else queued for this chat: forget its lock
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def _chat_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None
