"""The officers' Telegram group: new tickets with a Claim button, answers by reply.

Each new (or re-announced) ticket is posted to ``TELEGRAM_OFFICERS_CHAT_ID`` with a short
summary and a Claim button. An officer whose console account is linked to their Telegram user
(``python -m bot officer link USERNAME TELEGRAM_ID``) can claim there, and answers the visitor by
replying to the ticket's message; the reply travels exactly like a console reply.
"""

from __future__ import annotations

import html
import logging
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.core.models import StoredMessage, Ticket, TicketStatus
from bot.core.ports import OfficerStore, TicketStore
from bot.core.queue import QueueError, QueueService

logger = logging.getLogger(__name__)
TICKET_ID = re.compile(r"Ticket ([0-9a-f]{6,32})")
Context = ContextTypes.DEFAULT_TYPE


class OfficersGroup:
    """OfficerNotifier for the group, plus the group's handlers (registered on the app)."""

    def __init__(
        self,
        *,
        application: Application,  # type: ignore[type-arg]
        chat_id: int,
        queue: QueueService,
        tickets: TicketStore,
        officers: OfficerStore,
    ) -> None:
        self._app = application
        self._chat_id = chat_id
        self._queue = queue
        self._tickets = tickets
        self._officers = officers
        in_group = filters.Chat(chat_id=chat_id)
        application.add_handler(
            CallbackQueryHandler(self._claim, pattern=r"^claim:[0-9a-f]{1,32}$"), group=-1
        )
        application.add_handler(
            MessageHandler(in_group & filters.REPLY & filters.TEXT & ~filters.COMMAND, self._reply),
            group=-1,
        )

    # --- OfficerNotifier ---------------------------------------------------------------

    async def ticket_opened(self, ticket: Ticket) -> None:
        again = " (again: still waiting)" if ticket.announcements > 1 else ""
        text = (
            f"🆕 <b>Ticket {html.escape(ticket.id)}</b>{again}\n"
            f"Reason: {html.escape(ticket.reason)} · priority {ticket.priority.value}\n"
            f"Language: {ticket.language} · channel: {ticket.channel.value}\n"
            "Reply to this message to answer the visitor once you have claimed it."
        )
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton("Claim", callback_data=f"claim:{ticket.id}")]]
        )
        sent = await self._app.bot.send_message(
            self._chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup
        )
        await self._tickets.mark_announced(ticket.id, sent.date, group_message_id=sent.message_id)

    async def ticket_changed(self, ticket: Ticket) -> None:
        if ticket.group_message_id is None or ticket.status is TicketStatus.WAITING:
            return
        holder = await self._officers.get(ticket.officer_id) if ticket.officer_id else None
        state = (
            f"claimed by {html.escape(holder.display_name)}"
            if ticket.status is TicketStatus.CLAIMED and holder
            else ticket.status.value
        )
        await self._app.bot.edit_message_text(
            f"Ticket {html.escape(ticket.id)}: {state}",
            chat_id=self._chat_id,
            message_id=ticket.group_message_id,
            parse_mode=ParseMode.HTML,
        )

    async def visitor_wrote(self, ticket: Ticket, message: StoredMessage) -> None:
        if ticket.group_message_id is None:
            return
        await self._app.bot.send_message(
            self._chat_id,
            f"💬 Ticket {html.escape(ticket.id)}, visitor:\n{html.escape(message.text)}",
            parse_mode=ParseMode.HTML,
            reply_to_message_id=ticket.group_message_id,
        )

    # --- handlers ----------------------------------------------------------------------

    async def _claim(self, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None or query.data is None or update.effective_user is None:
            return
        officer = await self._officers.by_telegram(update.effective_user.id)
        if officer is None:
            await query.answer("Link your Telegram account to your console account first.", True)
            raise ApplicationHandlerStop
        try:
            await self._queue.claim(query.data.split(":", 1)[1], officer)
        except QueueError as exc:
            await query.answer(str(exc), show_alert=True)
            raise ApplicationHandlerStop from exc
        await query.answer("Claimed. Reply to the ticket message to answer.")
        # Officers' updates never reach the visitor handlers.
        raise ApplicationHandlerStop

    async def _reply(self, update: Update, context: Context) -> None:
        message = update.effective_message
        user = update.effective_user
        if message is None or user is None or message.reply_to_message is None:
            return
        replied_to = message.reply_to_message
        ticket = await self._tickets.by_group_message(replied_to.message_id)
        if ticket is None:
            # A reply to one of the visitor's forwarded messages: they all name the ticket.
            found = TICKET_ID.search(replied_to.text or "")
            ticket = await self._tickets.get(found.group(1)) if found else None
        officer = await self._officers.by_telegram(user.id)
        if ticket is None or officer is None or not message.text:
            raise ApplicationHandlerStop
        try:
            await self._queue.reply(ticket.id, officer, message.text)
        except (QueueError, ValueError) as exc:
            await message.reply_text(f"Not sent: {exc}")
            raise ApplicationHandlerStop from exc
        await message.reply_text("✓ sent to the visitor")
        raise ApplicationHandlerStop
