"""Press requests after the dialogue: press officers decide, visitors are told."""

from __future__ import annotations

import logging

from bot.core.i18n import Catalogue
from bot.core.models import CaseStatus, Officer, Reply, Sender
from bot.core.ports import AuditLog, Case, CaseStore, ConversationStore
from bot.core.queue import NotAllowedError, Senders, TicketNotFoundError

logger = logging.getLogger(__name__)
MAX_DECISION_CHARS = 2000


class CaseService:
    def __init__(
        self,
        *,
        cases: CaseStore,
        conversations: ConversationStore,
        senders: Senders,
        audit: AuditLog,
        catalogue: Catalogue,
    ) -> None:
        self._cases = cases
        self._conversations = conversations
        self._senders = senders
        self._audit = audit
        self._t = catalogue

    async def decide(
        self, reference: str, officer: Officer, status: CaseStatus, message: str | None
    ) -> Case:
        """Record a press officer's decision and tell the visitor in their language."""
        if not officer.can_decide_cases():
            raise NotAllowedError("only press officers and admins decide press requests")
        if status is CaseStatus.SUBMITTED:
            raise ValueError("a decision cannot put a request back to 'submitted'")
        message = (message or "").strip() or None
        if message is not None and len(message) > MAX_DECISION_CHARS:
            raise ValueError(f"the message has at most {MAX_DECISION_CHARS} characters")
        case = await self._cases.decide(reference.upper(), status, message, officer.id)
        if case is None:
            raise TicketNotFoundError(f"no request {reference}")
        await self._audit.record(
            officer.id, "case.decide", case.reference, {"status": status.value}
        )
        await self._notify(case)
        return case

    async def _notify(self, case: Case) -> None:
        conversation = await self._conversations.get(case.conversation_id)
        if conversation is None:
            logger.info("case %s: conversation erased, visitor not notified", case.reference)
            return
        reply = Reply(status_text(self._t, case, case.language), sender=Sender.SYSTEM)
        await self._senders.tell(self._conversations, conversation, reply, case.language)


def status_text(catalogue: Catalogue, case: Case, lang: str) -> str:
    """What a visitor is told about a case: its kind, reference, date, state and message."""
    kind = catalogue.text(f"case_kind_{case.kind}", lang)
    return catalogue.text(
        f"case_status_{case.status}",
        lang,
        kind=kind[:1].upper() + kind[1:],
        reference=case.reference,
        date=case.created_at.date().isoformat(),
        message=case.decision_message or "",
    ).strip()
