"""The officers' side of a handoff, on real SQLite storage."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.models import CaseStatus, Channel, IncomingMessage, Mode, Role, Sender, TicketStatus
from bot.core.queue import NotAllowedError, TicketConflictError
from tests.support.fake_dialogue import FakeDialogue, turn
from tests.support.gateway import Gateway
from tests.unit.bot.conftest import MakeGateway

PASSWORD = "a long enough passphrase"


def wants_officer() -> FakeDialogue:
    def script(text: str, lang: str):
        if "officer" in text or "담당" in text:
            return turn(
                "connecting", signals=[("handoff", {"reason": "requested", "priority": "normal"})]
            )
        return turn(f"bot: {text}")

    return FakeDialogue(script=script)


async def open_ticket(gw: Gateway, text: str = "I need an officer please") -> tuple[str, str]:
    message = IncomingMessage(channel=Channel.WEB, visitor_ref="web:v", text=text)
    started = await gw.router.start(message)
    result = await gw.router.handle(started.conversation, message)
    assert result.handoff is not None
    return started.conversation.id, result.handoff.ticket_id


async def test_two_officers_claiming_at_once_exactly_one_wins(make_gateway: MakeGateway) -> None:
    gw = await make_gateway(wants_officer())
    _, ticket_id = await open_ticket(gw)
    anna = await gw.auth.create_officer("anna", PASSWORD, Role.OFFICER)
    binh = await gw.auth.create_officer("binh", PASSWORD, Role.OFFICER)
    results = await asyncio.gather(
        gw.queue.claim(ticket_id, anna), gw.queue.claim(ticket_id, binh), return_exceptions=True
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, TicketConflictError)]
    assert len(winners) == 1 and len(losers) == 1
    ticket = await gw.tickets.get(ticket_id)
    assert ticket is not None and ticket.officer_id == winners[0].officer_id


async def test_claim_reply_close_and_rating(make_gateway: MakeGateway) -> None:
    gw = await make_gateway(wants_officer())
    conversation_id, ticket_id = await open_ticket(gw)
    anna = await gw.auth.create_officer("anna", PASSWORD, Role.OFFICER)
    binh = await gw.auth.create_officer("binh", PASSWORD, Role.OFFICER)

    await gw.queue.claim(ticket_id, anna)
    with pytest.raises(TicketConflictError):
        await gw.queue.reply(ticket_id, binh, "I am not holding this one")
    stored = await gw.queue.reply(ticket_id, anna, "Hello, how can I help?")
    assert stored.sender is Sender.OFFICER
    delivered = [m.text for _, m in gw.sender.delivered]
    assert "Hello, how can I help?" in delivered
    assert any("officer has joined" in t for t in delivered)

    # While an officer holds the conversation, the visitor's messages reach the officer only.
    conversation = await gw.conversations.get(conversation_id)
    assert conversation is not None
    quiet = await gw.router.handle(
        conversation, IncomingMessage(channel=Channel.WEB, visitor_ref="web:v", text="thanks!")
    )
    assert quiet.replies == ()
    assert gw.notifier.messages[-1][1].text == "thanks!"
    assert len(gw.dialogue.calls) == 1

    await gw.queue.close(ticket_id, anna)
    closing = gw.sender.delivered[-1][1]
    assert "rate" in closing.text
    assert [b.payload for b in closing.buttons] == ["1", "2", "3", "4", "5"]
    conversation = await gw.conversations.get(conversation_id)
    assert conversation is not None and conversation.mode is Mode.BOT
    rated = await gw.router.handle(
        conversation, IncomingMessage(channel=Channel.WEB, visitor_ref="web:v", text="4")
    )
    assert rated.replies[0].text == "Thank you for your rating!"
    ticket = await gw.tickets.get(ticket_id)
    assert ticket is not None and ticket.rating == 4 and ticket.status is TicketStatus.CLOSED
    # A visitor writing after the close starts with the bot again.
    conversation = await gw.conversations.get(conversation_id)
    assert conversation is not None
    back = await gw.router.handle(
        conversation,
        IncomingMessage(channel=Channel.WEB, visitor_ref="web:v", text="another question"),
    )
    assert back.replies[0].text == "bot: another question"
    actions = [e["action"] for e in await gw.audit.recent()]
    assert {"ticket.claim", "ticket.reply", "ticket.close"} <= set(actions)


async def test_transfer_to_a_colleague(make_gateway: MakeGateway) -> None:
    gw = await make_gateway(wants_officer())
    _, ticket_id = await open_ticket(gw)
    anna = await gw.auth.create_officer("anna", PASSWORD, Role.OFFICER)
    binh = await gw.auth.create_officer("binh", PASSWORD, Role.OFFICER)
    await gw.queue.claim(ticket_id, anna)
    with pytest.raises(TicketConflictError):
        await gw.queue.transfer(ticket_id, binh, anna)  # binh does not hold it
    moved = await gw.queue.transfer(ticket_id, anna, binh)
    assert moved.officer_id == binh.id
    await gw.queue.reply(ticket_id, binh, "Binh here, taking over.")


async def test_unclaimed_tickets_are_announced_again_and_silent_claims_released(
    make_gateway: MakeGateway,
) -> None:
    gw = await make_gateway(wants_officer())
    _, first = await open_ticket(gw)
    assert [t.id for t in gw.notifier.opened] == [first]
    gw.clock.advance(minutes=11)
    assert await gw.queue.sweep() == {"announced": 1, "released": 0}
    assert [t.id for t in gw.notifier.opened] == [first, first]

    anna = await gw.auth.create_officer("anna", PASSWORD, Role.OFFICER)
    await gw.queue.claim(first, anna)
    gw.clock.advance(minutes=16)  # anna never answered
    assert await gw.queue.sweep() == {"announced": 0, "released": 1}
    ticket = await gw.tickets.get(first)
    assert (
        ticket is not None and ticket.status is TicketStatus.WAITING and ticket.officer_id is None
    )
    await gw.queue.claim(first, anna)
    await gw.queue.reply(first, anna, "Sorry for the wait.")
    gw.clock.advance(minutes=16)
    assert (await gw.queue.sweep())["released"] == 0  # she answered after claiming


async def test_press_officers_decide_cases_and_the_visitor_is_told(
    make_gateway: MakeGateway,
) -> None:
    gw = await make_gateway(
        FakeDialogue(
            script=lambda t, lang: turn(
                "ok", signals=[("case", {"kind": "interview_request", "fields": {"name": "Kim"}})]
            )
        )
    )
    message = IncomingMessage(
        channel=Channel.WEB, visitor_ref="web:k", text="안녕하세요 인터뷰 신청"
    )
    conversation = (await gw.router.start(message)).conversation
    result = await gw.router.handle(conversation, message)
    reference = result.replies[-1].text.split("TN-")[1][:6]
    officer = await gw.auth.create_officer("plain", PASSWORD, Role.OFFICER)
    press = await gw.auth.create_officer("press", PASSWORD, Role.PRESS_OFFICER)
    with pytest.raises(NotAllowedError):
        await gw.case_service.decide(f"TN-{reference}", officer, CaseStatus.APPROVED, None)
    case = await gw.case_service.decide(
        f"tn-{reference}", press, CaseStatus.APPROVED, "See you on 15 March at 9:00."
    )
    assert case.status == "approved"
    told = gw.sender.delivered[-1][1]
    assert f"TN-{reference}" in told.text
    assert "See you on 15 March at 9:00." in told.text
    assert told.language == "ko"
    status = await gw.router.case_status_text(f"TN-{reference}", "en")
    assert "approved" in status
