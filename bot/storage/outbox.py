"""The outbox: messages owed to a push channel, leased to one worker at a time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import func, or_, select, update

from bot.core.models import DeliveryStatus, OutboxItem, utc_now
from bot.storage.mapping import Sessions, to_conversation, to_message
from bot.storage.tables import ConversationRow, MessageRow, OutboxRow

PENDING = DeliveryStatus.PENDING.value


class SqlOutbox:
    def __init__(self, sessions: Sessions, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self._sessions = sessions
        self._clock = clock

    async def claim(self, now: dt.datetime, lease: dt.timedelta, limit: int) -> list[OutboxItem]:
        # Only the head of each conversation's queue is eligible: a message never overtakes
        # an earlier one to the same visitor, even while that one waits for a retry.
        heads = (
            select(func.min(OutboxRow.id))
            .where(OutboxRow.status == PENDING)
            .group_by(OutboxRow.conversation_id)
            .scalar_subquery()
        )
        free = or_(OutboxRow.locked_until.is_(None), OutboxRow.locked_until <= now)
        async with self._sessions() as session:
            candidates = list(
                await session.scalars(
                    select(OutboxRow.id)
                    .where(
                        OutboxRow.id.in_(heads),
                        OutboxRow.next_attempt_at <= now,
                        free,
                    )
                    .order_by(OutboxRow.id)
                    .limit(limit)
                )
            )
        if not candidates:
            return []
        async with self._sessions.begin() as session:
            # The conditional update is the lease: of two workers, one changes each row.
            leased = list(
                await session.scalars(
                    update(OutboxRow)
                    .where(OutboxRow.id.in_(candidates), OutboxRow.status == PENDING, free)
                    .values(locked_until=now + lease)
                    .returning(OutboxRow.id)
                )
            )
            rows = await session.execute(
                select(OutboxRow, MessageRow, ConversationRow)
                .join(MessageRow, MessageRow.id == OutboxRow.message_id)
                .join(ConversationRow, ConversationRow.id == OutboxRow.conversation_id)
                .where(OutboxRow.id.in_(leased))
                .order_by(OutboxRow.id)
            )
            return [
                OutboxItem(
                    id=row.id,
                    conversation=to_conversation(conversation),
                    message=to_message(message),
                    attempts=row.attempts,
                    parts_sent=row.parts_sent,
                )
                for row, message, conversation in rows
            ]

    async def sent(self, item_id: int, now: dt.datetime) -> None:
        await self._set(
            item_id,
            status=DeliveryStatus.SENT.value,
            sent_at=now,
            locked_until=None,
            attempts=OutboxRow.attempts + 1,
        )

    async def retry(self, item_id: int, *, at: dt.datetime, reason: str, parts_sent: int) -> None:
        await self._set(
            item_id,
            next_attempt_at=at,
            last_error=reason[:64],
            parts_sent=parts_sent,
            locked_until=None,
            attempts=OutboxRow.attempts + 1,
        )

    async def failed(self, item_id: int, reason: str) -> None:
        await self._set(
            item_id,
            status=DeliveryStatus.FAILED.value,
            last_error=reason[:64],
            locked_until=None,
            attempts=OutboxRow.attempts + 1,
        )

    async def pending(self) -> int:
        async with self._sessions() as session:
            count = await session.scalar(
                select(func.count()).select_from(OutboxRow).where(OutboxRow.status == PENDING)
            )
            return int(count or 0)

    async def _set(self, item_id: int, **values: object) -> None:
        async with self._sessions.begin() as session:
            await session.execute(update(OutboxRow).where(OutboxRow.id == item_id).values(**values))
