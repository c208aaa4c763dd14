"""The conversation a log line is about, carried in a context variable.

The router sets it for the message it is handling; the log formatters (``bot/logs.py``) add it
to every line written meanwhile, so an operator can follow one conversation through the logs
without any message text being logged.
"""

from __future__ import annotations

from contextvars import ContextVar

conversation_id: ContextVar[str | None] = ContextVar("conversation_id", default=None)
