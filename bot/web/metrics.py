"""Prometheus metrics: what the core counts, HTTP latency, and gauges read at scrape time.

Each app has its own registry (tests build many apps in one process). Labels never carry
conversation ids or text: routes are labelled by their template (``/api/v1/conversations/
{conversation_id}/messages``), not the URL.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
WAIT_BUCKETS = (10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 86400)


class PrometheusMetrics:
    """Implements :class:`bot.core.ports.Metrics`."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self._messages = Counter(
            "desk_visitor_messages",
            "Visitor messages processed",
            ["channel", "language"],
            registry=r,
        )
        self._outcomes = Counter(
            "desk_outcomes",
            "What became of visitor messages (answer, fallback, handoff, officer, form, ...)",
            ["channel", "outcome"],
            registry=r,
        )
        self._handoffs = Counter("desk_handoffs", "Tickets opened", ["reason"], registry=r)
        self._queue_wait = Histogram(
            "desk_queue_wait_seconds",
            "Time from a ticket opening to an officer claiming it",
            buckets=WAIT_BUCKETS,
            registry=r,
        )
        self._dialogue = Histogram(
            "desk_dialogue_latency_seconds",
            "Time Rasa (with the action server) took to answer",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self._deliveries = Counter(
            "desk_deliveries", "Outbox deliveries by result", ["channel", "result"], registry=r
        )
        self._errors = Counter("desk_errors", "Errors by kind", ["kind"], registry=r)
        self.http = Histogram(
            "desk_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.outbox_pending = Gauge(
            "desk_outbox_pending", "Messages waiting for delivery", registry=r
        )
        self.tickets_waiting = Gauge(
            "desk_tickets_waiting", "Tickets nobody has claimed yet", registry=r
        )

    def message(self, channel: str, language: str) -> None:
        self._messages.labels(channel, language).inc()

    def outcome(self, channel: str, outcome: str) -> None:
        self._outcomes.labels(channel, outcome).inc()

    def handoff(self, reason: str) -> None:
        self._handoffs.labels(reason).inc()

    def queue_wait(self, seconds: float) -> None:
        self._queue_wait.observe(max(seconds, 0.0))

    def dialogue_latency(self, seconds: float) -> None:
        self._dialogue.observe(seconds)

    def delivery(self, channel: str, result: str) -> None:
        self._deliveries.labels(channel, result).inc()

    def error(self, kind: str) -> None:
        self._errors.labels(kind).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


class RequestMetrics:
    """Times every HTTP request by route template (WebSockets are long-lived: not timed)."""

    def __init__(self, app: ASGIApp, metrics: PrometheusMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, recording)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            if status >= 500:
                self.metrics.error("http_5xx")
            self.metrics.http.labels(scope.get("method", ""), template, str(status)).observe(
                time.perf_counter() - started
            )
