"""ConversationStore contract: store first, idempotency, cursors, erasure."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.models import Channel, LanguageSource, Reply, Sender
from bot.storage.conversations import SqlConversationStore

T0 = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)
Sessions = async_sessionmaker[AsyncSession]


async def test_incoming_messages_are_idempotent_by_client_id(sessions: Sessions) -> None:
    store = SqlConversationStore(sessions, lambda: T0)
    conv = await store.create(
        channel=Channel.WEB,
        visitor_ref="v",
        language="en",
        language_source=LanguageSource.DEFAULT,
        first_reply=Reply("hi"),
    )
    results = await asyncio.gather(
        *(store.record_incoming(conv.id, "hello", client_message_id="c1") for _ in range(5))
    )
    assert sum(not r.duplicate for r in results) == 1
    first = next(r for r in results if not r.duplicate)
    await store.finish(
        first.message_id,
        conversation_id=conv.id,
        language="fr",
        replies=[Reply("bonjour")],
        result={"replies": [{"text": "bonjour"}]},
    )
    again = await store.record_incoming(conv.id, "hello", client_message_id="c1")
    assert again.duplicate and again.result == {"replies": [{"text": "bonjour"}]}


async def test_transcript_cursor_and_erasure(sessions: Sessions) -> None:
    store = SqlConversationStore(sessions, lambda: T0)
    conv = await store.create(
        channel=Channel.TELEGRAM,
        visitor_ref="42",
        language="vi",
        language_source=LanguageSource.HINT,
        chat_ref="42",
        first_reply=Reply("consent", sender=Sender.SYSTEM),
    )
    incoming = await store.record_incoming(
        conv.id, "số điện thoại của tôi là 0912345678", client_message_id=None
    )
    await store.finish(
        incoming.message_id,
        conversation_id=conv.id,
        language="vi",
        replies=[Reply("a"), Reply("b")],
        result={},
    )
    everything = await store.messages_after(conv.id, 0)
    assert [m.sender for m in everything] == [Sender.SYSTEM, Sender.VISITOR, Sender.BOT, Sender.BOT]
    assert [m.text for m in await store.messages_after(conv.id, everything[1].id)] == ["a", "b"]
    assert (await store.find_by_visitor(Channel.TELEGRAM, "42")) == conv
    assert await store.forget(conv.id) == 4
    assert await store.messages_after(conv.id, 0) == []
    assert await store.get(conv.id) is None
    assert await store.find_by_visitor(Channel.TELEGRAM, "42") is None
