"""Replies, stored messages and router results as JSON: one shape for the database, the API,
the socket and the console (and a retried message is answered from what was stored)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from bot.core.models import (
    Button,
    Conversation,
    HandoffInfo,
    Mode,
    Reply,
    RouterResult,
    Sender,
    SourceRef,
    StoredMessage,
)


def buttons_to_json(buttons: Iterable[Button]) -> list[dict[str, str]]:
    return [{"title": b.title, "payload": b.payload} for b in buttons]


def sources_to_json(sources: Iterable[SourceRef]) -> list[dict[str, str]]:
    return [{"id": s.id, "title": s.title, "url": s.url, "reviewed": s.reviewed} for s in sources]


def buttons_from_json(raw: Iterable[dict[str, Any]]) -> tuple[Button, ...]:
    return tuple(Button(b["title"], b["payload"]) for b in raw)


def sources_from_json(raw: Iterable[dict[str, Any]]) -> tuple[SourceRef, ...]:
    return tuple(SourceRef(s["id"], s["title"], s["url"], s["reviewed"]) for s in raw)


def reply_to_json(reply: Reply) -> dict[str, Any]:
    return {
        "text": reply.text,
        "sender": reply.sender.value,
        "buttons": buttons_to_json(reply.buttons),
        "sources": sources_to_json(reply.sources),
    }


def reply_from_json(raw: dict[str, Any]) -> Reply:
    return Reply(
        text=str(raw.get("text", "")),
        sender=Sender(raw.get("sender", "bot")),
        buttons=buttons_from_json(raw.get("buttons", [])),
        sources=sources_from_json(raw.get("sources", [])),
    )


def message_to_json(message: StoredMessage) -> dict[str, Any]:
    """A transcript entry, as the messages endpoint, the socket and the console send it."""
    return {
        "id": message.id,
        "sender": message.sender.value,
        "text": message.text,
        "created_at": message.created_at.isoformat(),
        "buttons": buttons_to_json(message.buttons),
        "sources": sources_to_json(message.sources),
    }


def result_to_json(result: RouterResult) -> dict[str, Any]:
    handoff = result.handoff
    return {
        "language": result.conversation.language,
        "mode": result.conversation.mode.value,
        "replies": [reply_to_json(r) for r in result.replies],
        "handoff": (
            {"ticket_id": handoff.ticket_id, "position": handoff.position, "reason": handoff.reason}
            if handoff
            else None
        ),
        "form": result.form,
    }


def result_from_json(conversation: Conversation, raw: dict[str, Any] | Any) -> RouterResult:
    handoff = raw.get("handoff")
    return RouterResult(
        conversation=replace(
            conversation,
            language=raw.get("language", conversation.language),
            mode=Mode(raw.get("mode", conversation.mode.value)),
        ),
        replies=tuple(reply_from_json(r) for r in raw.get("replies", [])),
        handoff=HandoffInfo(handoff["ticket_id"], handoff["position"], handoff["reason"])
        if handoff
        else None,
        form=raw.get("form"),
        replayed=True,
    )
