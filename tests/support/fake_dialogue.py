"""A scripted DialogueEngine for tests about what the gateway does on its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.core.models import Reply
from bot.core.ports import DialogueTurn, DialogueUnavailableError, Signal

Script = Callable[[str, str], DialogueTurn]


def echo(text: str, language: str) -> DialogueTurn:
    return DialogueTurn((Reply(f"[{language}] {text}"),))


@dataclass
class FakeDialogue:
    """Answers with ``script(text, language)``; ``down`` makes every call fail."""

    script: Script = echo
    down: bool = False
    calls: list[tuple[str, str, str]] = field(default_factory=list)
    forgotten: list[str] = field(default_factory=list)

    async def send(self, conversation_id: str, text: str, language: str) -> DialogueTurn:
        self.calls.append((conversation_id, text, language))
        if self.down:
            raise DialogueUnavailableError("scripted outage")
        return self.script(text, language)

    async def forget(self, conversation_id: str) -> None:
        if self.down:
            raise DialogueUnavailableError("scripted outage")
        self.forgotten.append(conversation_id)

    async def ready(self) -> bool:
        return not self.down


def turn(
    *texts: str, signals: list[tuple[str, dict[str, object]]] | None = None, form: str | None = None
) -> DialogueTurn:
    return DialogueTurn(
        tuple(Reply(t) for t in texts),
        tuple(Signal(kind, {"type": kind, **data}) for kind, data in (signals or [])),
        form,
    )
