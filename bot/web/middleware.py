"""ASGI middleware: body size limit and security headers."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.web.errors import BodyTooLargeError, error_body


class BodyLimit:
    """Refuses request bodies over ``limit`` bytes with 413, before anything reads them."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or {}).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _reject(send, self.limit)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLargeError(self.limit)
            return message

        try:
            await self.app(scope, limited, send)
        except BodyTooLargeError:
            await _reject(send, self.limit)


async def _reject(send: Send, limit: int) -> None:
    body = json.dumps(error_body("too_large", f"the body is larger than {limit} bytes")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """CSP without inline script, no sniffing, no framing of the console, no referrer leaks."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = list(message.get("headers", []))
                headers.extend(_headers_for(path))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def _headers_for(path: str) -> list[tuple[bytes, bytes]]:
    common = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"strict-origin-when-cross-origin"),
    ]
    if path.startswith("/api/docs") or path == "/api/openapi.json":
        # The OpenAPI page loads its own assets; it gets a looser policy than the app.
        return common
    frame = b"frame-ancestors 'none'" if path.startswith("/console") else b"frame-ancestors *"
    csp = (
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; form-action 'self'; "
        + frame
    )
    extra = [(b"content-security-policy", csp)]
    if path.startswith("/console"):
        extra.append((b"x-frame-options", b"DENY"))
    return common + extra
