"""ConversationRouter: one visitor message in, the replies out.

The order matters and is the product's promise: the message is stored before anything else can
fail; a conversation a human holds never reaches the bot; the dialogue being down turns into an
honest reply and a ticket, never into a lost message.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from bot.core import logcontext
from bot.core.auth import token_hash
from bot.core.cases import status_text
from bot.core.handoff import HandoffService
from bot.core.i18n import Catalogue
from bot.core.language import LanguagePolicy
from bot.core.models import (
    Channel,
    Conversation,
    HandoffInfo,
    IncomingMessage,
    LanguageSource,
    Mode,
    Priority,
    Reply,
    RouterResult,
    Sender,
    SourceRef,
    StoredMessage,
)
from bot.core.ports import (
    CaseStore,
    ConversationStore,
    DialogueEngine,
    DialogueTurn,
    DialogueUnavailableError,
    KnowledgeEvents,
    Metrics,
    NoMetrics,
)
from bot.core.retention import erase_tracker
from bot.core.serialize import result_from_json, result_to_json

logger = logging.getLogger(__name__)


class DuplicateInProgressError(Exception):
    """The same client_message_id is being processed right now."""


@dataclass(frozen=True)
class Started:
    """A conversation created for a message without ``conversation_id``, its token and the
    consent notice it opened with (already stored as its first message)."""

    conversation: Conversation
    token: str
    consent: Reply


RATING = re.compile(r"^\s*(?:/rate\s*)?([1-5])\s*(?:/\s*5)?\s*[.!]?\s*$")


class ConversationRouter:
    """Routes visitor messages between channels, the dialogue and the officers.

    Args:
        conversations: Storage of conversations and messages.
        cases: Storage of press requests.
        knowledge_events: Where answers below the threshold and feedback are recorded.
        dialogue: Rasa (or a fake).
        handoff: Opens tickets and tells the visitor about the queue.
        language: Decides the reply language.
        catalogue: The gateway's own messages.
        retention_days: How long conversations are kept (named in the consent notice).
        privacy_url: Where the privacy notice is.
        metrics: Counters and latencies (Prometheus in production).
    """

    def __init__(
        self,
        *,
        conversations: ConversationStore,
        cases: CaseStore,
        knowledge_events: KnowledgeEvents,
        dialogue: DialogueEngine,
        handoff: HandoffService,
        language: LanguagePolicy,
        catalogue: Catalogue,
        retention_days: int,
        privacy_url: str,
        metrics: Metrics | None = None,
    ) -> None:
        self._conversations = conversations
        self._cases = cases
        self._knowledge_events = knowledge_events
        self._dialogue = dialogue
        self._handoff = handoff
        self._language = language
        self._t = catalogue
        self._retention_days = retention_days
        self._privacy_url = privacy_url
        self._metrics = metrics or NoMetrics()

    # --- conversations -----------------------------------------------------------------

    async def start(self, message: IncomingMessage) -> Started:
        """Create a conversation with an unguessable id and a bearer token."""
        token = secrets.token_urlsafe(32)
        resolution = self._language.resolve(
            message.text,
            explicit=message.explicit_language,
            hint=message.language_hint,
            current=None,
            current_source=None,
        )
        consent = self._consent(message.channel, resolution.language)
        conversation = await self._conversations.create(
            channel=message.channel,
            visitor_ref=message.visitor_ref,
            language=resolution.language,
            language_source=resolution.source,
            chat_ref=message.chat_ref,
            token_hash=token_hash(token),
            first_reply=consent,
        )
        return Started(conversation, token, consent)

    async def conversation_for_chat(self, message: IncomingMessage) -> tuple[Conversation, bool]:
        """The visitor's conversation on a chat channel (Telegram), created on first contact.

        Returns:
            The conversation and whether it was just created (so the consent notice is due).
        """
        found = await self._conversations.find_by_visitor(message.channel, message.visitor_ref)
        if found is not None:
            return found, False
        started = await self.start(message)
        return started.conversation, True

    async def authorised(self, conversation_id: str, token: str) -> Conversation | None:
        """The conversation, if ``token`` is its own (one read: this runs on every request)."""
        found = await self._conversations.with_token_hash(conversation_id)
        if found is None or not secrets.compare_digest(found[1], token_hash(token)):
            return None
        return found[0]

    def consent_notice(self, conversation: Conversation) -> Reply:
        """The notice shown at first contact: what the assistant is, privacy, erasure."""
        return self._consent(conversation.channel, conversation.language)

    def _consent(self, channel: Channel, lang: str) -> Reply:
        hint_key = "forget_hint_telegram" if channel is Channel.TELEGRAM else "forget_hint_web"
        return Reply(
            self._t.text(
                "consent",
                lang,
                retention_days=self._retention_days,
                privacy_url=self._privacy_url,
                forget_hint=self._t.text(hint_key, lang),
            ),
            sender=Sender.SYSTEM,
        )

    # --- messages ----------------------------------------------------------------------

    async def handle(
        self,
        conversation: Conversation,
        message: IncomingMessage,
        *,
        visitor_timezone: str | None = None,
    ) -> RouterResult:
        """Store, route and answer one visitor message.

        Args:
            conversation: The conversation the message belongs to (already authorised).
            message: The message.
            visitor_timezone: IANA zone of the visitor, to tell office hours in their time.
        """
        logcontext.conversation_id.set(conversation.id)
        incoming = await self._conversations.record_incoming(
            conversation.id, message.text, client_message_id=message.client_message_id
        )
        if incoming.duplicate:
            if incoming.result is None:
                raise DuplicateInProgressError(message.client_message_id or "")
            return result_from_json(conversation, incoming.result)

        conversation = await self._update_language(conversation, message)
        self._metrics.message(conversation.channel.value, conversation.language)
        result = await self._route(conversation, incoming.message, visitor_timezone)
        await self._finish(incoming.message_id, result)
        return result

    async def _finish(self, message_id: int, result: RouterResult) -> None:
        """Store the replies and the result with the message (one transaction), then count."""
        conversation = result.conversation
        await self._conversations.finish(
            message_id,
            conversation_id=conversation.id,
            language=conversation.language,
            replies=result.replies,
            result=result_to_json(result),
        )
        self._metrics.outcome(conversation.channel.value, result.outcome)

    async def _route(
        self, conversation: Conversation, message: StoredMessage, visitor_timezone: str | None
    ) -> RouterResult:
        if conversation.rating_ticket_id is not None:
            rated = await self._rating(conversation, message.text)
            if rated is not None:
                return rated
            conversation = replace(conversation, rating_ticket_id=None)
        if conversation.mode is Mode.HUMAN:
            return await self._to_officer(conversation, message)
        return await self._to_dialogue(conversation, message.text, visitor_timezone)

    async def throttled(
        self, conversation: Conversation, message: IncomingMessage, *, notify: bool
    ) -> RouterResult:
        """A message over the visitor's rate limit (chat channels, which cannot refuse it):
        stored like any other, not processed; ``notify`` adds one "slow down" reply."""
        incoming = await self._conversations.record_incoming(
            conversation.id, message.text, client_message_id=message.client_message_id
        )
        if incoming.duplicate:
            return result_from_json(conversation, incoming.result or {})
        replies: tuple[Reply, ...] = ()
        if notify:
            replies = (
                Reply(self._t.text("slow_down", conversation.language), sender=Sender.SYSTEM),
            )
        result = RouterResult(conversation, replies, outcome="throttled")
        await self._finish(incoming.message_id, result)
        return result

    async def say(self, conversation: Conversation, replies: list[Reply]) -> None:
        """Store replies that answer a channel command (help, language choice, notices); the
        channel delivers them like every other stored message."""
        await self._conversations.add_replies(conversation.id, replies, conversation.language)

    async def request_officer(self, conversation: Conversation, reason: str) -> RouterResult:
        """A channel command (/human) asks for an officer without going through the dialogue."""
        replies = [Reply(self._t.text("handoff_started", conversation.language))]
        conversation, info, notes = await self._handoff.open(
            conversation, reason=reason, priority=Priority.NORMAL
        )
        replies.extend(notes)
        await self._conversations.add_replies(conversation.id, replies, conversation.language)
        return RouterResult(conversation, tuple(replies), handoff=info)

    async def set_language(self, conversation: Conversation, language: str) -> Conversation:
        """An explicit choice (selector, /language); it sticks until the visitor changes it."""
        return await self._conversations.set_language(
            conversation.id, language, LanguageSource.EXPLICIT
        )

    async def forget(self, conversation: Conversation) -> int:
        """Erase the conversation's content here and in the dialogue's tracker."""
        erased = await self._conversations.forget(conversation.id)
        if await erase_tracker(self._dialogue, conversation.id):
            await self._conversations.tracker_erased(conversation.id)
        return erased

    async def case_status_text(self, reference: str, lang: str) -> str:
        """What the visitor is told about a case by its reference code."""
        case = await self._cases.get(reference.upper())
        if case is None:
            return self._t.text("case_not_found", lang, reference=reference)
        return status_text(self._t, case, lang)

    # --- internals ---------------------------------------------------------------------

    async def _rating(self, conversation: Conversation, text: str) -> RouterResult | None:
        """The first message after a closed ticket: a 1-5 rating, or back to the bot."""
        ticket_id = conversation.rating_ticket_id
        await self._conversations.set_rating_ticket(conversation.id, None)
        match = RATING.match(text)
        if ticket_id is None or match is None:
            return None
        await self._handoff.rate(ticket_id, int(match.group(1)))
        reply = Reply(self._t.text("rating_thanks", conversation.language), sender=Sender.SYSTEM)
        return RouterResult(
            replace(conversation, rating_ticket_id=None), (reply,), outcome="rating"
        )

    async def _update_language(
        self, conversation: Conversation, message: IncomingMessage
    ) -> Conversation:
        resolution = self._language.resolve(
            message.text,
            explicit=message.explicit_language,
            hint=message.language_hint,
            current=conversation.language,
            current_source=conversation.language_source,
        )
        if (resolution.language, resolution.source) == (
            conversation.language,
            conversation.language_source,
        ):
            return conversation
        return await self._conversations.set_language(
            conversation.id, resolution.language, resolution.source
        )

    async def _to_officer(self, conversation: Conversation, message: StoredMessage) -> RouterResult:
        replies, info = await self._handoff.visitor_wrote(conversation, message)
        return RouterResult(conversation, tuple(replies), handoff=info, outcome="officer")

    async def _to_dialogue(
        self, conversation: Conversation, text: str, visitor_timezone: str | None
    ) -> RouterResult:
        started = time.perf_counter()
        try:
            turn = await self._dialogue.send(conversation.id, text, conversation.language)
        except DialogueUnavailableError:
            logger.warning("dialogue unavailable for conversation %s", conversation.id)
            self._metrics.error("dialogue_unavailable")
            replies = [
                Reply(self._t.text("unavailable", conversation.language), sender=Sender.SYSTEM)
            ]
            conversation, info, notes = await self._handoff.open(
                conversation,
                reason="dialogue_unavailable",
                priority=Priority.NORMAL,
                visitor_timezone=visitor_timezone,
            )
            return RouterResult(
                conversation, tuple(replies + notes), handoff=info, outcome="handoff"
            )
        self._metrics.dialogue_latency(time.perf_counter() - started)
        return await self._apply(conversation, turn, text, visitor_timezone)

    async def _apply(
        self,
        conversation: Conversation,
        turn: DialogueTurn,
        text: str,
        visitor_timezone: str | None,
    ) -> RouterResult:
        replies = list(turn.replies)
        handoff: HandoffInfo | None = None
        kinds = {signal.kind for signal in turn.signals}
        for signal in turn.signals:
            if signal.kind == "sources" and replies:
                replies[-1] = replace(replies[-1], sources=(_source_ref(signal.data),))
            elif signal.kind == "language":
                conversation = await self.set_language(conversation, str(signal.data["language"]))
            elif signal.kind == "handoff":
                priority = (
                    Priority.HIGH if signal.data.get("priority") == "high" else Priority.NORMAL
                )
                conversation, handoff, notes = await self._handoff.open(
                    conversation,
                    reason=str(signal.data.get("reason", "requested")),
                    priority=priority,
                    visitor_timezone=visitor_timezone,
                )
                replies.extend(notes)
            elif signal.kind == "case":
                replies.append(await self._create_case(conversation, signal.data))
            elif signal.kind == "case_status":
                reference = str(signal.data.get("reference", ""))
                replies.append(Reply(await self.case_status_text(reference, conversation.language)))
            elif signal.kind in {"feedback", "no_answer"}:
                await self._knowledge_events.record(
                    conversation_id=conversation.id,
                    kind=signal.kind,
                    language=conversation.language,
                    article=_str_or_none(
                        signal.data.get("article") or signal.data.get("best_article")
                    ),
                    query=text if signal.kind == "no_answer" else None,
                    helpful=bool(signal.data["helpful"]) if "helpful" in signal.data else None,
                    score=_float_or_none(signal.data.get("score")),
                )
            else:
                logger.info("ignored dialogue signal %s", signal.kind)
        outcome = (
            "handoff"
            if handoff is not None
            else "fallback"
            if "no_answer" in kinds
            else "answer"
            if "sources" in kinds
            else "form"
            if turn.active_form or kinds & {"case", "case_status"}
            else "other"
        )
        return RouterResult(
            conversation, tuple(replies), handoff=handoff, form=turn.active_form, outcome=outcome
        )

    async def _create_case(self, conversation: Conversation, data: Mapping[str, Any]) -> Reply:
        fields = dict(data.get("fields") or {})
        case = await self._cases.create(
            kind=str(data.get("kind", "interview_request")),
            conversation_id=conversation.id,
            fields=fields,
            language=conversation.language,
        )
        lang = conversation.language
        hint_key = (
            "status_hint_telegram"
            if conversation.channel is Channel.TELEGRAM
            else ("status_hint_web")
        )
        hint = self._t.text(hint_key, lang, reference=case.reference)
        return Reply(self._t.text("case_created", lang, reference=case.reference, status_hint=hint))


def _source_ref(data: Mapping[str, Any]) -> SourceRef:
    return SourceRef(
        id=str(data.get("article", "")),
        title=str(data.get("title", "")),
        url=str(data.get("url", "")),
        reviewed=str(data.get("reviewed", "")),
    )


def _str_or_none(value: Any) -> str | None:
    return str(value) if value else None


def _float_or_none(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


__all__ = ["ConversationRouter", "DuplicateInProgressError", "Started"]
