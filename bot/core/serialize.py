"""RouterResult <-> JSON, so a retried message is answered from what was stored."""

from __future__ import annotations

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
)


def reply_to_json(reply: Reply) -> dict[str, Any]:
    return {
        "text": reply.text,
        "sender": reply.sender.value,
        "buttons": [{"title": b.title, "payload": b.payload} for b in reply.buttons],
        "sources": [
            {"id": s.id, "title": s.title, "url": s.url, "reviewed": s.reviewed}
            for s in reply.sources
        ],
    }


def reply_from_json(raw: dict[str, Any]) -> Reply:
    return Reply(
        text=str(raw.get("text", "")),
        sender=Sender(raw.get("sender", "bot")),
        buttons=tuple(Button(b["title"], b["payload"]) for b in raw.get("buttons", [])),
        sources=tuple(
            SourceRef(s["id"], s["title"], s["url"], s["reviewed"]) for s in raw.get("sources", [])
        ),
    )


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
