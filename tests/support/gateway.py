"""Build a gateway (core + real SQLite storage) around a fake dialogue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.handoff import HandoffService
from bot.core.i18n import Catalogue
from bot.core.language import LanguagePolicy
from bot.core.office_hours import OfficeHours
from bot.core.ports import RecordingNotifier
from bot.core.router import ConversationRouter
from bot.storage.db import create_engine, session_factory, sqlite_url, upgrade_async
from bot.storage.repositories import (
    SqlCaseStore,
    SqlConversationStore,
    SqlKnowledgeEvents,
    SqlTicketStore,
)
from tests.support.fake_dialogue import FakeDialogue

# A Wednesday at 10:00 in Hồ Chí Minh City: the office is open.
OPEN_TIME = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)


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


async def build_gateway(
    tmp: Path, dialogue: FakeDialogue | None = None, now: dt.datetime = OPEN_TIME
) -> Gateway:
    url = sqlite_url(tmp / "app.db")
    await upgrade_async(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    clock = lambda: now  # noqa: E731
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
    return Gateway(engine, router, conversations, tickets, cases, events, dialogue, notifier, url)
