"""A local stand-in for the Telegram Bot API, so tests never touch Telegram.

It is a real HTTP server (uvicorn on loopback, in its own thread) that python-telegram-bot talks
to through ``base_url``. It implements what the visitor desk uses: getMe, getUpdates (long poll),
sendMessage, editMessageText, answerCallbackQuery, sendChatAction, setWebhook, deleteWebhook.
Tests push updates in and read what the bot sent; ``fail_next`` injects 429 / 500 answers and
timeouts.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.processes import free_port

BOT_USER = {
    "id": 424242,
    "is_bot": True,
    "first_name": "Visitor desk",
    "username": "visitor_desk_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


@dataclass
class Sent:
    method: str
    params: dict[str, Any]

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def chat_id(self) -> int:
        return int(self.params["chat_id"])

    @property
    def keyboard(self) -> list[list[dict[str, Any]]]:
        markup = self.params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        return list((markup or {}).get("inline_keyboard", []))


@dataclass
class BotApiStandIn:
    token: str = "123456:TEST-TOKEN"
    updates: list[dict[str, Any]] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    failures: list[tuple[int, dict[str, Any], float]] = field(default_factory=list)
    webhook: dict[str, Any] = field(default_factory=dict)
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _ids: Any = field(default_factory=lambda: itertools.count(1000))
    _update_ids: Any = field(default_factory=lambda: itertools.count(1))
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None
    port: int = 0

    # --- test side -------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.port = free_port()
        app = Starlette(
            routes=[Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"])]
        )
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.02)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def push(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates; returns its update_id."""
        with self._cond:
            update = {"update_id": next(self._update_ids), **update}
            self.updates.append(update)
            self._cond.notify_all()
            return int(update["update_id"])

    def push_raw(self, update: dict[str, Any]) -> None:
        """Queue an update with its own update_id (to send the same update twice)."""
        with self._cond:
            self.updates.append(update)
            self._update_ids = itertools.count(int(update["update_id"]) + 1)
            self._cond.notify_all()

    def text_update(
        self, text: str, *, user_id: int = 7, language_code: str = "en"
    ) -> dict[str, Any]:
        return {"message": self.message(text, user_id=user_id, language_code=language_code)}

    def message(
        self, text: str | None, *, user_id: int = 7, language_code: str = "en", **extra: Any
    ) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Visitor"},
            "from": {
                "id": user_id,
                "is_bot": False,
                "first_name": "Visitor",
                "language_code": language_code,
            },
            **extra,
        }
        if text is not None:
            msg["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return msg

    def callback_update(self, data: str, *, user_id: int = 7) -> dict[str, Any]:
        return {
            "callback_query": {
                "id": str(next(self._ids)),
                "from": {
                    "id": user_id,
                    "is_bot": False,
                    "first_name": "Visitor",
                    "language_code": "en",
                },
                "chat_instance": "ci",
                "data": data,
                "message": self.message("menu", user_id=user_id),
            }
        }

    def wait_sent(
        self, count: int, timeout: float = 30.0, method: str = "sendMessage"
    ) -> list[Sent]:
        """Block until at least ``count`` calls of ``method`` were made; returns them."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [s for s in self.sent if s.method == method]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"only {len(found)} of {count} {method} calls: {self.calls}")
                self._cond.wait(remaining)

    def messages_to(self, chat_id: int) -> list[Sent]:
        with self._cond:
            return [s for s in self.sent if s.method == "sendMessage" and s.chat_id == chat_id]

    def fail_next(
        self,
        status: int,
        *,
        retry_after: int | None = None,
        times: int = 1,
        stall: float = 0.0,
    ) -> None:
        """The next ``times`` calls (getUpdates excepted) fail with ``status``.

        ``stall`` holds the answer back that many seconds first: longer than the client's
        timeout, the call times out on the bot's side and the message is not delivered.
        """
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": "injected"}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        with self._cond:
            self.failures.extend([(status, body, stall)] * times)

    # --- Bot API side ----------------------------------------------------------------

    async def _endpoint(self, request: Request) -> JSONResponse:
        if request.path_params["token"] != self.token:
            return JSONResponse(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, 401
            )
        method = request.path_params["method"]
        params = await _params(request)
        failure = None
        with self._cond:
            self.calls.append(method)
            if method != "getUpdates" and self.failures:
                failure = self.failures.pop(0)
        if failure is not None:
            status, body, stall = failure
            if stall:
                await asyncio.sleep(stall)
            return JSONResponse(body, status_code=status)
        handler: Callable[[dict[str, Any]], Any] | None = getattr(self, f"_api_{method}", None)
        if handler is None:
            return JSONResponse({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        result = await handler(params) if method == "getUpdates" else handler(params)
        return JSONResponse({"ok": True, "result": result})

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {}
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = params
        return True

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 2.0)
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                ready = [u for u in self.updates if u["update_id"] >= offset]
                if offset:
                    self.updates = [u for u in self.updates if u["update_id"] >= offset]
            if ready or time.monotonic() >= deadline:
                return ready
            await asyncio.sleep(0.02)

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._record("sendMessage", params)

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._record("editMessageText", params)

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        self._record("answerCallbackQuery", params)
        return True

    def _api_sendChatAction(self, params: dict[str, Any]) -> bool:
        self._record("sendChatAction", params)
        return True

    def _record(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        with self._cond:
            self.sent.append(Sent(method, params))
            self._cond.notify_all()
        chat_id = int(params.get("chat_id") or 0)
        return {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": BOT_USER,
            "text": params.get("text", ""),
        }


async def _params(request: Request) -> dict[str, Any]:
    if request.method == "GET":
        return dict(request.query_params)
    content_type = request.headers.get("content-type", "")
    if "json" in content_type:
        body = await request.json()
        return dict(body or {})
    # python-telegram-bot posts url-encoded forms (no files are sent here).
    return dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
