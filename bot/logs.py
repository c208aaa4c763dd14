"""Log formats: readable text for a terminal, one JSON object per line for a log collector.

Both add the conversation id of the message being handled (see ``bot/core/logcontext.py``).
Message text and contact details are never passed to a logger in this code base; the
formatter does not try to scrub them, it relies on that rule.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from bot.core.logcontext import conversation_id


class _ConversationFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.conversation_id = conversation_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        conversation = getattr(record, "conversation_id", None)
        if conversation:
            entry["conversation_id"] = conversation
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        conversation = getattr(record, "conversation_id", None)
        return f"{line} [conversation={conversation}]" if conversation else line


def configure(level: str, fmt: str) -> None:
    """Root logging for the gateway process."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(_ConversationFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Alembic announces every plugin at INFO, and httpx logs URLs that carry conversation ids
    # and Rasa's token: only their warnings belong in the operator's log.
    for noisy in ("alembic", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
