"""The Telegram channel: python-telegram-bot in the gateway's event loop.

Long polling by default; webhook mode when ``TELEGRAM_WEBHOOK_URL`` is set (the gateway's
``/telegram/webhook`` route checks Telegram's secret-token header). ``AIORateLimiter`` keeps
sends within Telegram's limits. Updates are idempotent by ``update_id``: a repeated update is
answered from storage, never processed or sent twice.
"""

from __future__ import annotations

import hmac
import json
import logging

from fastapi import Request
from fastapi.responses import JSONResponse
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.channels.telegram.render import render_reply
from bot.config import Settings
from bot.core.i18n import Catalogue
from bot.core.language import SUPPORTED, normalise
from bot.core.models import Channel, Conversation, IncomingMessage, Mode, Reply, StoredMessage
from bot.core.router import ConversationRouter, DuplicateInProgressError

logger = logging.getLogger(__name__)
LANGUAGE_NAMES = {
    "en": "English",
    "vi": "Tiếng Việt",
    "zh": "中文",
    "ko": "한국어",
    "ja": "日本語",
    "fr": "Français",
    "de": "Deutsch",
    "ru": "Русский",
}
MEDIA = (
    filters.PHOTO
    | filters.VOICE
    | filters.AUDIO
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.Sticker.ALL
    | filters.Document.ALL
    | filters.LOCATION
    | filters.CONTACT
)
Context = ContextTypes.DEFAULT_TYPE


