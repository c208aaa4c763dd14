"""What a webhook update must look like before python-telegram-bot parses it.

Telegram itself sends well-formed updates; anyone holding the secret token (or a bug in a proxy)
could send anything. python-telegram-bot trusts the shape of what it parses, so a string where
an object belongs, a date beyond the platform's ``time_t`` or an unpaired surrogate would fail
deep inside a handler. These checks turn all of that into a 400 at the door.
"""

from __future__ import annotations

from typing import Any

MAX_DEPTH = 24
MAX_INT = 2**53  # Telegram's ids fit in 52 bits; dates in 32
MESSAGE_KEYS = ("message", "edited_message", "channel_post", "edited_channel_post")


class BadUpdateError(ValueError):
    """The update is not something Telegram would send; the message says why."""


def check_update(data: Any) -> None:
    """Raise :class:`BadUpdateError` unless ``data`` is a plausible Telegram update."""
    if not isinstance(data, dict):
        raise BadUpdateError("an update is a JSON object")
    _walk(data, 0)
    _integer(data.get("update_id"), "update_id")
    for key in MESSAGE_KEYS:
        if key in data:
            _message(data[key], key)
    if "callback_query" in data:
        query = _object(data["callback_query"], "callback_query")
        if not isinstance(query.get("id"), str):
            raise BadUpdateError("callback_query.id must be a string")
        _user(query.get("from"), "callback_query.from")
        if "data" in query and not isinstance(query["data"], str):
            raise BadUpdateError("callback_query.data must be a string")
        if "message" in query:
            _message(query["message"], "callback_query.message")


def _message(value: Any, where: str, depth: int = 0) -> None:
    message = _object(value, where)
    chat = _object(message.get("chat"), f"{where}.chat")
    _integer(chat.get("id"), f"{where}.chat.id", signed=True)
    if not isinstance(chat.get("type"), str):
        raise BadUpdateError(f"{where}.chat.type must be a string")
    date = message.get("date")
    if not isinstance(date, int) or isinstance(date, bool) or not 0 <= date < 2**32:
        raise BadUpdateError(f"{where}.date must be a Unix time")
    _integer(message.get("message_id"), f"{where}.message_id")
    if "from" in message:
        _user(message["from"], f"{where}.from")
    for field in ("text", "caption"):
        if field in message and not isinstance(message[field], str):
            raise BadUpdateError(f"{where}.{field} must be a string")
    for field in ("entities", "caption_entities", "photo"):
        if field in message and not (
            isinstance(message[field], list) and all(isinstance(e, dict) for e in message[field])
        ):
            raise BadUpdateError(f"{where}.{field} must be a list of objects")
    if "reply_to_message" in message:
        if depth >= 2:
            raise BadUpdateError(f"{where}: replies nested too deep")
        _message(message["reply_to_message"], f"{where}.reply_to_message", depth + 1)


def _user(value: Any, where: str) -> None:
    user = _object(value, where)
    _integer(user.get("id"), f"{where}.id")
    if not isinstance(user.get("first_name", ""), str):
        raise BadUpdateError(f"{where}.first_name must be a string")


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadUpdateError(f"{where} must be an object")
    return value


def _integer(value: Any, where: str, *, signed: bool = False) -> None:
    low = -MAX_INT if signed else 0
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value < MAX_INT:
        raise BadUpdateError(f"{where} must be an integer id")


def _walk(value: Any, depth: int) -> None:
    """No absurd nesting, no number beyond 64 bits, no text that is not valid Unicode."""
    if depth > MAX_DEPTH:
        raise BadUpdateError("nested too deep")
    if isinstance(value, dict):
        for key, item in value.items():
            _text(key)
            _walk(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _walk(item, depth + 1)
    elif isinstance(value, str):
        _text(value)
    elif isinstance(value, int) and not -(2**63) <= value < 2**63:
        raise BadUpdateError("number out of range")


def _text(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadUpdateError("text is not valid Unicode (unpaired surrogate)") from exc
