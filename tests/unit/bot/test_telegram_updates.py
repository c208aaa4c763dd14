"""Webhook updates are checked before python-telegram-bot parses them (fuzzing findings)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bot.channels.telegram.updates import BadUpdateError, check_update

GOOD: dict[str, Any] = {
    "update_id": 10,
    "message": {
        "message_id": 5,
        "date": 1_790_000_000,
        "chat": {"id": 42, "type": "private"},
        "from": {"id": 42, "is_bot": False, "first_name": "Ana"},
        "text": "Xin chào",
        "entities": [{"type": "bold", "offset": 0, "length": 3}],
    },
}


def _with(path: str, value: Any) -> dict[str, Any]:
    update = copy.deepcopy(GOOD)
    node = update
    *parents, last = path.split(".")
    for key in parents:
        node = node[key]
    node[last] = value
    return update


def test_a_real_update_passes() -> None:
    check_update(GOOD)
    check_update(
        {
            "update_id": 11,
            "callback_query": {
                "id": "q1",
                "from": {"id": 42, "first_name": "Ana"},
                "data": "lang:vi",
                "message": GOOD["message"],
            },
        }
    )


@pytest.mark.parametrize(
    ("update", "reason"),
    [
        ([1, 2], "object"),
        (_with("update_id", "1"), "update_id"),
        (_with("message", "hello"), "message must be an object"),
        (_with("message.chat", None), "chat must be an object"),
        (_with("message.chat.id", "abc"), "chat.id"),
        (_with("message.chat.id", 1.5), "chat.id"),
        (_with("message.date", 2**40), "date"),
        (_with("message.date", 10**20), "out of range"),
        (_with("message.text", 42), "text must be a string"),
        (_with("message.text", ["a"]), "text must be a string"),
        (_with("message.text", "hi \ud800 there"), "Unicode"),
        (_with("message.entities", "nope"), "entities"),
        (_with("message.reply_to_message", "x"), "reply_to_message"),
        (_with("message.from", {"id": -1}), "from.id"),
        (_with("message.extra", {"a": {"b": {"c": 10**30}}}), "out of range"),
        ({"update_id": 1, "callback_query": {"id": "q", "from": {"id": 1}, "data": 7}}, "data"),
    ],
)
def test_what_telegram_would_never_send_is_refused(update: Any, reason: str) -> None:
    with pytest.raises(BadUpdateError, match=reason):
        check_update(update)


def test_absurd_nesting_is_refused() -> None:
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(40):
        node["a"] = {}
        node = node["a"]
    with pytest.raises(BadUpdateError, match="deep"):
        check_update({**GOOD, "extra": deep})
