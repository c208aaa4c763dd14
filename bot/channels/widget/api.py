"""The public REST API: visitor messages, transcripts, erasure, health."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, replace
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse

from bot.channels.widget.hub import ConversationHub
from bot.channels.widget.schemas import (
    Erased,
    ErrorOut,
    MessageIn,
    MessageResult,
    Transcript,
)
from bot.core.i18n import Catalogue
from bot.core.language import normalise
from bot.core.models import (
    Channel,
    Conversation,
    IncomingMessage,
    Reply,
    RouterResult,
)
from bot.core.ports import ConversationStore
from bot.core.ratelimit import Limits, RateLimiter
from bot.core.router import ConversationRouter, DuplicateInProgressError
from bot.core.serialize import message_to_json, result_to_json
from bot.web.errors import ApiError, rate_limited

logger = logging.getLogger(__name__)

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "malformed JSON"},
    401: {"model": ErrorOut, "description": "missing or wrong conversation token"},
    409: {"model": ErrorOut, "description": "the same client_message_id is being processed"},
    413: {"model": ErrorOut, "description": "body too large"},
    422: {"model": ErrorOut, "description": "invalid field, unknown field or wrong type"},
    429: {"model": ErrorOut, "description": "too many messages; see Retry-After"},
}


@dataclass(frozen=True)
class WebServices:
    """What the web channel needs, built once in the app's lifespan."""

    router: ConversationRouter
    conversations: ConversationStore
    hub: ConversationHub
    limits: Limits
    catalogue: Catalogue

    def throttle(self, limiter: RateLimiter, key: str, language: str | None = None) -> None:
        """Raise 429 when ``key`` is over ``limiter``'s rate."""
        verdict = limiter.hit(key)
        if not verdict.allowed:
            lang = normalise(language or "") or "en"
            raise rate_limited(verdict.retry_after, self.catalogue.text("slow_down", lang))


def client_address(request: Request) -> str:
    """The caller's address (uvicorn resolves X-Forwarded-For from FORWARDED_ALLOW_IPS)."""
    return request.client.host if request.client else "unknown"


def services(request: Request) -> WebServices:
    web: WebServices = request.app.state.web
    return web


def bearer(authorization: str | None) -> str | None:
    if authorization and authorization[:7].lower() == "bearer ":
        token = authorization[7:].strip()
        return token or None
    return None


UNAUTHORIZED = ApiError(
    401,
    "unauthorized",
    "this conversation needs its token: send 'Authorization: Bearer <token>'",
    headers={"WWW-Authenticate": "Bearer"},
)


async def authorised_conversation(
    web: WebServices, conversation_id: str, authorization: str | None
) -> tuple[Conversation, str]:
    """The conversation, if the bearer token is its own; 401 otherwise (also if unknown)."""
    token = bearer(authorization)
    if token is None or len(token) > 256:
        raise UNAUTHORIZED
    conversation = await web.router.authorised(conversation_id, token)
    if conversation is None:
        raise UNAUTHORIZED
    return conversation, token


def message_result(
    result: RouterResult, token: str, prefix: list[Reply] | None = None
) -> dict[str, Any]:
    body = result_to_json(replace(result, replies=(*(prefix or []), *result.replies)))
    # The public API's replies carry no sender: every reply in a result is the desk's.
    for reply in body["replies"]:
        del reply["sender"]
    return {"conversation_id": result.conversation.id, "token": token, **body}


async def submit(
    web: WebServices, body: MessageIn, authorization: str | None, address: str
) -> dict[str, Any]:
    """Shared by the REST endpoint and the WebSocket: one visitor message, its result.

    A message over a rate limit is refused with 429 before it is stored: the widget keeps it
    and sends it again after ``Retry-After`` with the same ``client_message_id``.
    """
    lang = body.language or body.locale
    web.throttle(web.limits.address, address, lang)
    if body.conversation_id is not None:
        web.throttle(web.limits.visitor, f"web:{body.conversation_id}", lang)
    incoming = IncomingMessage(
        channel=Channel.WEB,
        visitor_ref=f"web:{secrets.token_hex(8)}",
        text=body.text,
        conversation_id=body.conversation_id,
        explicit_language=body.language,
        language_hint=body.locale,
        client_message_id=body.client_message_id,
    )
    prefix: list[Reply] = []
    if body.conversation_id is None:
        started = await web.router.start(incoming)
        conversation, token = started.conversation, started.token
        prefix = [started.consent]
    else:
        conversation, token = await authorised_conversation(
            web, body.conversation_id, authorization
        )
    try:
        result = await web.router.handle(conversation, incoming, visitor_timezone=body.timezone)
    except DuplicateInProgressError as exc:
        raise ApiError(
            409, "duplicate_in_progress", "this client_message_id is still being processed"
        ) from exc
    return message_result(result, token, prefix)


api = APIRouter(prefix="/api/v1", tags=["visitors"])


@api.post(
    "/messages",
    response_model=MessageResult,
    responses=ERRORS,
    summary="Send a visitor message and get the replies",
)
async def post_message(
    body: MessageIn,
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Stores the message first, then answers it (from the knowledge base, a form, or an officer).

    Without ``conversation_id`` a new conversation starts and the response carries its
    ``token``; every later request for that conversation must send
    ``Authorization: Bearer <token>``. A repeated ``client_message_id`` returns the stored
    result instead of processing the message again.
    """
    return JSONResponse(
        await submit(services(request), body, authorization, client_address(request))
    )


@api.get(
    "/conversations/{conversation_id}/messages",
    response_model=Transcript,
    responses=ERRORS,
    summary="The transcript after a cursor",
)
async def get_messages(
    conversation_id: str,
    request: Request,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Messages with an id greater than ``after`` (use the returned ``cursor`` next time)."""
    web = services(request)
    web.throttle(web.limits.address, client_address(request))
    conversation, _ = await authorised_conversation(web, conversation_id, authorization)
    messages = await web.conversations.messages_after(conversation.id, after, limit)
    return JSONResponse(
        {
            "conversation_id": conversation.id,
            "language": conversation.language,
            "mode": conversation.mode.value,
            "messages": [message_to_json(m) for m in messages],
            "cursor": messages[-1].id if messages else after,
        }
    )


@api.delete(
    "/conversations/{conversation_id}",
    response_model=Erased,
    responses=ERRORS,
    summary="Erase a conversation (the visitor's right to deletion)",
)
async def delete_conversation(
    conversation_id: str,
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Deletes the messages, the personal data of requests and the dialogue's tracker."""
    web = services(request)
    web.throttle(web.limits.address, client_address(request))
    conversation, _ = await authorised_conversation(web, conversation_id, authorization)
    erased = await web.router.forget(conversation)
    logger.info("conversation %s erased by the visitor", conversation.id)
    return JSONResponse({"conversation_id": conversation.id, "erased_messages": erased})
