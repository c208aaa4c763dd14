"""Conversations and their messages."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.models import (
    Channel,
    Conversation,
    DeliveryStatus,
    LanguageSource,
    Mode,
    Reply,
    Sender,
    StoredMessage,
    TicketStatus,
    utc_now,
)
from bot.core.ports import Incoming
from bot.core.serialize import buttons_to_json, sources_to_json
from bot.storage.mapping import Sessions, to_conversation, to_message
from bot.storage.tables import (
    AuditRow,
    CaseRow,
    ConversationRow,
    KnowledgeEventRow,
    MessageRow,
    OutboxRow,
    TicketRow,
)


class SqlConversationStore:
    """Conversations and messages.

    Args:
        sessions: Session factory.
        clock: Now, in UTC.
        push_channels: Channels whose bot, officer and system messages go out through the
            outbox (Telegram). Their outbox rows are written in the same transaction as the
            message, so a message is never stored without its delivery being owed.
    """

    def __init__(
        self,
        sessions: Sessions,
        clock: Callable[[], dt.datetime] = utc_now,
        *,
        push_channels: Collection[Channel] = (Channel.TELEGRAM,),
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._push = frozenset(c.value for c in push_channels)

    async def get(self, conversation_id: str) -> Conversation | None:
        async with self._sessions() as session:
            row = await session.get(ConversationRow, conversation_id)
            return to_conversation(row) if row and row.erased_at is None else None

    async def find_by_visitor(self, channel: Channel, visitor_ref: str) -> Conversation | None:
        async with self._sessions() as session:
            row = await session.scalar(
                select(ConversationRow)
                .where(
                    ConversationRow.channel == channel.value,
                    ConversationRow.visitor_ref == visitor_ref,
                    ConversationRow.erased_at.is_(None),
                )
                .order_by(ConversationRow.created_at.desc())
                .limit(1)
            )
            return to_conversation(row) if row else None

    async def create(
        self,
        *,
        channel: Channel,
        visitor_ref: str,
        language: str,
        language_source: LanguageSource,
        chat_ref: str | None = None,
        token_hash: str | None = None,
        first_reply: Reply | None = None,
    ) -> Conversation:
        now = self._clock()
        row = ConversationRow(
            id=secrets.token_urlsafe(16),
            channel=channel.value,
            visitor_ref=visitor_ref,
            chat_ref=chat_ref,
            mode=Mode.BOT.value,
            language=language,
            language_source=language_source.value,
            token_hash=token_hash,
            created_at=now,
            updated_at=now,
        )
        async with self._sessions.begin() as session:
            session.add(row)
            if first_reply is not None:
                await session.flush()  # the conversation row first: messages reference it
                await self._insert(
                    session, row.id, [self._reply_row(row.id, first_reply, language, now)], now
                )
        return to_conversation(row)

    async def with_token_hash(self, conversation_id: str) -> tuple[Conversation, str] | None:
        async with self._sessions() as session:
            row = await session.get(ConversationRow, conversation_id)
            if row is None or row.erased_at is not None or row.token_hash is None:
                return None
            return to_conversation(row), row.token_hash

    async def set_language(
        self, conversation_id: str, language: str, source: LanguageSource
    ) -> Conversation:
        return await self._update(conversation_id, language=language, language_source=source.value)

    async def set_mode(self, conversation_id: str, mode: Mode) -> Conversation:
        return await self._update(conversation_id, mode=mode.value)

    async def _update(self, conversation_id: str, **values: Any) -> Conversation:
        async with self._sessions.begin() as session:
            row = await session.get(ConversationRow, conversation_id)
            if row is None:
                raise KeyError(conversation_id)
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = self._clock()
            return to_conversation(row)

    async def record_incoming(
        self, conversation_id: str, text: str, *, client_message_id: str | None
    ) -> Incoming:
        row = MessageRow(
            conversation_id=conversation_id,
            sender=Sender.VISITOR.value,
            text=text,
            client_message_id=client_message_id,
            created_at=self._clock(),
        )
        try:
            async with self._sessions.begin() as session:
                await self._insert(session, conversation_id, [row], row.created_at)
        except IntegrityError:
            # A retry (or the same message twice at once): the unique (conversation,
            # client_message_id) says so, and the first one owns it. Looking it up only here
            # saves a query on every first delivery.
            if client_message_id is None:
                raise
            existing = await self._by_client_id(conversation_id, client_message_id)
            if existing is None:
                raise
            return Incoming(to_message(existing), duplicate=True, result=existing.result)
        return Incoming(to_message(row), duplicate=False)

    async def _by_client_id(
        self, conversation_id: str, client_message_id: str
    ) -> MessageRow | None:
        async with self._sessions() as session:
            return await session.scalar(
                select(MessageRow).where(
                    MessageRow.conversation_id == conversation_id,
                    MessageRow.client_message_id == client_message_id,
                )
            )

    async def finish(
        self,
        message_id: int,
        *,
        conversation_id: str,
        language: str,
        replies: Sequence[Reply],
        result: Mapping[str, Any],
    ) -> None:
        now = self._clock()
        async with self._sessions.begin() as session:
            await session.execute(
                update(MessageRow)
                .where(MessageRow.id == message_id)
                .values(language=language, result=dict(result))
            )
            rows = [self._reply_row(conversation_id, r, language, now) for r in replies]
            await self._insert(session, conversation_id, rows, now)

    async def add_replies(
        self, conversation_id: str, replies: Sequence[Reply], language: str
    ) -> list[StoredMessage]:
        now = self._clock()
        rows = [self._reply_row(conversation_id, reply, language, now) for reply in replies]
        if not rows:
            return []
        async with self._sessions.begin() as session:
            await self._insert(session, conversation_id, rows, now)
        return [to_message(r) for r in rows]

    async def _insert(
        self, session: AsyncSession, conversation_id: str, rows: list[MessageRow], now: dt.datetime
    ) -> None:
        """Add messages, mark the conversation active and, on a push channel, owe delivery."""
        if not rows:
            return
        session.add_all(rows)
        conversation = await session.get(ConversationRow, conversation_id)
        if conversation is None:
            raise KeyError(conversation_id)
        conversation.updated_at = now
        outgoing = [r for r in rows if r.sender != Sender.VISITOR.value]
        if conversation.channel not in self._push or not outgoing:
            return
        await session.flush()  # message ids for the outbox rows
        session.add_all(
            OutboxRow(
                message_id=r.id,
                conversation_id=conversation_id,
                channel=conversation.channel,
                status=DeliveryStatus.PENDING.value,
                attempts=0,
                parts_sent=0,
                next_attempt_at=now,
                created_at=now,
            )
            for r in outgoing
        )

    @staticmethod
    def _reply_row(
        conversation_id: str, reply: Reply, language: str, now: dt.datetime
    ) -> MessageRow:
        return MessageRow(
            conversation_id=conversation_id,
            sender=reply.sender.value,
            text=reply.text,
            language=language,
            extra={
                "buttons": buttons_to_json(reply.buttons),
                "sources": sources_to_json(reply.sources),
            },
            created_at=now,
        )

    async def messages_after(
        self, conversation_id: str, cursor: int, limit: int = 100
    ) -> list[StoredMessage]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(MessageRow)
                .where(MessageRow.conversation_id == conversation_id, MessageRow.id > cursor)
                .order_by(MessageRow.id)
                .limit(limit)
            )
            return [to_message(r) for r in rows]

    async def forget(self, conversation_id: str) -> int:
        """Delete the messages, strip personal data from cases and close open tickets.

        The conversation row stays as an erased stub (so a late request for it is a clean 401)
        and an audit entry records the erasure with counts only.
        """
        now = self._clock()
        async with self._sessions.begin() as session:
            conversation = await session.get(ConversationRow, conversation_id)
            if conversation is None:
                return 0
            count = await self._erase_content(session, conversation_id, now)
            await session.execute(
                update(TicketRow)
                .where(
                    TicketRow.conversation_id == conversation_id,
                    TicketRow.status != TicketStatus.CLOSED.value,
                )
                .values(status=TicketStatus.CLOSED.value, closed_at=now)
            )
            channel = conversation.channel
            await session.execute(
                update(ConversationRow)
                .where(ConversationRow.id == conversation_id)
                .values(
                    erased_at=now,
                    visitor_ref="erased",
                    chat_ref=None,
                    token_hash=None,
                    contact_email=None,
                    rating_ticket_id=None,
                    mode=Mode.BOT.value,
                    updated_at=now,
                    tracker_erasure_due=True,
                )
            )
            session.add(
                AuditRow(
                    officer_id=None,
                    action="conversation.erase",
                    target=conversation_id,
                    detail={"by": "visitor", "channel": channel, "messages": count},
                    created_at=now,
                )
            )
            return count

    async def tracker_erased(self, conversation_id: str) -> None:
        await self._set(conversation_id, tracker_erasure_due=False)

    async def trackers_to_erase(self, limit: int = 500) -> list[str]:
        async with self._sessions() as session:
            ids = await session.scalars(
                select(ConversationRow.id)
                .where(ConversationRow.tracker_erasure_due.is_(True))
                .limit(limit)
            )
            return list(ids)

    async def _set(self, conversation_id: str, **values: Any) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(ConversationRow)
                .where(ConversationRow.id == conversation_id)
                .values(**values)
            )

    async def inactive_since(self, before: dt.datetime, limit: int = 500) -> list[str]:
        async with self._sessions() as session:
            ids = await session.scalars(
                select(ConversationRow.id)
                .where(ConversationRow.updated_at < before)
                .order_by(ConversationRow.updated_at)
                .limit(limit)
            )
            return list(ids)

    async def purge(self, conversation_id: str) -> int:
        now = self._clock()
        async with self._sessions.begin() as session:
            conversation = await session.get(ConversationRow, conversation_id)
            if conversation is None:
                return 0
            count = await self._erase_content(session, conversation_id, now)
            # Cases outlive the conversation as anonymous statistics (kind, status, dates).
            await session.execute(
                update(CaseRow)
                .where(CaseRow.conversation_id == conversation_id)
                .values(conversation_id=None)
            )
            await session.execute(
                update(KnowledgeEventRow)
                .where(KnowledgeEventRow.conversation_id == conversation_id)
                .values(conversation_id=None)
            )
            await session.execute(
                delete(TicketRow).where(TicketRow.conversation_id == conversation_id)
            )
            await session.execute(
                delete(ConversationRow).where(ConversationRow.id == conversation_id)
            )
            return count

    async def _erase_content(
        self, session: AsyncSession, conversation_id: str, now: dt.datetime
    ) -> int:
        """Messages, undelivered outbox rows, case personal data, typed queries: gone."""
        count = await session.scalar(
            select(func.count())
            .select_from(MessageRow)
            .where(MessageRow.conversation_id == conversation_id)
        )
        await session.execute(delete(OutboxRow).where(OutboxRow.conversation_id == conversation_id))
        await session.execute(
            delete(MessageRow).where(MessageRow.conversation_id == conversation_id)
        )
        await session.execute(
            update(CaseRow)
            .where(CaseRow.conversation_id == conversation_id)
            .values(fields={"erased": True}, decision_message=None, updated_at=now)
        )
        await session.execute(
            update(KnowledgeEventRow)
            .where(KnowledgeEventRow.conversation_id == conversation_id)
            .values(query=None)
        )
        return int(count or 0)

    async def set_rating_ticket(self, conversation_id: str, ticket_id: str | None) -> None:
        await self._set(conversation_id, rating_ticket_id=ticket_id)

    async def set_contact_email(self, conversation_id: str, email: str) -> None:
        await self._set(conversation_id, contact_email=email)

    async def add_officer_message(
        self, conversation_id: str, officer_id: str, text: str, language: str | None
    ) -> StoredMessage:
        row = MessageRow(
            conversation_id=conversation_id,
            sender=Sender.OFFICER.value,
            text=text,
            language=language,
            officer_id=officer_id,
            created_at=self._clock(),
        )
        async with self._sessions.begin() as session:
            await self._insert(session, conversation_id, [row], row.created_at)
        return to_message(row)