class TelegramChannel:
    """Owns the PTB ``Application``; built and started by ``bot/app.py``."""

    def __init__(
        self, *, settings: Settings, router: ConversationRouter, catalogue: Catalogue
    ) -> None:
        assert settings.telegram_token is not None
        self._settings = settings
        self._router = router
        self._t = catalogue
        builder = (
            Application.builder().token(settings.telegram_token).rate_limiter(AIORateLimiter())
        )
        if settings.telegram_api_base_url:
            base = settings.telegram_api_base_url.rstrip("/")
            builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
        if settings.telegram_webhook_url:
            builder = builder.updater(None)
        self.application = builder.build()
        self._register()

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        app = self.application
        await app.initialize()
        await app.start()
        if self._settings.telegram_webhook_url:
            await app.bot.set_webhook(
                url=self._settings.telegram_webhook_url,
                secret_token=self._settings.telegram_webhook_secret,
                allowed_updates=["message", "callback_query"],
            )
            logger.info("telegram: webhook mode")
        else:
            await app.bot.delete_webhook()
            assert app.updater is not None
            await app.updater.start_polling(
                allowed_updates=["message", "callback_query"], error_callback=_log_polling_error
            )
            logger.info("telegram: long polling")

    async def stop(self) -> None:
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()

    async def webhook(self, request: Request) -> JSONResponse:
        secret = self._settings.telegram_webhook_secret or ""
        given = request.headers.get("x-telegram-bot-api-secret-token", "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            return JSONResponse({"error": {"code": "forbidden", "message": "bad secret"}}, 403)
        try:
            data = json.loads(await request.body())
            if not isinstance(data, dict):
                raise TypeError("an update is a JSON object")
            update = Update.de_json(data, self.application.bot)
        except (ValueError, TypeError, KeyError) as exc:
            return JSONResponse({"error": {"code": "bad_update", "message": str(exc)[:200]}}, 400)
        await self.application.update_queue.put(update)
        return JSONResponse({"ok": True})

    async def deliver(self, conversation: Conversation, message: StoredMessage) -> None:
        """Send a message not caused by the visitor's last message (officer reply, notice)."""
        if conversation.chat_ref is None:
            return
        reply = Reply(message.text, buttons=message.buttons, sender=message.sender)
        for text, markup in render_reply(reply):
            await self.application.bot.send_message(
                int(conversation.chat_ref), text, parse_mode=ParseMode.HTML, reply_markup=markup
            )

    # --- handlers ----------------------------------------------------------------------

    def _register(self) -> None:
        app = self.application
        # Visitors talk to the bot privately; group chats (the officers' group) are not visitors.
        private = filters.ChatType.PRIVATE
        for name, handler in (
            ("start", self._start),
            ("help", self._help),
            ("language", self._language),
            ("human", self._human),
            ("status", self._status),
            ("forget", self._forget),
        ):
            app.add_handler(CommandHandler(name, handler, filters=private))
        app.add_handler(CallbackQueryHandler(self._choose_language, pattern=r"^lang:[a-z]{2}$"))
        app.add_handler(CallbackQueryHandler(self._button))
        # Edited messages are UpdateType.EDITED_MESSAGE and never match these filters.
        text = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND & private
        app.add_handler(MessageHandler(text, self._text))
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & MEDIA & private, self._media))
        app.add_error_handler(self._error)

    async def _text(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or message.text is None:
            return
        await self._route(update, message.text, key=f"tg:{update.update_id}")

    async def _button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        chat = update.effective_chat
        if query is None or (chat is not None and chat.type != "private"):
            return
        await query.answer()
        if query.data:
            await self._route(update, query.data, key=f"tgcb:{query.id}")

    async def _route(self, update: Update, text: str, *, key: str) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        limit = self._settings.max_message_chars
        incoming = self._incoming(update, text[:limit], key)
        conversation, created = await self._conversation(incoming)
        if len(text) > limit:
            await self._send(
                chat.id,
                [Reply(self._t.text("message_too_long", conversation.language, limit=limit))],
            )
            return
        await chat.send_action(ChatAction.TYPING)
        try:
            result = await self._router.handle(conversation, incoming)
        except DuplicateInProgressError:
            return
        if result.replayed:
            return  # Telegram sent this update twice; the answer already went out.
        replies = list(result.replies)
        if created:
            replies.insert(0, self._router.consent_notice(result.conversation))
        await self._send(chat.id, replies)

    async def _media(self, update: Update, context: Context) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        incoming = self._incoming(update, "", f"tg:{update.update_id}")
        conversation, _ = await self._conversation(incoming)
        lang = conversation.language
        if conversation.mode is Mode.HUMAN:
            kind = _media_kind(update)
            await self._router.handle(
                conversation,
                IncomingMessage(**{**incoming.__dict__, "text": f"[{kind} sent on Telegram]"}),
            )
            await self._send(chat.id, [Reply(self._t.text("media_forwarded", lang))])
        else:
            await self._send(chat.id, [Reply(self._t.text("unsupported_media", lang))])

    async def _start(self, update: Update, context: Context) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        incoming = self._incoming(update, "", f"tg:{update.update_id}")
        conversation, _ = await self._conversation(incoming)
        await self._send(
            chat.id,
            [
                self._router.consent_notice(conversation),
                Reply(self._t.text("choose_language", conversation.language)),
            ],
            markup=self._language_keyboard(),
        )

    async def _help(self, update: Update, context: Context) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        conversation, _ = await self._conversation(self._incoming(update, "", ""))
        await self._send(chat.id, [Reply(self._t.text("help", conversation.language))])

    async def _language(self, update: Update, context: Context) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        conversation, _ = await self._conversation(self._incoming(update, "", ""))
        await self._send(
            chat.id,
            [Reply(self._t.text("choose_language", conversation.language))],
            markup=self._language_keyboard(),
        )

    async def _choose_language(self, update: Update, context: Context) -> None:
        query = update.callback_query
        chat = update.effective_chat
        if query is None or chat is None or not query.data:
            return
        await query.answer()
        language = normalise(query.data.split(":", 1)[1])
        if language is None:
            return
        conversation, _ = await self._conversation(self._incoming(update, "", ""))
        conversation = await self._router.set_language(conversation, language)
        await self._send(chat.id, [Reply(self._t.text("language_set", language))])

    async def _human(self, update: Update, context: Context) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        conversation, _ = await self._conversation(self._incoming(update, "", ""))
        result = await self._router.request_officer(conversation, reason="requested")
        await self._send(chat.id, list(result.replies))

    async def _status(self, update: Update, context: Context) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        conversation, _ = await self._conversation(self._incoming(update, "", ""))
        lang = conversation.language
        if not context.args:
            await self._send(chat.id, [Reply(self._t.text("status_usage", lang))])
            return
        text = await self._router.case_status_text(context.args[0][:16], lang)
        await self._send(chat.id, [Reply(text)])

    async def _forget(self, update: Update, context: Context) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        conversation, _ = await self._conversation(self._incoming(update, "", ""))
        lang = conversation.language
        await self._router.forget(conversation)
        await self._send(chat.id, [Reply(self._t.text("forgotten", lang))])

    async def _error(self, update: object, context: Context) -> None:
        logger.error("telegram handler failed", exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            try:
                await update.effective_chat.send_message(self._t.text("unavailable", "en"))
            except TelegramError:
                logger.warning("could not tell the visitor about the failure")

    # --- helpers -----------------------------------------------------------------------

    def _incoming(self, update: Update, text: str, key: str) -> IncomingMessage:
        user = update.effective_user
        chat = update.effective_chat
        return IncomingMessage(
            channel=Channel.TELEGRAM,
            visitor_ref=str(user.id if user else chat.id if chat else 0),
            text=text,
            language_hint=user.language_code if user else None,
            client_message_id=key or None,
            chat_ref=str(chat.id) if chat else None,
        )

    async def _conversation(self, incoming: IncomingMessage) -> tuple[Conversation, bool]:
        return await self._router.conversation_for_chat(incoming)

    def _language_keyboard(self) -> InlineKeyboardMarkup:
        buttons = [
            InlineKeyboardButton(LANGUAGE_NAMES[code], callback_data=f"lang:{code}")
            for code in SUPPORTED
        ]
        return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])

    async def _send(
        self,
        chat_id: int,
        replies: list[Reply],
        markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        bot = self.application.bot
        for index, reply in enumerate(replies):
            parts = render_reply(reply)
            for part_index, (text, reply_markup) in enumerate(parts):
                last = index == len(replies) - 1 and part_index == len(parts) - 1
                await bot.send_message(
                    chat_id,
                    text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup if (last and markup is not None) else reply_markup,
                    link_preview_options=None,
                )


def _media_kind(update: Update) -> str:
    message = update.effective_message
    if message is None:
        return "file"
    for kind in (
        "photo",
        "voice",
        "audio",
        "video",
        "video_note",
        "sticker",
        "document",
        "location",
        "contact",
    ):
        if getattr(message, kind, None):
            return kind
    return "file"


def _log_polling_error(error: TelegramError) -> None:
    logger.warning("telegram polling error: %s", type(error).__name__)
