"""Outbox and retention contract: written with the message, leased, ordered, erasable."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.models import CaseStatus, Channel, Conversation, LanguageSource, Reply, Sender
from bot.storage.cases import SqlCaseStore
from bot.storage.conversations import SqlConversationStore
from bot.storage.officers import SqlAuditLog
from bot.storage.outbox import SqlOutbox
from bot.storage.tables import AuditRow, CaseRow, OutboxRow

T0 = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(seconds=60)
Sessions = async_sessionmaker[AsyncSession]


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now


async def _telegram(store: SqlConversationStore, user: str = "42") -> Conversation:
    return await store.create(
        channel=Channel.TELEGRAM,
        visitor_ref=user,
        language="en",
        language_source=LanguageSource.HINT,
        chat_ref=user,
        first_reply=Reply("consent", sender=Sender.SYSTEM),
    )


async def test_outgoing_telegram_messages_owe_a_delivery_visitor_and_web_ones_do_not(
    sessions: Sessions,
) -> None:
    store, outbox = SqlConversationStore(sessions, lambda: T0), SqlOutbox(sessions)
    tg = await _telegram(store)
    web = await store.create(
        channel=Channel.WEB,
        visitor_ref="w",
        language="en",
        language_source=LanguageSource.DEFAULT,
        first_reply=Reply("consent", sender=Sender.SYSTEM),
    )
    incoming = await store.record_incoming(tg.id, "question", client_message_id="tg:1")
    await store.finish(
        incoming.message_id,
        conversation_id=tg.id,
        language="en",
        replies=[Reply("answer")],
        result={},
    )
    await store.add_officer_message(tg.id, "officer-1", "hello from a person", "en")
    await store.add_replies(web.id, [Reply("web answer")], "en")
    assert await outbox.pending() == 3  # consent, answer, officer reply: the visitor's is not
    claimed = await outbox.claim(T0, LEASE, 10)
    assert [i.message.text for i in claimed] == ["consent"]  # one per conversation, oldest first
    assert claimed[0].conversation.chat_ref == "42"


async def test_a_conversation_is_delivered_in_order_and_a_retry_holds_back_the_rest(
    sessions: Sessions,
) -> None:
    store, outbox = SqlConversationStore(sessions, lambda: T0), SqlOutbox(sessions)
    conv = await _telegram(store)
    await store.add_replies(conv.id, [Reply("second"), Reply("third")], "en")
    [head] = await outbox.claim(T0, LEASE, 10)
    assert head.message.text == "consent"
    # Leased: a second worker gets nothing from this conversation meanwhile.
    assert await outbox.claim(T0, LEASE, 10) == []
    await outbox.retry(
        head.id, at=T0 + dt.timedelta(seconds=30), reason="telegram_429", parts_sent=1
    )
    # Not due yet, and "second" must not overtake it.
    assert await outbox.claim(T0 + dt.timedelta(seconds=10), LEASE, 10) == []
    [again] = await outbox.claim(T0 + dt.timedelta(seconds=30), LEASE, 10)
    assert (again.id, again.attempts, again.parts_sent) == (head.id, 1, 1)
    await outbox.sent(again.id, T0)
    [nxt] = await outbox.claim(T0 + dt.timedelta(seconds=31), LEASE, 10)
    assert nxt.message.text == "second"
    await outbox.failed(nxt.id, "telegram_forbidden")
    [last] = await outbox.claim(T0 + dt.timedelta(seconds=31), LEASE, 10)
    assert last.message.text == "third"
    await outbox.sent(last.id, T0)
    assert await outbox.pending() == 0


async def test_an_expired_lease_frees_the_row_for_another_worker(sessions: Sessions) -> None:
    store, outbox = SqlConversationStore(sessions, lambda: T0), SqlOutbox(sessions)
    await _telegram(store)
    [first] = await outbox.claim(T0, LEASE, 10)
    # The worker crashed without a word: after the lease, someone else delivers it.
    [again] = await outbox.claim(T0 + LEASE, LEASE, 10)
    assert again.id == first.id


async def test_concurrent_workers_never_lease_the_same_row(sessions: Sessions) -> None:
    store, outbox = SqlConversationStore(sessions, lambda: T0), SqlOutbox(sessions)
    for user in range(6):
        await _telegram(store, str(100 + user))
    batches = await asyncio.gather(*(outbox.claim(T0, LEASE, 10) for _ in range(4)))
    ids = [item.id for batch in batches for item in batch]
    assert len(ids) == len(set(ids)) == 6


async def test_erasure_removes_undelivered_messages_and_leaves_an_audit_entry(
    sessions: Sessions,
) -> None:
    store, outbox = SqlConversationStore(sessions, lambda: T0), SqlOutbox(sessions)
    conv = await _telegram(store)
    await store.add_replies(conv.id, [Reply("your passport B1234567 is noted")], "en")
    assert await store.forget(conv.id) == 2
    assert await outbox.pending() == 0
    assert await outbox.claim(T0, LEASE, 10) == []
    assert await store.trackers_to_erase() == [conv.id]
    await store.tracker_erased(conv.id)
    assert await store.trackers_to_erase() == []
    async with sessions() as session:
        [entry] = (await session.scalars(select(AuditRow))).all()
    assert (entry.action, entry.target) == ("conversation.erase", conv.id)
    assert entry.detail == {"by": "visitor", "channel": "telegram", "messages": 2}
    assert "B1234567" not in str(entry.detail)


async def test_retention_finds_idle_conversations_and_purges_them_whole(
    sessions: Sessions,
) -> None:
    clock = Clock()
    store = SqlConversationStore(sessions, clock)
    cases = SqlCaseStore(sessions, clock)
    old = await _telegram(store, "1")
    case = await cases.create(
        kind="press_accreditation",
        conversation_id=old.id,
        fields={"full_name": "Jane Roe", "email": "jane@example.org"},
        language="en",
    )
    await cases.decide(case.reference, CaseStatus.APPROVED, "see you", "officer-1")
    clock.now = T0 + dt.timedelta(days=100)
    recent = await _telegram(store, "2")
    clock.now = T0 + dt.timedelta(days=170)
    await store.add_replies(recent.id, [Reply("still talking")], "en")
    cutoff = T0 + dt.timedelta(days=190) - dt.timedelta(days=180)
    assert await store.inactive_since(cutoff) == [old.id]
    assert await store.purge(old.id) == 1
    assert await store.get(old.id) is None
    assert await store.inactive_since(cutoff) == []
    async with sessions() as session:
        row = await session.get(CaseRow, case.reference)
        left = (await session.scalars(select(OutboxRow.conversation_id))).all()
    # The request survives as an anonymous record: kind, status, dates; no person.
    assert row is not None and row.conversation_id is None
    assert row.fields == {"erased": True} and row.decision_message is None
    assert row.status == CaseStatus.APPROVED.value
    assert set(left) == {recent.id}
    assert await SqlAuditLog(sessions).recent() == []  # the job audits its runs, not the store
