"""Composition root: the only module that wires concrete adapters together.

``create_app(settings)`` returns the ASGI application. Everything with a lifetime (database
engine, HTTP client, Telegram application) is created in the lifespan and closed there.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.officers import OfficersGroup
from bot.channels.widget.api import WebServices, api, bearer
from bot.channels.widget.hub import ConversationHub, WidgetSender
from bot.channels.widget.pages import pages
from bot.channels.widget.socket import socket_router
from bot.config import Settings
from bot.console.api import ConsoleServices, officer_api
from bot.console.canned import CannedReplies
from bot.console.events import ConsoleEvents
from bot.console.pages import console_pages
from bot.console.passwords import Argon2Hasher
from bot.core.auth import OfficerAuth
from bot.core.cases import CaseService
from bot.core.handoff import HandoffService
from bot.core.i18n import Catalogue
from bot.core.language import LanguagePolicy
from bot.core.models import Channel, TicketStatus
from bot.core.notify import CompositeNotifier
from bot.core.outbox import OutboxNudge, OutboxWorker
from bot.core.ports import DialogueEngine, OfficerNotifier
from bot.core.queue import QueueService, Senders
from bot.core.ratelimit import Limits
from bot.core.retention import RetentionJob
from bot.core.router import ConversationRouter
from bot.dialogue.rasa_client import RasaClient
from bot.storage.cases import SqlCaseStore, SqlKnowledgeEvents
from bot.storage.conversations import SqlConversationStore
from bot.storage.db import create_engine, session_factory, upgrade_async
from bot.storage.officers import SqlAuditLog, SqlOfficerStore, SqlSessionStore
from bot.storage.outbox import SqlOutbox
from bot.storage.stats import SqlStatistics
from bot.storage.tickets import SqlTicketStore
from bot.web.errors import error_body, install_error_handlers
from bot.web.metrics import PrometheusMetrics, RequestMetrics
from bot.web.middleware import BodyLimit, SecurityHeaders
from index.knowledge import load_knowledge

logger = logging.getLogger(__name__)


@dataclass
class Runtime:
    """Resources owned by the lifespan, reachable for readiness checks and tests."""

    engine: AsyncEngine
    dialogue: DialogueEngine
    telegram: TelegramChannel | None
    tickets: SqlTicketStore
    outbox_store: SqlOutbox


def create_app(
    settings: Settings,
    *,
    dialogue: DialogueEngine | None = None,
    notifier: OfficerNotifier | None = None,
) -> FastAPI:
    """Build the gateway.

    Args:
        settings: Configuration (see :class:`bot.config.Settings`).
        dialogue: Replaces the Rasa client (tests of what the gateway does on its own).
        notifier: Replaces the officers' notifier.
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.auto_migrate:
            await upgrade_async(settings.database_url)
        engine = create_engine(settings.database_url)
        sessions = session_factory(engine)
        timeout = httpx.Timeout(settings.rasa_timeout, connect=2.0)
        http = httpx.AsyncClient(timeout=timeout, limits=httpx.Limits(max_connections=50))
        conversations = SqlConversationStore(sessions)
        tickets = SqlTicketStore(sessions)
        officers = SqlOfficerStore(sessions)
        cases = SqlCaseStore(sessions)
        audit = SqlAuditLog(sessions)
        outbox_store = SqlOutbox(sessions)
        outbox = OutboxWorker(outbox_store, {}, metrics=metrics)
        catalogue = Catalogue.load()
        engine_impl = dialogue or RasaClient(
            http, settings.rasa_url, token=settings.rasa_token, actions_url=settings.actions_url
        )
        console_events = ConsoleEvents()
        notifiers = CompositeNotifier([console_events])
        if notifier is not None:
            notifiers.add(notifier)
        senders = Senders()
        hub = ConversationHub()
        senders.register(Channel.WEB, WidgetSender(hub))
        senders.register(Channel.TELEGRAM, OutboxNudge(outbox))
        handoff = HandoffService(
            conversations=conversations,
            tickets=tickets,
            notifier=notifiers,
            catalogue=catalogue,
            office_hours=settings.office_hours,
            metrics=metrics,
        )
        router = ConversationRouter(
            conversations=conversations,
            cases=cases,
            knowledge_events=SqlKnowledgeEvents(sessions),
            dialogue=engine_impl,
            handoff=handoff,
            language=LanguagePolicy(),
            catalogue=catalogue,
            retention_days=settings.retention_days,
            privacy_url=settings.privacy_url,
            metrics=metrics,
        )
        queue = QueueService(
            tickets=tickets,
            conversations=conversations,
            senders=senders,
            notifier=notifiers,
            audit=audit,
            catalogue=catalogue,
            timers=settings.handoff_timers,
            metrics=metrics,
        )
        limits = Limits.from_rates(settings.visitor_rate, settings.address_rate)
        app.state.web = WebServices(
            router=router,
            conversations=conversations,
            hub=hub,
            limits=limits,
            catalogue=catalogue,
        )
        app.state.console = ConsoleServices(
            auth=OfficerAuth(
                officers=officers,
                sessions=SqlSessionStore(sessions),
                hasher=Argon2Hasher(),
                audit=audit,
            ),
            queue=queue,
            cases=CaseService(
                cases=cases,
                conversations=conversations,
                senders=senders,
                audit=audit,
                catalogue=catalogue,
            ),
            tickets=tickets,
            conversations=conversations,
            officers=officers,
            case_store=cases,
            stats=SqlStatistics(sessions),
            audit=audit,
            events=console_events,
            canned=CannedReplies.load(),
            secure_cookies=settings.secure_cookies,
        )
        app.state.knowledge = load_knowledge(settings.knowledge_dir)
        telegram = None
        if settings.telegram_token:
            telegram = TelegramChannel(
                settings=settings,
                router=router,
                catalogue=catalogue,
                limiter=limits.visitor,
                wake=outbox.wake,
            )
            outbox.register(Channel.TELEGRAM, telegram)
            if settings.telegram_officers_chat_id is not None:
                notifiers.add(
                    OfficersGroup(
                        application=telegram.application,
                        chat_id=settings.telegram_officers_chat_id,
                        queue=queue,
                        tickets=tickets,
                        officers=officers,
                    )
                )
            await telegram.start()
        else:
            logger.info("TELEGRAM_BOT_TOKEN not set: running without the Telegram channel")
        retention = RetentionJob(
            conversations=conversations,
            dialogue=engine_impl,
            audit=audit,
            days=settings.retention_days,
        )
        tasks = [
            asyncio.create_task(_sweep(queue, settings.sweep_interval), name="queue-sweeper"),
            asyncio.create_task(outbox.run(), name="outbox"),
            asyncio.create_task(_retain(retention, settings.retention_interval), name="retention"),
        ]
        app.state.runtime = Runtime(engine, engine_impl, telegram, tickets, outbox_store)
        logger.info("gateway ready on %s", settings.public_base_url)
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if telegram is not None:
                await telegram.stop()
            await http.aclose()
            await engine.dispose()

    app = FastAPI(
        title="Visitor desk API",
        version="1.0",
        description=(
            "Public API of the Tây Ninh (former Long An) visitor desk: send visitor messages, "
            "read transcripts, erase conversations."
        ),
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    metrics = PrometheusMetrics()
    app.state.public_base_url = settings.public_base_url
    app.state.allowed_origins = settings.allowed_origins
    install_error_handlers(app)
    app.include_router(api)
    app.include_router(officer_api)
    app.include_router(socket_router)
    app.include_router(pages)
    app.include_router(console_pages)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        runtime: Runtime = request.app.state.runtime
        checks = {"database": False, "dialogue": False}
        try:
            async with runtime.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            checks["database"] = True
        except Exception:  # any failure means "not ready"
            logger.warning("readiness: database unreachable")
        checks["dialogue"] = await runtime.dialogue.ready()
        status = 200 if all(checks.values()) else 503
        return JSONResponse({"ready": status == 200, "checks": checks}, status_code=status)

    @app.get("/metrics", include_in_schema=False)
    async def prometheus(request: Request) -> Response:
        if settings.metrics_token is not None and not _bearer_matches(
            request.headers.get("authorization"), settings.metrics_token
        ):
            return JSONResponse(
                error_body("unauthorized", "metrics need METRICS_TOKEN"),
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        runtime: Runtime = request.app.state.runtime
        metrics.outbox_pending.set(await runtime.outbox_store.pending())
        metrics.tickets_waiting.set(await runtime.tickets.count(TicketStatus.WAITING))
        return Response(metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    @app.post("/telegram/webhook", include_in_schema=False)
    async def telegram_webhook(request: Request) -> JSONResponse:
        runtime: Runtime = request.app.state.runtime
        if runtime.telegram is None:
            return JSONResponse(error_body("not_found", "no Telegram"), 404)
        return await runtime.telegram.webhook(request)

    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.allowed_origins),
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["Authorization", "Content-Type"],
        max_age=600,
    )
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(RequestMetrics, metrics=metrics)
    return app


def _bearer_matches(header: str | None, token: str) -> bool:
    return hmac.compare_digest((bearer(header) or "").encode(), token.encode())


async def _retain(job: RetentionJob, interval: float) -> None:
    """Run the retention job now and then every ``interval`` seconds."""
    while True:
        try:
            await job.run()
        except Exception:
            logger.exception("retention run failed; trying again next round")
        await asyncio.sleep(interval)


async def _sweep(queue: QueueService, interval: float) -> None:
    """Re-announce unclaimed tickets and release unanswered claims, for as long as we run."""
    while True:
        await asyncio.sleep(interval)
        try:
            done = await queue.sweep()
            if any(done.values()):
                logger.info("queue sweep: %s", done)
        except Exception:
            logger.exception("queue sweep failed; trying again next round")
