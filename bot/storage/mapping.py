"""Rows <-> core models, shared by the SQL repositories."""

from __future__ import annotations

import secrets

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.models import (
    Channel,
    Conversation,
    LanguageSource,
    Mode,
    Officer,
    Priority,
    Role,
    Sender,
    StoredMessage,
    Ticket,
    TicketStatus,
)
from bot.core.ports import Case
from bot.core.serialize import buttons_from_json, sources_from_json
from bot.storage.tables import CaseRow, ConversationRow, MessageRow, OfficerRow, TicketRow

REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud safely
Sessions = async_sessionmaker[AsyncSession]


def new_reference() -> str:
    return "TN-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def to_conversation(row: ConversationRow) -> Conversation:
    return Conversation(
        id=row.id,
        channel=Channel(row.channel),
        visitor_ref=row.visitor_ref,
        mode=Mode(row.mode),
        language=row.language,
        language_source=LanguageSource(row.language_source),
        created_at=row.created_at,
        chat_ref=row.chat_ref,
        rating_ticket_id=row.rating_ticket_id,
        contact_email=row.contact_email,
    )


def to_message(row: MessageRow) -> StoredMessage:
    extra = row.extra or {}
    return StoredMessage(
        id=row.id,
        conversation_id=row.conversation_id,
        sender=Sender(row.sender),
        text=row.text,
        created_at=row.created_at,
        language=row.language,
        buttons=buttons_from_json(extra.get("buttons", [])),
        sources=sources_from_json(extra.get("sources", [])),
    )


def to_ticket(row: TicketRow) -> Ticket:
    return Ticket(
        id=row.id,
        conversation_id=row.conversation_id,
        status=TicketStatus(row.status),
        reason=row.reason,
        priority=Priority.HIGH if row.priority > 0 else Priority.NORMAL,
        language=row.language,
        channel=Channel(row.channel),
        created_at=row.created_at,
        officer_id=row.officer_id,
        claimed_at=row.claimed_at,
        closed_at=row.closed_at,
        last_officer_reply_at=row.last_officer_reply_at,
        announced_at=row.announced_at,
        announcements=row.announcements or 0,
        group_message_id=row.group_message_id,
        rating=row.rating,
    )


def to_case(row: CaseRow) -> Case:
    return Case(
        reference=row.reference,
        kind=row.kind,
        conversation_id=row.conversation_id or "",
        status=row.status,
        fields=row.fields,
        language=row.language,
        created_at=row.created_at,
        decision_message=row.decision_message,
    )


def to_officer(row: OfficerRow) -> Officer:
    return Officer(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=Role(row.role),
        telegram_user_id=row.telegram_user_id,
        active=row.active,
    )
