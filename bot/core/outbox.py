"""Delivers the outbox: every stored message for a push channel reaches it exactly once.

The conversation store writes an outbox row in the transaction that stores the message; this
worker leases due rows, hands them to the channel and records the outcome. Telegram's
``retry_after`` is honoured to the second, network errors and 5xx back off exponentially, a
visitor who blocked the bot ends the row as FAILED. A restart finds the rows where it left
them: leases expire, nothing is lost and nothing already sent goes again.

One case cannot be made exactly-once by any client: Telegram accepted a message but the answer
was lost (a timeout after the request arrived). The row is then sent again; we prefer a rare
duplicate to a lost officer reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
from collections.abc import Callable, Mapping

from bot.core.models import Channel, Conversation, OutboxItem, StoredMessage, utc_now
from bot.core.ports import (
    DeliveryRejectedError,
    DeliveryRetryError,
    Metrics,
    NoMetrics,
    OutboxStore,
    PushSender,
)

logger = logging.getLogger(__name__)
# Telegram being down is retried for as long as it takes; an error we did not foresee is not.
MAX_UNEXPECTED = 8


class OutboxWorker:
    """Drains the outbox in the background.

    Args:
        store: The outbox rows.
        senders: The push sender of each channel.
        lease: How long a claimed row is ours; a crashed worker's rows are free after it.
        batch: Rows claimed per round by :meth:`drain`.
        concurrency: Deliveries in flight at once (different conversations only). The
            background loop claims only as many rows as it has free slots, so no leased row
            waits for a slot (its lease could run out meanwhile).
        max_backoff: Longest wait between two attempts without ``retry_after``.
        poll: Seconds between rounds when nobody calls :meth:`wake`.
    """

    def __init__(
        self,
        store: OutboxStore,
        senders: Mapping[Channel, PushSender],
        *,
        clock: Callable[[], dt.datetime] = utc_now,
        metrics: Metrics | None = None,
        lease: dt.timedelta = dt.timedelta(seconds=60),
        batch: int = 50,
        concurrency: int = 8,
        max_backoff: float = 300.0,
        poll: float = 1.0,
    ) -> None:
        self._store = store
        self._senders = dict(senders)
        self._clock = clock
        self._metrics = metrics or NoMetrics()
        self._lease = lease
        self._batch = batch
        self._concurrency = concurrency
        self._in_flight: set[asyncio.Task[bool]] = set()
        self._max_backoff = max_backoff
        self._poll = poll
        self._wake = asyncio.Event()
        self._random = random.Random()  # noqa: S311 - jitter, not secrets

    def register(self, channel: Channel, sender: PushSender) -> None:
        self._senders[channel] = sender

    def wake(self) -> None:
        """Something was just stored: deliver now rather than at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver until cancelled. Each delivery runs on its own, so a conversation whose
        Telegram calls time out never holds up the others."""
        try:
            while True:
                self._wake.clear()  # before claiming: a wake during the claim is not lost
                free = self._concurrency - len(self._in_flight)
                if free > 0:
                    try:
                        items = await self._claim(free)
                    except Exception:  # the database may be briefly unreachable
                        logger.exception("outbox round failed")
                        self._metrics.error("outbox")
                        items = []
                    for item in items:
                        task = asyncio.create_task(self._deliver_then_wake(item))
                        self._in_flight.add(task)
                        task.add_done_callback(self._in_flight.discard)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll)
        finally:
            # Shutting down: let deliveries under way finish briefly; a cut one is sent again
            # by whoever takes the row after its lease.
            if self._in_flight:
                await asyncio.wait(self._in_flight, timeout=5)
            for task in self._in_flight:
                task.cancel()

    async def drain(self) -> int:
        """One round, awaited: claim what is due and deliver it. Returns how many were sent."""
        items = await self._claim(self._batch)
        results = await asyncio.gather(*(self._deliver(item) for item in items))
        return sum(results)

    async def _claim(self, limit: int) -> list[OutboxItem]:
        items = await self._store.claim(self._clock(), self._lease, limit)
        return [i for i in items if i.conversation.channel in self._senders]

    async def _deliver_then_wake(self, item: OutboxItem) -> bool:
        try:
            return await self._deliver(item)
        except Exception:  # recording the outcome failed (database): the lease will expire
            logger.exception("outbox %s: outcome not recorded", item.id)
            return False
        finally:
            self.wake()  # the conversation's next message may be due now, and a slot is free

    async def _deliver(self, item: OutboxItem) -> bool:
        sender = self._senders[item.conversation.channel]
        channel = item.conversation.channel.value
        try:
            await sender.push(item.conversation, item.message, skip_parts=item.parts_sent)
        except DeliveryRetryError as exc:
            wait = exc.after if exc.after is not None else self._backoff(item.attempts)
            at = self._clock() + dt.timedelta(seconds=wait)
            await self._store.retry(
                item.id, at=at, reason=exc.reason, parts_sent=max(exc.parts_sent, 0)
            )
            logger.warning(
                "outbox %s (conversation %s): %s, retry in %.1fs",
                item.id,
                item.conversation.id,
                exc.reason,
                wait,
            )
            self._metrics.delivery(channel, "retry")
            return False
        except DeliveryRejectedError as exc:
            await self._store.failed(item.id, exc.reason)
            logger.warning(
                "outbox %s (conversation %s) refused for good: %s",
                item.id,
                item.conversation.id,
                exc.reason,
            )
            self._metrics.delivery(channel, "failed")
            return False
        except Exception as exc:  # a bug in a sender must not stop the outbox
            logger.exception("outbox %s: unexpected delivery error", item.id)
            if item.attempts + 1 >= MAX_UNEXPECTED:
                # Retrying a bug forever only fills the log; the message stays stored.
                await self._store.failed(item.id, f"bug:{type(exc).__name__}")
                self._metrics.delivery(channel, "failed")
                return False
            at = self._clock() + dt.timedelta(seconds=self._backoff(item.attempts))
            await self._store.retry(
                item.id, at=at, reason=type(exc).__name__, parts_sent=item.parts_sent
            )
            self._metrics.delivery(channel, "retry")
            return False
        await self._store.sent(item.id, self._clock())
        self._metrics.delivery(channel, "sent")
        return True

    def _backoff(self, attempts: int) -> float:
        """1, 2, 4 ... seconds up to ``max_backoff``, with jitter so retries do not bunch."""
        base = min(self._max_backoff, 2.0 ** min(attempts, 16))
        return base * (0.8 + 0.4 * self._random.random())


class OutboxNudge:
    """The :class:`~bot.core.ports.OutboundSender` of a push channel: the conversation store
    already wrote the outbox row with the message, so delivering means waking the worker."""

    def __init__(self, worker: OutboxWorker) -> None:
        self._worker = worker

    async def deliver(self, conversation: Conversation, message: StoredMessage) -> None:
        self._worker.wake()
