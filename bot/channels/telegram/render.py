"""Replies as Telegram messages: HTML parse mode, inline keyboards, split under 4,096 chars."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.models import Reply, Sender

MAX_LENGTH = 4096
MAX_CALLBACK_BYTES = 64  # Telegram's limit on callback_data


def render_reply(reply: Reply) -> list[tuple[str, InlineKeyboardMarkup | None]]:
    """The HTML text parts of ``reply``; the keyboard goes with the last part."""
    body = html.escape(reply.text, quote=False)
    if reply.sender is Sender.OFFICER:
        body = f"👤 {body}"  # a person is writing now, not the assistant
    for source in reply.sources:
        # The text already names the legal sources and the review date; this links the article.
        link = f'<a href="{html.escape(source.url, quote=True)}">{html.escape(source.title)}</a>'
        body += f"\n\n📎 {link}"
    parts = split_text(body, MAX_LENGTH)
    keyboard = _keyboard(reply)
    return [(part, keyboard if i == len(parts) - 1 else None) for i, part in enumerate(parts)]


def split_text(text: str, limit: int) -> list[str]:
    """Cut at paragraph, then line, then word boundaries so that each part fits."""
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = max(
            rest.rfind("\n\n", 0, limit), rest.rfind("\n", 0, limit), rest.rfind(" ", 0, limit)
        )
        if cut <= limit // 2:
            cut = limit
        # Never cut inside an HTML entity or tag that escaping produced.
        amp, semi = rest.rfind("&", 0, cut), rest.rfind(";", 0, cut)
        if amp > semi:
            cut = amp
        lt, gt = rest.rfind("<", 0, cut), rest.rfind(">", 0, cut)
        if lt > gt:
            cut = lt
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    parts.append(rest)
    return [p for p in parts if p] or [""]


def _keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    buttons = [
        InlineKeyboardButton(b.title[:64], callback_data=b.payload)
        for b in reply.buttons
        if 0 < len(b.payload.encode()) <= MAX_CALLBACK_BYTES
    ]
    if not buttons:
        return None
    # Many short choices (languages, ratings) sit side by side; sentences get a row each.
    per_row = 2 if len(buttons) > 4 and all(len(b.text) <= 16 for b in buttons) else 1
    if len(buttons) == 5 and all(len(b.text) <= 2 for b in buttons):
        per_row = 5  # a 1-5 rating fits on one row
    rows = [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
    return InlineKeyboardMarkup(rows)
