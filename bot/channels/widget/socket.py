"""The widget's WebSocket: send messages, receive replies and officer messages live.

Protocol (JSON text frames):

* client -> server, first frame: ``{"type": "hello", "conversation_id": ..., "token": ...}``
* client -> server: ``{"type": "message", "text": ..., "client_message_id"?: ...}``
  (plus the optional fields of POST /api/v1/messages)
* server -> client: ``{"type": "ready"}``, ``{"type": "typing"}``,
  ``{"type": "result", "client_message_id": ..., "result": <MessageResult>}``,
  ``{"type": "message", "message": <TranscriptMessage>}`` for messages not caused by the visitor
  (officer replies, notifications), ``{"type": "error", "code": ..., "message": ...,
  "client_message_id"?: ...}``; a ``rate_limited`` error also carries ``retry_after`` (seconds)
  and ``localized`` (a "slow down" in the visitor's language). The message was not stored:
  send it again after ``retry_after``.

The token travels in the first frame rather than the URL so it does not end up in access logs.
A bad frame gets an error frame, never a dropped connection; a bad token closes with 4401, too
many connections from one address with 4429.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from bot.channels.widget.api import WebServices, submit
from bot.channels.widget.schemas import MessageIn
from bot.web.errors import ApiError

logger = logging.getLogger(__name__)
MAX_FRAME_BYTES = 16 * 1024
HELLO_TIMEOUT = 10.0

socket_router = APIRouter()


@socket_router.websocket("/api/v1/ws")
async def widget_socket(websocket: WebSocket) -> None:
    web: WebServices = websocket.app.state.web
    origin = websocket.headers.get("origin")
    allowed: tuple[str, ...] = websocket.app.state.allowed_origins
    if origin is not None and origin not in allowed:
        await websocket.close(code=4403)
        return
    address = websocket.client.host if websocket.client else "unknown"
    if not web.limits.address.hit(address).allowed:
        await websocket.close(code=4429)  # the widget falls back to HTTP, which says how long
        return
    await websocket.accept()
    try:
        hello = await asyncio.wait_for(_read(websocket), HELLO_TIMEOUT)
    except (TimeoutError, WebSocketDisconnect, ValueError):
        await _close(websocket, 4400)
        return
    conversation_id, token = hello.get("conversation_id"), hello.get("token")
    if (
        hello.get("type") != "hello"
        or not isinstance(conversation_id, str)
        or not isinstance(token, str)
        or not 0 < len(conversation_id) <= 64
        or not 0 < len(token) <= 256
        or await web.router.authorised(conversation_id, token) is None
    ):
        await _close(websocket, 4401)
        return
    queue = web.hub.subscribe(conversation_id)
    pusher = asyncio.create_task(_push(websocket, queue), name=f"ws-push-{conversation_id}")
    try:
        await websocket.send_json({"type": "ready"})
        while True:
            try:
                frame = await _read(websocket)
            except ValueError as exc:
                await websocket.send_json(
                    {"type": "error", "code": "bad_frame", "message": str(exc)}
                )
                continue
            await _handle(websocket, web, conversation_id, token, frame, address)
    except WebSocketDisconnect:
        pass
    finally:
        web.hub.unsubscribe(conversation_id, queue)
        pusher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pusher


async def _handle(
    websocket: WebSocket,
    web: WebServices,
    conversation_id: str,
    token: str,
    frame: dict[str, Any],
    address: str,
) -> None:
    if frame.get("type") == "ping":
        await websocket.send_json({"type": "pong"})
        return
    if frame.get("type") != "message":
        await websocket.send_json(
            {"type": "error", "code": "bad_frame", "message": "unknown frame type"}
        )
        return
    fields = {k: v for k, v in frame.items() if k != "type"}
    fields["conversation_id"] = conversation_id
    try:
        body = MessageIn.model_validate(fields)
    except ValidationError as exc:
        message = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:3])
        await websocket.send_json({"type": "error", "code": "invalid_request", "message": message})
        return
    try:
        await websocket.send_json({"type": "typing"})
        result = await submit(web, body, f"Bearer {token}", address)
    except ApiError as exc:
        await websocket.send_json(
            {
                "type": "error",
                "code": exc.code,
                "message": exc.message,
                "client_message_id": body.client_message_id,
                **exc.extra,
            }
        )
        return
    await websocket.send_json(
        {"type": "result", "client_message_id": body.client_message_id, "result": result}
    )


async def _push(websocket: WebSocket, queue: asyncio.Queue[dict[str, Any]]) -> None:
    while True:
        frame = await queue.get()
        try:
            await websocket.send_json(frame)
        except (WebSocketDisconnect, RuntimeError):
            return


async def _read(websocket: WebSocket) -> dict[str, Any]:
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    raw = message.get("text")
    if raw is None:
        raise ValueError("send JSON in text frames")
    if len(raw.encode()) > MAX_FRAME_BYTES:
        raise ValueError(f"frame larger than {MAX_FRAME_BYTES} bytes")
    try:
        frame = json.loads(raw)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ValueError("frame is not JSON (or is nested too deep)") from exc
    if not isinstance(frame, dict):
        raise ValueError("frame must be a JSON object")
    try:
        # JSON escapes can smuggle unpaired surrogates, which no database can store.
        json.dumps(frame, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("frame has text that is not valid Unicode") from exc
    return frame


async def _close(websocket: WebSocket, code: int) -> None:
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await websocket.close(code=code)
