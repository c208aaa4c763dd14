"""TicketStore contract: the queue's guarantees, whatever the database."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.models import Channel, LanguageSource, Priority, TicketStatus
from bot.storage.conversations import SqlConversationStore
from bot.storage.tickets import SqlTicketStore

T0 = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)
Sessions = async_sessionmaker[AsyncSession]


async def conversation(sessions: Sessions, ref: str = "v") -> str:
    store = SqlConversationStore(sessions, lambda: T0)
    created = await store.create(
        channel=Channel.WEB, visitor_ref=ref, language="en", language_source=LanguageSource.DEFAULT
    )
    return created.id


async def open_ticket(
    sessions: Sessions, at: dt.datetime = T0, priority: Priority = Priority.NORMAL, ref: str = "v"
) -> str:
    tickets = SqlTicketStore(sessions, lambda: at)
    ticket = await tickets.open(
        conversation_id=await conversation(sessions, ref),
        reason="requested",
        priority=priority,
        language="en",
        channel=Channel.WEB,
    )
    return ticket.id


async def test_opening_twice_returns_the_open_ticket(sessions: Sessions) -> None:
    tickets = SqlTicketStore(sessions, lambda: T0)
    conv = await conversation(sessions)
    first = await tickets.open(
        conversation_id=conv,
        reason="a",
        priority=Priority.NORMAL,
        language="en",
        channel=Channel.WEB,
    )
    second = await tickets.open(
        conversation_id=conv, reason="b", priority=Priority.HIGH, language="en", channel=Channel.WEB
    )
    assert first.id == second.id
    assert (await tickets.active_for(conv)) == first


async def test_queue_order_is_priority_then_age(sessions: Sessions) -> None:
    tickets = SqlTicketStore(sessions, lambda: T0)
    old = await open_ticket(sessions, T0, ref="a")
    newer = await open_ticket(sessions, T0 + dt.timedelta(minutes=1), ref="b")
    urgent = await open_ticket(sessions, T0 + dt.timedelta(minutes=2), Priority.HIGH, ref="c")
    listed = [t.id for t in await tickets.in_status(TicketStatus.WAITING)]
    assert listed == [urgent, old, newer]
    positions = {t: await tickets.position(await tickets.get(t)) for t in listed}  # type: ignore[arg-type]
    assert positions == {urgent: 1, old: 2, newer: 3}
    assert await tickets.claim(old, "officer-1", T0) is not None
    assert await tickets.count(TicketStatus.WAITING) == 2
    assert await tickets.count(TicketStatus.CLAIMED) == 1


async def test_of_many_simultaneous_claims_exactly_one_wins(sessions: Sessions) -> None:
    ticket_id = await open_ticket(sessions)
    stores = [SqlTicketStore(sessions) for _ in range(8)]
    results = await asyncio.gather(
        *(store.claim(ticket_id, f"officer-{i}", T0) for i, store in enumerate(stores))
    )
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    final = await stores[0].get(ticket_id)
    assert final is not None
    assert final.status is TicketStatus.CLAIMED
    assert final.officer_id == winners[0].officer_id


async def test_transfer_release_close(sessions: Sessions) -> None:
    tickets = SqlTicketStore(sessions)
    ticket_id = await open_ticket(sessions)
    assert await tickets.transfer(ticket_id, None, "b", T0) is None  # not claimed yet
    await tickets.claim(ticket_id, "a", T0)
    assert await tickets.transfer(ticket_id, "not-the-holder", "b", T0) is None
    moved = await tickets.transfer(ticket_id, "a", "b", T0)
    assert moved is not None and moved.officer_id == "b"
    released = await tickets.release(ticket_id)
    assert released is not None and released.status is TicketStatus.WAITING
    assert released.officer_id is None
    closed = await tickets.close(ticket_id, T0)
    assert closed is not None and closed.status is TicketStatus.CLOSED
    assert await tickets.close(ticket_id, T0) is None
    assert await tickets.claim(ticket_id, "a", T0) is None


async def test_timers_find_what_is_due(sessions: Sessions) -> None:
    tickets = SqlTicketStore(sessions)
    waiting = await open_ticket(sessions, T0, ref="w")
    claimed = await open_ticket(sessions, T0, ref="c")
    answered = await open_ticket(sessions, T0, ref="r")
    await tickets.claim(claimed, "a", T0)
    await tickets.claim(answered, "a", T0)
    await tickets.mark_officer_reply(answered, T0 + dt.timedelta(minutes=1))
    later = T0 + dt.timedelta(minutes=20)
    assert [t.id for t in await tickets.due_for_announcement(later)] == [waiting]
    assert [t.id for t in await tickets.unanswered_claims(later)] == [claimed]
    await tickets.mark_announced(waiting, later, group_message_id=4242)
    assert await tickets.due_for_announcement(later) == []
    found = await tickets.by_group_message(4242)
    assert found is not None and found.id == waiting and found.announcements == 2


async def test_waits_are_averaged_only_with_enough_history(sessions: Sessions) -> None:
    tickets = SqlTicketStore(sessions)
    for n in range(3):
        ticket_id = await open_ticket(sessions, T0, ref=f"h{n}")
        await tickets.claim(ticket_id, "a", T0 + dt.timedelta(minutes=2 * (n + 1)))
        if n == 1:
            assert await tickets.average_wait_seconds(T0) is None
    assert await tickets.average_wait_seconds(T0) == pytest.approx(240.0)


async def test_of_several_sweeping_replicas_one_announces(sessions: Sessions) -> None:
    tickets = SqlTicketStore(sessions)
    waiting = await open_ticket(sessions, T0, ref="w")
    due = T0 + dt.timedelta(minutes=10)
    won = await asyncio.gather(
        *(tickets.take_announcement(waiting, due, due + dt.timedelta(seconds=1)) for _ in range(4))
    )
    assert sorted(won) == [False, False, False, True]
    assert await tickets.due_for_announcement(due) == []
    # Ten minutes later it is due again, once.
    later = due + dt.timedelta(minutes=10, seconds=2)
    assert await tickets.take_announcement(waiting, later, later)
    await tickets.claim(waiting, "a", later)
    assert not await tickets.take_announcement(waiting, later + dt.timedelta(hours=1), later)
