"""Build a gateway (core + real SQLite storage) around a fake dialogue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.console.passwords import Argon2Hasher
from bot.core.auth import OfficerAuth
from bot.core.cases import CaseService
from bot.core.handoff import HandoffService
from bot.core.i18n import Catalogue
from bot.core.language import LanguagePolicy
from bot.core.models import Channel, Conversation, StoredMessage
from bot.core.office_hours import OfficeHours
from bot.core.ports import RecordingNotifier
from bot.core.queue import QueueService, QueueTimers, Senders
from bot.core.router import ConversationRouter
from bot.storage.cases import SqlCaseStore, SqlKnowledgeEvents
from bot.storage.conversations import SqlConversationStore
from bot.storage.db import create_engine, session_factory, sqlite_url, upgrade_async
from bot.storage.officers import SqlAuditLog, SqlOfficerStore, SqlSessionStore
from bot.storage.tickets import SqlTicketStore
from tests.support.fake_dialogue import FakeDialogue

# A Wednesday at 10:00 in Hồ Chí Minh City: the office is open.
OPEN_TIME = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)


class RecordingSender:
    """An OutboundSender that remembers what it would have delivered."""

    def __init__(self) -> None:
        self.delivered: list[tuple[Conversation, StoredMessage]] = []

    async def deliver(self, conversation: Conversation, message: StoredMessage) -> None:
        self.delivered.append((conversation, message))


class Clock:
    """A settable clock for timer tests."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@dataclass
class Gateway:
    engine: AsyncEngine
    router: ConversationRouter
    conversations: SqlConversationStore
    tickets: SqlTicketStore
    cases: SqlCaseStore
    events: SqlKnowledgeEvents
    dialogue: FakeDialogue
    notifier: RecordingNotifier
    url: str
    queue: QueueService
    case_service: CaseService
    auth: OfficerAuth
    officers: SqlOfficerStore
    audit: SqlAuditLog
    sender: RecordingSender
    clock: Clock


async def build_gateway(
    tmp: Path, dialogue: FakeDialogue | None = None, now: dt.datetime = OPEN_TIME
) -> Gateway:
    url = sqlite_url(tmp / "app.db")
    await upgrade_async(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    clock = Clock(now)
    conversations = SqlConversationStore(sessions, clock)
    tickets = SqlTicketStore(sessions, clock)
    cases = SqlCaseStore(sessions, clock)
    events = SqlKnowledgeEvents(sessions, clock)
    dialogue = dialogue or FakeDialogue()
    notifier = RecordingNotifier()
    catalogue = Catalogue.load()
    handoff = HandoffService(
        conversations=conversations,
        tickets=tickets,
        notifier=notifier,
        catalogue=catalogue,
        office_hours=OfficeHours(),
        clock=clock,
    )
    router = ConversationRouter(
        conversations=conversations,
        cases=cases,
        knowledge_events=events,
        dialogue=dialogue,
        handoff=handoff,
        language=LanguagePolicy(),
        catalogue=catalogue,
        retention_days=180,
        privacy_url="http://desk.test/kb/privacy",
    )
    audit = SqlAuditLog(sessions, clock)
    officers = SqlOfficerStore(sessions, clock)
    sender = RecordingSender()
    senders = Senders()
    for channel in Channel:
        senders.register(channel, sender)
    queue = QueueService(
        tickets=tickets,
        conversations=conversations,
        senders=senders,
        notifier=notifier,
        audit=audit,
        catalogue=catalogue,
        timers=QueueTimers(),
        clock=clock,
    )
    case_service = CaseService(
        cases=cases, conversations=conversations, senders=senders, audit=audit, catalogue=catalogue
    )
    auth = OfficerAuth(
        officers=officers,
        sessions=SqlSessionStore(sessions),
        hasher=Argon2Hasher(),
        audit=audit,
        clock=clock,
    )
    return Gateway(
        engine,
        router,
        conversations,
        tickets,
        cases,
        events,
        dialogue,
        notifier,
        url,
        queue,
        case_service,
        auth,
        officers,
        audit,
        sender,
        clock,
    )
