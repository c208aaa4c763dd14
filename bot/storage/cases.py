"""Press requests (cases) and knowledge events (unanswered questions, feedback)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.core.models import CaseStatus, utc_now
from bot.core.ports import Case
from bot.storage.mapping import Sessions, new_reference, to_case
from bot.storage.tables import CaseRow, KnowledgeEventRow


class SqlCaseStore:
    def __init__(self, sessions: Sessions, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self._sessions = sessions
        self._clock = clock

    async def create(
        self, *, kind: str, conversation_id: str, fields: Mapping[str, Any], language: str
    ) -> Case:
        for _ in range(5):
            now = self._clock()
            row = CaseRow(
                reference=new_reference(),
                kind=kind,
                conversation_id=conversation_id,
                status="submitted",
                fields=dict(fields),
                language=language,
                created_at=now,
                updated_at=now,
            )
            try:
                async with self._sessions.begin() as session:
                    session.add(row)
            except IntegrityError:
                continue  # reference collision: draw another
            return to_case(row)
        raise RuntimeError("could not allocate a case reference")

    async def get(self, reference: str) -> Case | None:
        async with self._sessions() as session:
            row = await session.get(CaseRow, reference)
            return to_case(row) if row else None

    async def in_status(self, status: CaseStatus | None = None, limit: int = 200) -> list[Case]:
        query = select(CaseRow).order_by(CaseRow.created_at.desc()).limit(limit)
        if status is not None:
            query = query.where(CaseRow.status == status.value)
        async with self._sessions() as session:
            return [to_case(r) for r in await session.scalars(query)]

    async def decide(
        self, reference: str, status: CaseStatus, message: str | None, officer_id: str
    ) -> Case | None:
        async with self._sessions.begin() as session:
            row = await session.get(CaseRow, reference)
            if row is None:
                return None
            row.status = status.value
            row.decision_message = message
            row.decided_by = officer_id
            row.updated_at = self._clock()
            return to_case(row)


class SqlKnowledgeEvents:
    def __init__(self, sessions: Sessions, clock: Callable[[], dt.datetime] = utc_now) -> None:
        self._sessions = sessions
        self._clock = clock

    async def record(
        self,
        *,
        conversation_id: str,
        kind: str,
        language: str,
        article: str | None,
        query: str | None = None,
        helpful: bool | None = None,
        score: float | None = None,
    ) -> None:
        async with self._sessions.begin() as session:
            session.add(
                KnowledgeEventRow(
                    conversation_id=conversation_id,
                    kind=kind,
                    language=language,
                    article=article,
                    query=query,
                    helpful=helpful,
                    score=score,
                    created_at=self._clock(),
                )
            )
