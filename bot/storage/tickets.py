"""The handoff queue: tickets and their life cycle."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update

from bot.core.models import Channel, Priority, Ticket, TicketStatus, utc_now
from bot.storage.mapping import Sessions, to_ticket
from bot.storage.tables import TicketRow


class SqlTicketStore:
    def __init__(self, sessions: Sessions, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self._sessions = sessions
        self._clock = clock

    async def open(
        self,
        *,
        conversation_id: str,
        reason: str,
        priority: Priority,
        language: str,
        channel: Channel,
    ) -> Ticket:
        existing = await self.active_for(conversation_id)
        if existing is not None:
            return existing
        now = self._clock()
        row = TicketRow(
            id=secrets.token_hex(6),
            conversation_id=conversation_id,
            status=TicketStatus.WAITING.value,
            reason=reason,
            priority=priority.rank,
            language=language,
            channel=channel.value,
            created_at=now,
            announced_at=now,
            announcements=1,
        )
        async with self._sessions.begin() as session:
            session.add(row)
        return to_ticket(row)

    async def active_for(self, conversation_id: str) -> Ticket | None:
        async with self._sessions() as session:
            row = await session.scalar(
                select(TicketRow)
                .where(
                    TicketRow.conversation_id == conversation_id,
                    TicketRow.status != TicketStatus.CLOSED.value,
                )
                .order_by(TicketRow.created_at.desc())
                .limit(1)
            )
            return to_ticket(row) if row else None

    async def position(self, ticket: Ticket) -> int:
        if ticket.status is not TicketStatus.WAITING:
            return 0
        async with self._sessions() as session:
            ahead = await session.scalar(
                select(func.count())
                .select_from(TicketRow)
                .where(
                    TicketRow.status == TicketStatus.WAITING.value,
                    (TicketRow.priority > ticket.priority.rank)
                    | (
                        (TicketRow.priority == ticket.priority.rank)
                        & (TicketRow.created_at < ticket.created_at)
                    ),
                )
            )
            return int(ahead or 0) + 1

    async def count(self, status: TicketStatus) -> int:
        async with self._sessions() as session:
            n = await session.scalar(
                select(func.count()).select_from(TicketRow).where(TicketRow.status == status.value)
            )
            return int(n or 0)

    async def average_wait_seconds(self, since: dt.datetime) -> float | None:
        async with self._sessions() as session:
            rows = await session.execute(
                select(TicketRow.created_at, TicketRow.claimed_at).where(
                    TicketRow.claimed_at.is_not(None), TicketRow.claimed_at >= since
                )
            )
            waits = [(claimed - created).total_seconds() for created, claimed in rows if claimed]
        # Fewer than three handled tickets is not a basis for a promise.
        return sum(waits) / len(waits) if len(waits) >= 3 else None

    async def get(self, ticket_id: str) -> Ticket | None:
        async with self._sessions() as session:
            row = await session.get(TicketRow, ticket_id)
            return to_ticket(row) if row else None

    async def in_status(self, status: TicketStatus | None = None, limit: int = 200) -> list[Ticket]:
        query = select(TicketRow)
        if status is not None:
            query = query.where(TicketRow.status == status.value)
        if status is TicketStatus.CLOSED:
            query = query.order_by(TicketRow.closed_at.desc())
        else:
            if status is None:
                query = query.where(TicketRow.status != TicketStatus.CLOSED.value)
            query = query.order_by(TicketRow.priority.desc(), TicketRow.created_at)
        async with self._sessions() as session:
            return [to_ticket(r) for r in await session.scalars(query.limit(limit))]

    async def claim(self, ticket_id: str, officer_id: str, now: dt.datetime) -> Ticket | None:
        # One conditional UPDATE: of two officers claiming at once exactly one matches.
        return await self._move(
            ticket_id,
            (TicketRow.status == TicketStatus.WAITING.value,),
            status=TicketStatus.CLAIMED.value,
            officer_id=officer_id,
            claimed_at=now,
            last_officer_reply_at=None,
        )

    async def transfer(
        self, ticket_id: str, from_officer: str | None, to_officer: str, now: dt.datetime
    ) -> Ticket | None:
        conditions = [TicketRow.status == TicketStatus.CLAIMED.value]
        if from_officer is not None:
            conditions.append(TicketRow.officer_id == from_officer)
        return await self._move(
            ticket_id,
            tuple(conditions),
            officer_id=to_officer,
            claimed_at=now,
            last_officer_reply_at=None,
        )

    async def release(self, ticket_id: str) -> Ticket | None:
        return await self._move(
            ticket_id,
            (TicketRow.status == TicketStatus.CLAIMED.value,),
            status=TicketStatus.WAITING.value,
            officer_id=None,
            claimed_at=None,
            announced_at=None,
        )

    async def close(self, ticket_id: str, now: dt.datetime) -> Ticket | None:
        return await self._move(
            ticket_id,
            (TicketRow.status != TicketStatus.CLOSED.value,),
            status=TicketStatus.CLOSED.value,
            closed_at=now,
        )

    async def _move(
        self, ticket_id: str, conditions: tuple[Any, ...], **values: Any
    ) -> Ticket | None:
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(TicketRow).where(TicketRow.id == ticket_id, *conditions).values(**values)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return None
            row = await session.get(TicketRow, ticket_id, populate_existing=True)
            return to_ticket(row) if row else None

    async def mark_officer_reply(self, ticket_id: str, now: dt.datetime) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(TicketRow).where(TicketRow.id == ticket_id).values(last_officer_reply_at=now)
            )

    async def mark_announced(
        self, ticket_id: str, now: dt.datetime, group_message_id: int | None = None
    ) -> None:
        values: dict[str, Any] = {
            "announced_at": now,
            "announcements": TicketRow.announcements + 1,
        }
        if group_message_id is not None:
            values["group_message_id"] = group_message_id
        async with self._sessions.begin() as session:
            await session.execute(
                update(TicketRow).where(TicketRow.id == ticket_id).values(**values)
            )

    async def take_announcement(
        self, ticket_id: str, older_than: dt.datetime, now: dt.datetime
    ) -> bool:
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(TicketRow)
                .where(TicketRow.id == ticket_id, _announcement_due(older_than))
                .values(announced_at=now)
            )
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def due_for_announcement(self, older_than: dt.datetime) -> list[Ticket]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(TicketRow).where(
                    _announcement_due(older_than), TicketRow.created_at < older_than
                )
            )
            return [to_ticket(r) for r in rows]

    async def unanswered_claims(self, older_than: dt.datetime) -> list[Ticket]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(TicketRow).where(
                    TicketRow.status == TicketStatus.CLAIMED.value,
                    TicketRow.claimed_at < older_than,
                    or_(
                        TicketRow.last_officer_reply_at.is_(None),
                        TicketRow.last_officer_reply_at < TicketRow.claimed_at,
                    ),
                )
            )
            return [to_ticket(r) for r in rows]

    async def by_group_message(self, message_id: int) -> Ticket | None:
        async with self._sessions() as session:
            row = await session.scalar(
                select(TicketRow).where(TicketRow.group_message_id == message_id).limit(1)
            )
            return to_ticket(row) if row else None

    async def rate(self, ticket_id: str, score: int) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(TicketRow).where(TicketRow.id == ticket_id).values(rating=score)
            )


def _announcement_due(older_than: dt.datetime) -> ColumnElement[bool]:
    """Still waiting, and not announced since ``older_than``."""
    return and_(
        TicketRow.status == TicketStatus.WAITING.value,
        or_(TicketRow.announced_at.is_(None), TicketRow.announced_at < older_than),
    )
