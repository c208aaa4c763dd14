"""The outbox worker on a real SQLite store, with a channel that fails on cue."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core.models import Channel, Conversation, LanguageSource, Reply, Sender, StoredMessage
from bot.core.outbox import OutboxWorker
from bot.core.ports import DeliveryRejectedError, DeliveryRetryError
from bot.storage.conversations import SqlConversationStore
from bot.storage.db import create_engine, session_factory, sqlite_url, upgrade_async
from bot.storage.outbox import SqlOutbox
from bot.storage.tables import OutboxRow
from tests.support.gateway import Clock

T0 = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)


@dataclass
class FlakyChannel:
    """Delivers parts of messages; ``faults`` are raised one per push, in order."""

    faults: list[Exception] = field(default_factory=list)
    delivered: list[tuple[str, str, int]] = field(default_factory=list)

    async def push(
        self, conversation: Conversation, message: StoredMessage, *, skip_parts: int = 0
    ) -> None:
        if self.faults:
            raise self.faults.pop(0)
        self.delivered.append((conversation.chat_ref or "", message.text, skip_parts))


@dataclass
class Setup:
    store: SqlConversationStore
    outbox: SqlOutbox
    clock: Clock
    channel: FlakyChannel
    worker: OutboxWorker

    async def conversation(self, user: str = "7") -> Conversation:
        return await self.store.create(
            channel=Channel.TELEGRAM,
            visitor_ref=user,
            language="en",
            language_source=LanguageSource.HINT,
            chat_ref=user,
            first_reply=Reply("consent", sender=Sender.SYSTEM),
        )


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    url = sqlite_url(tmp_path / "outbox.db")
    await upgrade_async(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    clock = Clock(T0)
    channel = FlakyChannel()
    outbox = SqlOutbox(sessions)
    worker = OutboxWorker(outbox, {Channel.TELEGRAM: channel}, clock=clock)
    yield Setup(SqlConversationStore(sessions, clock), outbox, clock, channel, worker)
    await engine.dispose()


async def test_messages_go_out_once_and_in_order(setup: Setup) -> None:
    conv = await setup.conversation()
    await setup.store.add_replies(conv.id, [Reply("one"), Reply("two")], "en")
    while await setup.worker.drain():
        pass
    assert [text for _, text, _ in setup.channel.delivered] == ["consent", "one", "two"]
    assert await setup.worker.drain() == 0
    assert await setup.outbox.pending() == 0


async def test_telegrams_retry_after_is_honoured_to_the_second(setup: Setup) -> None:
    await setup.conversation()
    setup.channel.faults = [DeliveryRetryError("telegram_429", after=7)]
    assert await setup.worker.drain() == 0
    setup.clock.advance(seconds=6)
    assert await setup.worker.drain() == 0  # still waiting
    setup.clock.advance(seconds=1)
    assert await setup.worker.drain() == 1
    assert [text for _, text, _ in setup.channel.delivered] == ["consent"]


async def test_server_errors_back_off_exponentially(setup: Setup) -> None:
    await setup.conversation()
    setup.channel.faults = [DeliveryRetryError("telegram_networkerror") for _ in range(4)]
    waits = []
    for _ in range(4):
        assert await setup.worker.drain() == 0
        due = await _next_attempt(setup)
        waits.append((due - setup.clock.now).total_seconds())
        setup.clock.now = due
    assert await setup.worker.drain() == 1
    # 1, 2, 4, 8 seconds, each within the +-20 % jitter.
    for wait, base in zip(waits, (1, 2, 4, 8), strict=True):
        assert 0.8 * base <= wait <= 1.2 * base
    assert [text for _, text, _ in setup.channel.delivered] == ["consent"]


async def _next_attempt(setup: Setup) -> dt.datetime:
    async with setup.outbox._sessions() as session:
        due = await session.scalar(select(OutboxRow.next_attempt_at))
    assert due is not None
    return due


async def test_parts_already_sent_are_not_sent_again(setup: Setup) -> None:
    await setup.conversation()
    setup.channel.faults = [DeliveryRetryError("telegram_429", after=1, parts_sent=2)]
    await setup.worker.drain()
    setup.clock.advance(seconds=1)
    await setup.worker.drain()
    assert setup.channel.delivered == [("7", "consent", 2)]


async def test_a_blocked_bot_fails_that_message_and_the_next_ones_still_go(setup: Setup) -> None:
    conv = await setup.conversation()
    await setup.store.add_replies(conv.id, [Reply("after")], "en")
    setup.channel.faults = [DeliveryRejectedError("telegram_forbidden")]
    await setup.worker.drain()
    while await setup.worker.drain():
        pass
    assert [text for _, text, _ in setup.channel.delivered] == ["after"]
    assert await setup.outbox.pending() == 0


async def test_a_bug_in_a_channel_does_not_lose_the_message(setup: Setup) -> None:
    await setup.conversation()
    setup.channel.faults = [RuntimeError("oops")]
    assert await setup.worker.drain() == 0
    setup.clock.advance(seconds=5)
    assert await setup.worker.drain() == 1


async def test_one_slow_conversation_does_not_hold_up_the_others(setup: Setup) -> None:
    await setup.conversation("1")
    await setup.conversation("2")
    setup.channel.faults = [DeliveryRetryError("telegram_429", after=600)]
    assert await setup.worker.drain() == 1
    assert len(setup.channel.delivered) == 1


async def test_a_bug_that_keeps_happening_ends_in_failed_not_in_an_endless_loop(
    setup: Setup,
) -> None:
    from bot.core.outbox import MAX_UNEXPECTED

    await setup.conversation()
    setup.channel.faults = [RuntimeError("oops") for _ in range(MAX_UNEXPECTED)]
    for _ in range(MAX_UNEXPECTED):
        await setup.worker.drain()
        setup.clock.advance(minutes=10)
    assert await setup.outbox.pending() == 0
    assert setup.channel.delivered == []


async def test_the_background_loop_keeps_other_conversations_moving(tmp_path: Path) -> None:
    import asyncio

    url = sqlite_url(tmp_path / "loop.db")
    await upgrade_async(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    store = SqlConversationStore(sessions)
    order: list[str] = []
    release = asyncio.Event()

    class SlowFirstChat:
        async def push(
            self, conversation: Conversation, message: StoredMessage, *, skip_parts: int = 0
        ) -> None:
            if conversation.chat_ref == "1":
                await release.wait()  # Telegram hangs for this chat
            order.append(f"{conversation.chat_ref}:{message.text}")

    worker = OutboxWorker(SqlOutbox(sessions), {Channel.TELEGRAM: SlowFirstChat()}, poll=0.05)
    loop = asyncio.create_task(worker.run())
    try:
        for user in ("1", "2"):
            conv = await store.create(
                channel=Channel.TELEGRAM,
                visitor_ref=user,
                language="en",
                language_source=LanguageSource.HINT,
                chat_ref=user,
                first_reply=Reply("consent", sender=Sender.SYSTEM),
            )
            await store.add_replies(conv.id, [Reply("answer")], "en")
        worker.wake()
        for _ in range(100):
            if len(order) == 2:
                break
            await asyncio.sleep(0.05)
        assert order == ["2:consent", "2:answer"]  # chat 2 went on while chat 1 hung
        release.set()
        for _ in range(100):
            if len(order) == 4:
                break
            await asyncio.sleep(0.05)
        assert order[2:] == ["1:consent", "1:answer"]
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop
        await engine.dispose()
