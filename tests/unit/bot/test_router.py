"""ConversationRouter with real SQLite storage and a scripted dialogue."""

from __future__ import annotations

import pytest

from bot.core.models import Channel, IncomingMessage, Mode, Sender
from bot.core.router import DuplicateInProgressError
from tests.support.fake_dialogue import FakeDialogue, turn
from tests.unit.bot.conftest import MakeGateway


def web(text: str, **kw: object) -> IncomingMessage:
    return IncomingMessage(channel=Channel.WEB, visitor_ref="web:1", text=text, **kw)  # type: ignore[arg-type]


async def test_message_is_stored_even_when_the_dialogue_is_down(make_gateway: MakeGateway) -> None:
    gw = await make_gateway(FakeDialogue(down=True))
    started = await gw.router.start(web("Where is the port?"))
    result = await gw.router.handle(started.conversation, web("Where is the port?"))

    transcript = await gw.conversations.messages_after(started.conversation.id, 0)
    consent, visitor = transcript[0], transcript[1]
    assert consent.sender is Sender.SYSTEM  # stored when the conversation started
    assert visitor.sender is Sender.VISITOR
    assert visitor.text == "Where is the port?"
    assert result.replies[0].text.startswith("Sorry, the assistant is temporarily unavailable")
    assert result.conversation.mode is Mode.HUMAN
    assert result.handoff is not None and result.handoff.reason == "dialogue_unavailable"
    assert gw.notifier.opened[0].reason == "dialogue_unavailable"


async def test_a_retried_message_is_answered_from_storage(make_gateway: MakeGateway) -> None:
    gw = await make_gateway()
    started = await gw.router.start(web("hello there"))
    first = await gw.router.handle(started.conversation, web("hello there", client_message_id="m1"))
    again = await gw.router.handle(started.conversation, web("hello there", client_message_id="m1"))
    assert len(gw.dialogue.calls) == 1
    assert [r.text for r in again.replies] == [r.text for r in first.replies]
    assert again.replayed and not first.replayed
    visitor = [
        m
        for m in await gw.conversations.messages_after(started.conversation.id, 0)
        if m.sender is Sender.VISITOR
    ]
    assert len(visitor) == 1


async def test_a_duplicate_still_in_progress_is_reported(make_gateway: MakeGateway) -> None:
    gw = await make_gateway()
    started = await gw.router.start(web("x"))
    await gw.conversations.record_incoming(started.conversation.id, "x", client_message_id="m2")
    with pytest.raises(DuplicateInProgressError):
        await gw.router.handle(started.conversation, web("x", client_message_id="m2"))


async def test_the_reply_language_follows_the_visitor(make_gateway: MakeGateway) -> None:
    gw = await make_gateway()
    started = await gw.router.start(web("hi", language_hint="ko-KR"))
    assert started.conversation.language == "ko"
    result = await gw.router.handle(started.conversation, web("xin chào, tôi muốn hỏi về visa"))
    assert result.conversation.language == "vi"
    assert gw.dialogue.calls[-1][2] == "vi"


async def test_human_mode_keeps_the_bot_silent(make_gateway: MakeGateway) -> None:
    gw = await make_gateway(
        FakeDialogue(
            script=lambda t, lang: turn(
                "connecting", signals=[("handoff", {"reason": "requested", "priority": "normal"})]
            )
        )
    )
    started = await gw.router.start(web("talk to a person please"))
    first = await gw.router.handle(started.conversation, web("talk to a person please"))
    assert first.conversation.mode is Mode.HUMAN
    assert first.handoff is not None and first.handoff.position == 1
    assert "number 1 in the queue" in first.replies[-1].text

    second = await gw.router.handle(first.conversation, web("are you there?"))
    assert len(gw.dialogue.calls) == 1  # the bot was not asked
    assert second.handoff is not None
    assert gw.notifier.messages[-1][1].text == "are you there?"


