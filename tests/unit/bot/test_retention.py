"""The retention job on a real SQLite store: idle conversations go, trackers with them."""

from __future__ import annotations

import datetime as dt

from bot.core.models import Channel, IncomingMessage
from bot.core.retention import RetentionJob
from tests.support.fake_dialogue import FakeDialogue
from tests.unit.bot.conftest import MakeGateway


def _message(text: str, conversation_id: str | None = None) -> IncomingMessage:
    return IncomingMessage(
        channel=Channel.WEB, visitor_ref="web:1", text=text, conversation_id=conversation_id
    )


async def test_idle_conversations_are_purged_with_their_trackers(
    make_gateway: MakeGateway,
) -> None:
    gw = await make_gateway()
    job = RetentionJob(
        conversations=gw.conversations,
        dialogue=gw.dialogue,
        audit=gw.audit,
        days=180,
        clock=gw.clock,
    )
    old = await gw.router.start(_message("my email is jane@example.org"))
    await gw.router.handle(old.conversation, _message("my email is jane@example.org"))
    gw.clock.advance(days=100)
    active = await gw.router.start(_message("hello"))
    gw.clock.advance(days=81)  # the first is 181 days idle, the second 81

    report = await job.run()

    assert (report.conversations, report.messages) == (1, 3)  # consent, question, answer
    assert await gw.conversations.get(old.conversation.id) is None
    assert await gw.conversations.get(active.conversation.id) is not None
    assert gw.dialogue.forgotten == [old.conversation.id]
    [entry] = [e for e in await gw.audit.recent() if e["action"] == "retention.purge"]
    assert entry["detail"] == {"days": 180, "conversations": 1, "messages": 3, "trackers": 0}
    assert "jane" not in str(await gw.audit.recent())
    assert (await job.run()).conversations == 0


async def test_rasa_down_postpones_and_a_later_run_finishes_the_erasure(
    make_gateway: MakeGateway,
) -> None:
    dialogue = FakeDialogue()
    gw = await make_gateway(dialogue)
    job = RetentionJob(
        conversations=gw.conversations, dialogue=dialogue, audit=gw.audit, days=30, clock=gw.clock
    )
    forgotten = await gw.router.start(_message("hello"))
    stale = await gw.router.start(_message("hello"))
    dialogue.down = True
    await gw.router.forget(forgotten.conversation)  # the visitor's erasure, Rasa unreachable
    gw.clock.advance(days=31)

    postponed = await job.run()
    assert postponed.postponed == 2 and postponed.conversations == 0
    assert await gw.conversations.get(stale.conversation.id) is not None

    dialogue.down = False
    done = await job.run()
    assert done.trackers_erased == 1
    assert done.conversations == 2  # the erased stub and the stale conversation
    assert set(dialogue.forgotten) == {forgotten.conversation.id, stale.conversation.id}


def test_a_retention_period_under_a_day_is_refused() -> None:
    import pytest

    with pytest.raises(ValueError, match="at least one day"):
        RetentionJob(
            conversations=None,  # type: ignore[arg-type]
            dialogue=None,  # type: ignore[arg-type]
            audit=None,  # type: ignore[arg-type]
            days=0,
            clock=lambda: dt.datetime.now(dt.UTC),
        )
