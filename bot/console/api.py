"""The officers' JSON API (`/api/v1/officer/...`); the console pages use exactly this.

Authentication: ``POST /login`` returns a bearer token (for other tools) or, with
``"session": "cookie"``, sets an HttpOnly, SameSite=Strict session cookie and returns a CSRF
token that the console sends back as ``X-CSRF-Token`` on every change.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from bot.console.canned import CannedReplies
from bot.console.events import ConsoleEvents
from bot.core.auth import AccountLockedError, AuthError, OfficerAuth
from bot.core.cases import CaseService
from bot.core.models import CaseStatus, Officer, Role, TicketStatus, utc_now
from bot.core.ports import (
    AuditLog,
    Case,
    CaseStore,
    ConversationStore,
    OfficerStore,
    Session,
    Statistics,
    TicketStore,
)
from bot.core.queue import (
    NotAllowedError,
    QueueError,
    QueueService,
    TicketConflictError,
    TicketNotFoundError,
    summary,
)
from bot.core.serialize import message_to_json
from bot.web.errors import ApiError

COOKIE = "desk_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class ConsoleServices:
    auth: OfficerAuth
    queue: QueueService
    cases: CaseService
    tickets: TicketStore
    conversations: ConversationStore
    officers: OfficerStore
    case_store: CaseStore
    stats: Statistics
    audit: AuditLog
    events: ConsoleEvents
    canned: CannedReplies
    secure_cookies: bool


def services(request: Request) -> ConsoleServices:
    console: ConsoleServices = request.app.state.console
    return console


@dataclass(frozen=True)
class Authenticated:
    """The session a request proved, and how (the token it sent, bearer or cookie)."""

    token: str
    session: Session
    via_cookie: bool


async def authenticated(request: Request) -> Authenticated:
    """A bearer token or a session cookie (with its CSRF token); 401/403 otherwise."""
    console = services(request)
    authorization = request.headers.get("authorization", "")
    if authorization[:7].lower() == "bearer ":
        token = authorization[7:].strip()
        session = await console.auth.session(token)
        if session is None:
            raise ApiError(401, "unauthorized", "the token is unknown or expired")
        return Authenticated(token, session, via_cookie=False)
    cookie = request.cookies.get(COOKIE)
    session = await console.auth.session(cookie) if cookie else None
    if cookie is None or session is None:
        raise ApiError(401, "unauthorized", "log in first")
    if request.method not in SAFE_METHODS:
        sent = request.headers.get("x-csrf-token", "")
        if not hmac.compare_digest(sent.encode(), session.csrf_token.encode()):
            raise ApiError(403, "csrf", "missing or wrong X-CSRF-Token header")
    return Authenticated(cookie, session, via_cookie=True)


CurrentSession = Annotated[Authenticated, Depends(authenticated)]


async def current_officer(auth: CurrentSession) -> Officer:
    return auth.session.officer


CurrentOfficer = Annotated[Officer, Depends(current_officer)]


def queue_errors(exc: Exception) -> ApiError:
    if isinstance(exc, TicketNotFoundError):
        return ApiError(404, "not_found", str(exc))
    if isinstance(exc, TicketConflictError):
        return ApiError(409, "conflict", str(exc))
    if isinstance(exc, NotAllowedError):
        return ApiError(403, "forbidden", str(exc))
    if isinstance(exc, ValueError):
        return ApiError(422, "invalid_request", str(exc))
    raise exc


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    session: Literal["bearer", "cookie"] = "bearer"


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    text: str = Field(min_length=1, max_length=4096)


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    officer_id: str = Field(min_length=1, max_length=32)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    decision: Literal["in_review", "needs_info", "approved", "declined"]
    message: str | None = Field(default=None, max_length=2000)


officer_api = APIRouter(prefix="/api/v1/officer", tags=["officers"])


@officer_api.post("/login", summary="Log in (bearer token, or a console session cookie)")
async def login(body: LoginIn, request: Request) -> JSONResponse:
    console = services(request)
    try:
        session = await console.auth.login(body.username, body.password)
    except AccountLockedError as exc:
        retry = max(1, int((exc.until - dt.datetime.now(dt.UTC)).total_seconds()))
        raise ApiError(423, "locked", str(exc), headers={"Retry-After": str(retry)}) from exc
    except AuthError as exc:
        raise ApiError(401, "unauthorized", str(exc)) from exc
    officer = officer_json(session.officer)
    if body.session == "bearer":
        return JSONResponse(
            {
                "token": session.token,
                "expires_at": session.expires_at.isoformat(),
                "officer": officer,
            }
        )
    response = JSONResponse({"csrf_token": session.csrf_token, "officer": officer})
    response.set_cookie(
        COOKIE,
        session.token,
        max_age=int((session.expires_at - dt.datetime.now(dt.UTC)).total_seconds()),
        httponly=True,
        secure=console.secure_cookies,
        samesite="strict",
        path="/",
    )
    return response


@officer_api.post("/logout", summary="End this session")
async def logout(request: Request, auth: CurrentSession) -> Response:
    console = services(request)
    await console.auth.logout(auth.token)  # the session this request proved, not another one
    await console.audit.record(auth.session.officer.id, "officer.logout")
    response = JSONResponse({"ok": True})
    response.delete_cookie(COOKIE, path="/")
    return response


@officer_api.get("/me", summary="The logged-in officer (and a fresh CSRF token for cookies)")
async def me(auth: CurrentSession) -> JSONResponse:
    csrf_token = auth.session.csrf_token if auth.via_cookie else None
    return JSONResponse({"officer": officer_json(auth.session.officer), "csrf_token": csrf_token})


@officer_api.get("/tickets", summary="The queue (open tickets by default)")
async def list_tickets(
    request: Request,
    officer: CurrentOfficer,
    status: Annotated[Literal["waiting", "claimed", "closed", "open"], Query()] = "open",
) -> JSONResponse:
    console = services(request)
    wanted = None if status == "open" else TicketStatus(status)
    tickets = await console.tickets.in_status(wanted)
    now = utc_now()  # one "now" for the whole list
    return JSONResponse({"tickets": [summary(t, now) for t in tickets]})


@officer_api.get("/tickets/{ticket_id}", summary="A ticket with its full transcript")
async def get_ticket(ticket_id: str, request: Request, officer: CurrentOfficer) -> JSONResponse:
    console = services(request)
    ticket = await console.tickets.get(ticket_id)
    if ticket is None:
        raise ApiError(404, "not_found", f"no ticket {ticket_id}")
    conversation = await console.conversations.get(ticket.conversation_id)
    messages = (
        await console.conversations.messages_after(ticket.conversation_id, 0, 1000)
        if conversation
        else []
    )
    return JSONResponse(
        {
            "ticket": summary(ticket),
            "conversation": {
                "id": ticket.conversation_id,
                "language": conversation.language if conversation else None,
                "channel": conversation.channel.value if conversation else None,
                "mode": conversation.mode.value if conversation else None,
                "contact_email": conversation.contact_email if conversation else None,
                "erased": conversation is None,
            },
            "messages": [message_to_json(m) for m in messages],
            "canned": console.canned.for_language(ticket.language),
        }
    )


@officer_api.post("/tickets/{ticket_id}/claim", summary="Claim a waiting ticket (409 if taken)")
async def claim(ticket_id: str, request: Request, officer: CurrentOfficer) -> JSONResponse:
    try:
        ticket = await services(request).queue.claim(ticket_id, officer)
    except (QueueError, ValueError) as exc:
        raise queue_errors(exc) from exc
    return JSONResponse({"ticket": summary(ticket)})


@officer_api.post("/tickets/{ticket_id}/messages", summary="Reply to the visitor")
async def reply(
    ticket_id: str, body: ReplyIn, request: Request, officer: CurrentOfficer
) -> JSONResponse:
    try:
        stored = await services(request).queue.reply(ticket_id, officer, body.text)
    except (QueueError, ValueError) as exc:
        raise queue_errors(exc) from exc
    return JSONResponse({"message": message_to_json(stored)})


@officer_api.post("/tickets/{ticket_id}/transfer", summary="Hand the ticket to a colleague")
async def transfer(
    ticket_id: str, body: TransferIn, request: Request, officer: CurrentOfficer
) -> JSONResponse:
    console = services(request)
    target = await console.officers.get(body.officer_id)
    if target is None:
        raise ApiError(404, "not_found", "no such officer")
    try:
        ticket = await console.queue.transfer(ticket_id, officer, target)
    except (QueueError, ValueError) as exc:
        raise queue_errors(exc) from exc
    return JSONResponse({"ticket": summary(ticket)})


@officer_api.post("/tickets/{ticket_id}/close", summary="Close; the visitor is asked for a rating")
async def close(ticket_id: str, request: Request, officer: CurrentOfficer) -> JSONResponse:
    try:
        ticket = await services(request).queue.close(ticket_id, officer)
    except (QueueError, ValueError) as exc:
        raise queue_errors(exc) from exc
    return JSONResponse({"ticket": summary(ticket)})


@officer_api.get("/officers", summary="Colleagues (for transfers)")
async def officers(request: Request, officer: CurrentOfficer) -> JSONResponse:
    everyone = await services(request).officers.everyone()
    return JSONResponse({"officers": [officer_json(o) for o in everyone if o.active]})


@officer_api.get("/cases", summary="Press requests")
async def list_cases(
    request: Request,
    officer: CurrentOfficer,
    status: Annotated[CaseStatus | None, Query()] = None,
) -> JSONResponse:
    cases = await services(request).case_store.in_status(status)
    return JSONResponse({"cases": [case_json(c) for c in cases]})


@officer_api.get("/cases/{reference}", summary="One press request with its fields")
async def get_case(reference: str, request: Request, officer: CurrentOfficer) -> JSONResponse:
    case = await services(request).case_store.get(reference.upper())
    if case is None:
        raise ApiError(404, "not_found", f"no request {reference}")
    return JSONResponse({"case": case_json(case, with_fields=True)})


@officer_api.post("/cases/{reference}/decision", summary="Decide; the visitor is told")
async def decide(
    reference: str, body: DecisionIn, request: Request, officer: CurrentOfficer
) -> JSONResponse:
    try:
        case = await services(request).cases.decide(
            reference, officer, CaseStatus(body.decision), body.message
        )
    except (QueueError, ValueError) as exc:
        raise queue_errors(exc) from exc
    return JSONResponse({"case": case_json(case, with_fields=True)})


@officer_api.get("/knowledge-gaps", summary="Questions answered below the threshold or unhelpfully")
async def knowledge_gaps(
    request: Request, officer: CurrentOfficer, days: Annotated[int, Query(ge=1, le=365)] = 30
) -> JSONResponse:
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    return JSONResponse({"gaps": await services(request).stats.knowledge_gaps(since)})


@officer_api.get("/stats", summary="Overview figures")
async def stats(
    request: Request, officer: CurrentOfficer, days: Annotated[int, Query(ge=1, le=365)] = 30
) -> JSONResponse:
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    return JSONResponse(await services(request).stats.overview(since))


@officer_api.get("/audit", summary="The audit log (admins)")
async def audit(request: Request, officer: CurrentOfficer) -> JSONResponse:
    if officer.role is not Role.ADMIN:
        raise ApiError(403, "forbidden", "admins only")
    return JSONResponse({"entries": await services(request).audit.recent()})


@officer_api.get("/events", summary="Live updates (server-sent events)")
async def events(
    request: Request,
    officer: CurrentOfficer,
) -> StreamingResponse:
    hub = services(request).events

    async def stream() -> AsyncIterator[str]:
        queue = hub.subscribe()
        try:
            yield "retry: 3000\n\n"
            while True:
                try:
                    frame = await asyncio.wait_for(queue.get(), timeout=15)
                except TimeoutError:
                    frame = ": keep-alive\n\n"
                yield frame
                if await request.is_disconnected():
                    return
        finally:
            hub.unsubscribe(queue)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def officer_json(officer: Officer) -> dict[str, Any]:
    return {
        "id": officer.id,
        "username": officer.username,
        "display_name": officer.display_name,
        "role": officer.role.value,
        "telegram_linked": officer.telegram_user_id is not None,
    }


def case_json(case: Case, with_fields: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "reference": case.reference,
        "kind": case.kind,
        "status": case.status,
        "language": case.language,
        "created_at": case.created_at.isoformat(),
        "decision_message": case.decision_message,
        "name": case.fields.get("name"),
        "outlet": case.fields.get("outlet"),
        "preferred_dates": case.fields.get("preferred_dates"),
    }
    if with_fields:
        out["fields"] = dict(case.fields)
    return out
