"""The Telegram channel: python-telegram-bot in the gateway's event loop.

Long polling by default; webhook mode when ``TELEGRAM_WEBHOOK_URL`` is set (the gateway's
``/telegram/webhook`` route checks Telegram's secret-token header). Updates are idempotent by
``update_id``: a repeated update is answered from storage, never processed or sent twice.

Nothing is sent from a handler. Every reply is stored first and leaves through the outbox
(:mod:`bot.core.outbox`), which calls :meth:`TelegramChannel.push`: a 429 or a network error
delays a reply, it never loses it, and replies reach the visitor in the order they were stored.
The one exception is the confirmation of ``/forget``, which has nowhere left to be stored.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import replace

from fastapi import Request
from fastapi.responses import JSONResponse
from telegram import Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.channels.telegram.processor import PerChatUpdateProcessor
from bot.channels.telegram.render import render_reply
from bot.channels.telegram.updates import BadUpdateError, check_update
from bot.config import Settings
from bot.core.i18n import Catalogue
from bot.core.language import SUPPORTED, normalise
from bot.core.models import (
    Button,
    Channel,
    Conversation,
    IncomingMessage,
    Mode,
    Reply,
    Sender,
    StoredMessage,
)
from bot.core.ports import DeliveryRejectedError, DeliveryRetryError
from bot.core.ratelimit import RateLimiter
from bot.core.router import ConversationRouter, DuplicateInProgressError
from bot.web.errors import error_body

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
        self,
        *,
        settings: Settings,
        router: ConversationRouter,
        catalogue: Catalogue,
        limiter: RateLimiter,
        wake: Callable[[], None],
    ) -> None:
        """
        Args:
            settings: Token, API base URL, webhook settings, message size limit.
            router: Where visitor messages go.
            catalogue: The gateway's own messages.
            limiter: The per-visitor rate limit (keyed by Telegram user).
            wake: Tells the outbox worker that replies were stored.
        """
        assert settings.telegram_token is not None
        self._settings = settings
        self._router = router
        self._t = catalogue
        self._limiter = limiter
        self._wake = wake
        builder = (
            Application.builder()
            .token(settings.telegram_token)
            .rate_limiter(AIORateLimiter())
            .concurrent_updates(PerChatUpdateProcessor())
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
        except (ValueError, RecursionError):
            return _bad_update("the body is not JSON (or is nested too deep)")
        try:
            check_update(data)
        except BadUpdateError as exc:
            return _bad_update(str(exc))
        try:
            update = Update.de_json(data, self.application.bot)
        except Exception as exc:  # python-telegram-bot raises many kinds on odd shapes
            return _bad_update(f"python-telegram-bot cannot read it ({type(exc).__name__})")
        await self.application.update_queue.put(update)
        return JSONResponse({"ok": True})

    async def push(
        self, conversation: Conversation, message: StoredMessage, *, skip_parts: int = 0
    ) -> None:
        """Deliver one stored message (the outbox calls this); see :class:`PushSender`."""
        try:
            chat_id = int(conversation.chat_ref or "")
        except ValueError as exc:
            raise DeliveryRejectedError("no_chat") from exc
        reply = Reply(
            message.text, buttons=message.buttons, sources=message.sources, sender=message.sender
        )
        parts = render_reply(reply)
        sent = skip_parts
        for text, markup in parts[skip_parts:]:
            try:
                await self.application.bot.send_message(
                    chat_id,
                    text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                )
            except RetryAfter as exc:
                after = exc.retry_after
                seconds = after.total_seconds() if hasattr(after, "total_seconds") else after
                raise DeliveryRetryError(
                    "telegram_429", after=float(seconds), parts_sent=sent
                ) from exc
            except (Forbidden, ChatMigrated) as exc:
                raise DeliveryRejectedError(f"telegram_{type(exc).__name__.lower()}") from exc
            except BadRequest as exc:
                raise DeliveryRejectedError("telegram_bad_request") from exc
            except (NetworkError, InvalidToken) as exc:
                # NetworkError covers timeouts and Telegram's 5xx answers.
                raise DeliveryRetryError(
                    f"telegram_{type(exc).__name__.lower()}", parts_sent=sent
                ) from exc
            sent += 1

    # --- handlers ----------------------------------------------------------------------

    def _register(self) -> None:
        app = self.application
        # Group -2 runs before every other group (the officers group uses -1) and can stop the
        # update there.
        app.add_handler(TypeHandler(Update, self._throttle), group=-2)
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

    async def _throttle(self, update: Update, context: Context) -> None:
        """The per-visitor rate limit, for every kind of update from a private chat."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None or chat.type != "private":
            return
        verdict = self._limiter.hit(str(user.id))
        if verdict.allowed:
            return
        message = update.message
        if message is not None and message.text and not message.text.startswith("/"):
            # A text is stored all the same (nothing a visitor writes is lost), not processed.
            limit = self._settings.max_message_chars
            incoming = self._incoming(update, message.text[:limit], f"tg:{update.update_id}")
            conversation, _ = await self._conversation(incoming)
            await self._router.throttled(conversation, incoming, notify=verdict.first_refusal)
            self._wake()
        elif verdict.first_refusal:
            conversation, _ = await self._conversation(self._incoming(update, "", ""))
            await self._say(conversation, "slow_down")
        raise ApplicationHandlerStop

    async def _text(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or not isinstance(message.text, str):
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
        conversation, _ = await self._conversation(incoming)
        try:
            if len(text) > limit:
                message = self._t.text("message_too_long", conversation.language, limit=limit)
                await self._router.say(conversation, [Reply(message, sender=Sender.SYSTEM)])
                return
            await self._typing(chat.id)
            try:
                await self._router.handle(conversation, incoming)
            except DuplicateInProgressError:
                return
        finally:
            self._wake()

    async def _media(self, update: Update, context: Context) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        incoming = self._incoming(update, "", f"tg:{update.update_id}")
        conversation, _ = await self._conversation(incoming)
        if conversation.mode is Mode.HUMAN:
            kind = _media_kind(update)
            with contextlib.suppress(DuplicateInProgressError):
                await self._router.handle(
                    conversation,
                    replace(incoming, text=f"[{kind} sent on Telegram]"),
                )
            await self._say(conversation, "media_forwarded")
        else:
            await self._say(conversation, "unsupported_media")

    async def _start(self, update: Update, context: Context) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        incoming = self._incoming(update, "", f"tg:{update.update_id}")
        conversation, created = await self._conversation(incoming)
        replies = [] if created else [self._router.consent_notice(conversation)]
        await self._tell(conversation, *replies, self._language_choice(conversation.language))

    async def _help(self, update: Update, context: Context) -> None:
        if conversation := await self._chat_conversation(update):
            await self._say(conversation, "help")

    async def _language(self, update: Update, context: Context) -> None:
        if conversation := await self._chat_conversation(update):
            await self._tell(conversation, self._language_choice(conversation.language))

    async def _choose_language(self, update: Update, context: Context) -> None:
        query = update.callback_query
        chat = update.effective_chat
        if query is None or chat is None or not query.data:
            return
        await query.answer()
        language = normalise(query.data.split(":", 1)[1])
        if language is None:
            return
        conversation = await self._chat_conversation(update)
        if conversation is not None:
            conversation = await self._router.set_language(conversation, language)
            await self._say(conversation, "language_set")

    async def _human(self, update: Update, context: Context) -> None:
        if conversation := await self._chat_conversation(update):
            await self._router.request_officer(conversation, reason="requested")
            self._wake()

    async def _status(self, update: Update, context: Context) -> None:
        conversation = await self._chat_conversation(update)
        if conversation is None:
            return
        if not context.args:
            await self._say(conversation, "status_usage")
            return
        text = await self._router.case_status_text(context.args[0][:16], conversation.language)
        await self._tell(conversation, Reply(text, sender=Sender.SYSTEM))

    async def _forget(self, update: Update, context: Context) -> None:
        chat, conversation = update.effective_chat, await self._chat_conversation(update)
        if chat is None or conversation is None:
            return
        await self._router.forget(conversation)
        # Sent directly: the conversation (and with it the outbox) is gone.
        await self._send_now(chat.id, self._t.text("forgotten", conversation.language))

    async def _error(self, update: object, context: Context) -> None:
        logger.error("telegram handler failed", exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            await self._send_now(update.effective_chat.id, self._t.text("unavailable", "en"))

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

    async def _chat_conversation(self, update: Update) -> Conversation | None:
        """The conversation of the update's chat (for commands), None for a chatless update."""
        if update.effective_chat is None:
            return None
        conversation, _ = await self._conversation(self._incoming(update, "", ""))
        return conversation

    def _language_choice(self, lang: str) -> Reply:
        buttons = tuple(Button(LANGUAGE_NAMES[code], f"lang:{code}") for code in SUPPORTED)
        return Reply(self._t.text("choose_language", lang), buttons=buttons, sender=Sender.SYSTEM)

    async def _say(self, conversation: Conversation, key: str) -> None:
        await self._tell(
            conversation, Reply(self._t.text(key, conversation.language), sender=Sender.SYSTEM)
        )

    async def _tell(self, conversation: Conversation, *replies: Reply) -> None:
        """Store the replies; the outbox delivers them."""
        await self._router.say(conversation, list(replies))
        self._wake()

    async def _typing(self, chat_id: int) -> None:
        """A courtesy: its failure must not stop the message from being processed."""
        try:
            await self.application.bot.send_chat_action(chat_id, ChatAction.TYPING)
        except TelegramError as exc:
            logger.info("typing indicator not sent: %s", type(exc).__name__)

    async def _send_now(self, chat_id: int, text: str) -> None:
        try:
            await self.application.bot.send_message(chat_id, text)
        except TelegramError as exc:
            logger.warning("direct message not sent: %s", type(exc).__name__)


def _bad_update(reason: str) -> JSONResponse:
    return JSONResponse(error_body("bad_update", reason[:200]), 400)


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