async def test_priority_puts_misinformation_first_in_the_queue(make_gateway: MakeGateway) -> None:
    def script(text: str, lang: str):
        priority = "high" if "fake" in text else "normal"
        return turn("ok", signals=[("handoff", {"reason": "x", "priority": priority})])

    gw = await make_gateway(FakeDialogue(script=script))
    a = await gw.router.start(web("officer please"))
    await gw.router.handle(a.conversation, web("officer please"))
    b = await gw.router.start(web("this is fake news"))
    result = await gw.router.handle(b.conversation, web("this is fake news"))
    assert result.handoff is not None and result.handoff.position == 1


async def test_signals_become_sources_cases_statuses_and_events(make_gateway: MakeGateway) -> None:
    replies = {
        "question": turn(
            "The port has 7 berths.", signals=[("no_answer", {"query": "q", "score": 0.1})]
        ),
        "case": turn(
            "Registered.",
            signals=[("case", {"kind": "interview_request", "fields": {"name": "Jane"}})],
        ),
        "feedback": turn("Thanks!", signals=[("feedback", {"helpful": False, "article": "port"})]),
        "german": turn("Gut.", signals=[("language", {"language": "de"})]),
    }
    gw = await make_gateway(FakeDialogue(script=lambda t, lang: replies[t]))
    conv = (await gw.router.start(web("question"))).conversation
    await gw.router.handle(conv, web("question"))
    created = await gw.router.handle(conv, web("case"))
    reference = created.replies[-1].text.split("Your reference code is ")[1][:9]
    assert reference.startswith("TN-")
    case = await gw.cases.get(reference)
    assert case is not None and case.fields == {"name": "Jane"}
    status = await gw.router.case_status_text(reference.lower(), "en")
    assert status.startswith(f"Interview request {reference}")
    await gw.router.handle(conv, web("feedback"))
    switched = await gw.router.handle(conv, web("german"))
    assert switched.conversation.language == "de"


async def test_unknown_reference_is_answered_honestly(make_gateway: MakeGateway) -> None:
    gw = await make_gateway()
    assert "could not find" in await gw.router.case_status_text("TN-2222AA", "en")


async def test_forget_erases_messages_and_the_dialogue_tracker(make_gateway: MakeGateway) -> None:
    gw = await make_gateway()
    conv = (await gw.router.start(web("hello"))).conversation
    await gw.router.handle(conv, web("my email is a@b.cc"))
    erased = await gw.router.forget(conv)
    assert erased == 3  # the consent notice, the message and the reply
    assert await gw.conversations.messages_after(conv.id, 0) == []
    assert await gw.conversations.get(conv.id) is None
    assert gw.dialogue.forgotten == [conv.id]


async def test_outside_office_hours_the_visitor_is_told_when_it_opens(
    make_gateway: MakeGateway,
) -> None:
    import datetime as dt

    handoff = FakeDialogue(
        script=lambda t, lang: turn(
            "ok", signals=[("handoff", {"reason": "requested", "priority": "normal"})]
        )
    )
    saturday_night = dt.datetime(2026, 11, 28, 15, 0, tzinfo=dt.UTC)  # 22:00 in Vietnam
    gw = await make_gateway(handoff, now=saturday_night)
    conv = (await gw.router.start(web("officer please"))).conversation
    known = await gw.router.handle(conv, web("officer please"), visitor_timezone="Europe/Paris")
    assert "2026-11-30 07:30 (+07)" in known.replies[-1].text  # Monday morning in Vietnam
    assert "2026-11-30 01:30 (CET) (your time)" in known.replies[-1].text
    other = (await gw.router.start(web("officer please"))).conversation
    unknown = await gw.router.handle(other, web("officer please"))
    assert "opens on 2026-11-30 07:30 (+07), Vietnam time" in unknown.replies[-1].text
    assert "your time" not in unknown.replies[-1].text
