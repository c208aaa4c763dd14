"""Turn Rasa's REST-channel output into replies and signals.

Rasa answers with a list of messages: ``{"text", "buttons"}`` for what the visitor reads and
``{"custom": {...}}`` for our actions' payloads. A ``sources`` payload belongs to the answer
just before it; every other payload is a signal for the router.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.core.models import Button, Reply, SourceRef
from bot.core.ports import Signal

MAX_BUTTONS = 12


class MalformedReplyError(ValueError):
    """Rasa answered something that is not a list of messages."""


def parse_messages(raw: Any) -> tuple[tuple[Reply, ...], tuple[Signal, ...], str | None]:
    """Replies, signals and the request form active after this turn (``None``: none).

    The form's validation action reports ``{"type": "form", "name": ...}`` on every turn the
    form runs, and stopping or submitting reports ``name: null``; no report means no form.
    """
    if not isinstance(raw, list):
        raise MalformedReplyError(f"expected a list of messages, got {type(raw).__name__}")
    replies: list[Reply] = []
    signals: list[Signal] = []
    form: str | None = None
    for item in raw:
        if not isinstance(item, dict):
            raise MalformedReplyError("a message is not an object")
        custom = item.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("type"), str):
            if custom["type"] == "sources" and replies:
                replies[-1] = replace(replies[-1], sources=(_source(custom),))
            elif custom["type"] == "form":
                name = custom.get("name")
                form = name if isinstance(name, str) and name else None
            else:
                signals.append(Signal(custom["type"], custom))
        text = item.get("text")
        if isinstance(text, str) and text.strip():
            replies.append(Reply(text=text, buttons=_buttons(item.get("buttons"))))
    return tuple(replies), tuple(signals), form


def _buttons(raw: Any) -> tuple[Button, ...]:
    if not isinstance(raw, list):
        return ()
    out = []
    for b in raw[:MAX_BUTTONS]:
        if (
            isinstance(b, dict)
            and isinstance(b.get("title"), str)
            and isinstance(b.get("payload"), str)
        ):
            out.append(Button(title=b["title"], payload=b["payload"]))
    return tuple(out)


def _source(custom: dict[str, Any]) -> SourceRef:
    return SourceRef(
        id=str(custom.get("article", "")),
        title=str(custom.get("title", "")),
        url=str(custom.get("url", "")),
        reviewed=str(custom.get("reviewed", "")),
    )
