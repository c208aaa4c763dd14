"""Aggregates for the console: the overview and the knowledge gaps.

The volumes of a provincial office are small (thousands of conversations a month), so rows are
aggregated in Python, which keeps the queries identical on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import select

from bot.storage.mapping import Sessions
from bot.storage.tables import ConversationRow, KnowledgeEventRow, TicketRow


class SqlStatistics:
    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions

    async def overview(self, since: dt.datetime) -> dict[str, Any]:
        async with self._sessions() as session:
            conversations = (
                await session.execute(
                    select(
                        ConversationRow.id,
                        ConversationRow.created_at,
                        ConversationRow.language,
                        ConversationRow.channel,
                    ).where(ConversationRow.created_at >= since)
                )
            ).all()
            tickets = (
                await session.execute(
                    select(
                        TicketRow.conversation_id,
                        TicketRow.status,
                        TicketRow.created_at,
                        TicketRow.claimed_at,
                        TicketRow.rating,
                    ).where(TicketRow.created_at >= since)
                )
            ).all()
            feedback = (
                await session.execute(
                    select(KnowledgeEventRow.kind, KnowledgeEventRow.helpful).where(
                        KnowledgeEventRow.created_at >= since
                    )
                )
            ).all()
        per_day = Counter(c.created_at.date().isoformat() for c in conversations)
        handed = {t.conversation_id for t in tickets}
        waits = [(t.claimed_at - t.created_at).total_seconds() for t in tickets if t.claimed_at]
        ratings = [t.rating for t in tickets if t.rating]
        total = len(conversations)
        return {
            "since": since.isoformat(),
            "conversations": total,
            "per_day": dict(sorted(per_day.items())),
            "per_language": dict(Counter(c.language for c in conversations).most_common()),
            "per_channel": dict(Counter(c.channel for c in conversations).most_common()),
            "answered_by_bot_share": round(
                sum(c.id not in handed for c in conversations) / total, 3
            )
            if total
            else None,
            "tickets": len(tickets),
            "tickets_waiting": sum(t.status == "waiting" for t in tickets),
            "wait_seconds": {
                "median": round(statistics.median(waits), 1) if waits else None,
                "mean": round(statistics.fmean(waits), 1) if waits else None,
                "handled": len(waits),
            },
            "ratings": {
                "mean": round(statistics.fmean(ratings), 2) if ratings else None,
                "count": len(ratings),
                "distribution": {str(n): ratings.count(n) for n in range(1, 6)},
            },
            "answers": {
                "unanswered": sum(f.kind == "no_answer" for f in feedback),
                "helpful": sum(f.kind == "feedback" and f.helpful is True for f in feedback),
                "not_helpful": sum(f.kind == "feedback" and f.helpful is False for f in feedback),
            },
        }

    async def knowledge_gaps(self, since: dt.datetime) -> list[dict[str, Any]]:
        """Unanswered or unhelpful questions, per language and nearest article, most asked first."""
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(
                        KnowledgeEventRow.kind,
                        KnowledgeEventRow.language,
                        KnowledgeEventRow.article,
                        KnowledgeEventRow.query,
                        KnowledgeEventRow.helpful,
                    ).where(KnowledgeEventRow.created_at >= since)
                )
            ).all()
        groups: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        kinds: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        for row in rows:
            if row.kind == "feedback" and row.helpful is not False:
                continue
            key = (row.language, row.article or "")
            kinds[key][row.kind] += 1
            if row.query:
                groups[key][" ".join(row.query.split()).lower()[:300]] += 1
        out = []
        for (language, article), counter in kinds.items():
            questions = groups[(language, article)].most_common(20)
            out.append(
                {
                    "language": language,
                    "article": article or None,
                    "unanswered": counter["no_answer"],
                    "not_helpful": counter["feedback"],
                    "questions": [{"text": q, "count": n} for q, n in questions],
                }
            )
        out.sort(key=lambda g: (str(g["language"]), -_count(g)))
        return out


def _count(group: dict[str, Any]) -> int:
    return int(group["unanswered"]) + int(group["not_helpful"])
