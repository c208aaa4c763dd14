"""The retention job: conversations idle longer than the retention period are deleted.

Deleted means the messages, tickets, personal data of press requests and the dialogue's
tracker; cases remain as anonymous records (kind, status, dates) and the audit log keeps a
count per run. The same job finishes erasures whose tracker part failed because Rasa was down.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.models import utc_now
from bot.core.ports import AuditLog, ConversationStore, DialogueEngine, DialogueUnavailableError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionReport:
    conversations: int = 0
    messages: int = 0
    trackers_erased: int = 0
    postponed: int = 0  # Rasa unreachable: tried again next run


class RetentionJob:
    def __init__(
        self,
        *,
        conversations: ConversationStore,
        dialogue: DialogueEngine,
        audit: AuditLog,
        days: int,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        if days < 1:
            raise ValueError("the retention period is at least one day")
        self._conversations = conversations
        self._dialogue = dialogue
        self._audit = audit
        self._days = days
        self._clock = clock

    async def run(self) -> RetentionReport:
        cutoff = self._clock() - dt.timedelta(days=self._days)
        conversations = messages = trackers = 0
        unreachable: set[str] = set()
        for conversation_id in await self._conversations.trackers_to_erase():
            if await erase_tracker(self._dialogue, conversation_id):
                await self._conversations.tracker_erased(conversation_id)
                trackers += 1
            else:
                unreachable.add(conversation_id)
        for conversation_id in await self._conversations.inactive_since(cutoff):
            # The tracker first: once the conversation row is gone nothing would remind us.
            if conversation_id in unreachable:
                continue
            if not await erase_tracker(self._dialogue, conversation_id):
                unreachable.add(conversation_id)
                continue
            messages += await self._conversations.purge(conversation_id)
            conversations += 1
        report = RetentionReport(conversations, messages, trackers, len(unreachable))
        if conversations or trackers:
            await self._audit.record(
                None,
                "retention.purge",
                None,
                {
                    "days": self._days,
                    "conversations": conversations,
                    "messages": messages,
                    "trackers": trackers,
                },
            )
            logger.info("retention: %s", report)
        return report


async def erase_tracker(dialogue: DialogueEngine, conversation_id: str) -> bool:
    """Erase the dialogue's tracker; False while the dialogue is down (the erasure stays due
    in the store and the retention job tries again)."""
    try:
        await dialogue.forget(conversation_id)
    except DialogueUnavailableError:
        logger.warning("tracker of %s not erased yet: dialogue unavailable", conversation_id)
        return False
    return True
