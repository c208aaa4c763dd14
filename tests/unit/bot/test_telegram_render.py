from __future__ import annotations

from bot.channels.telegram.render import render_reply, split_text
from bot.core.models import Button, Reply, SourceRef


def test_text_is_escaped_and_sources_linked() -> None:
    reply = Reply(
        "<b>not bold</b> & co",
        buttons=(Button("👍", "/feedback"), Button("x", "/" + "y" * 80)),
        sources=(SourceRef("port", "Port <guide>", "https://desk/kb/port?a=1&b=2", "2026-11-26"),),
    )
    [(text, markup)] = render_reply(reply)
    assert text.startswith("&lt;b&gt;not bold&lt;/b&gt; &amp; co")
    assert '📎 <a href="https://desk/kb/port?a=1&amp;b=2">Port &lt;guide&gt;</a>' in text
    assert markup is not None
    # A payload over Telegram's 64-byte callback limit is left out rather than rejected.
    assert [row[0].callback_data for row in markup.inline_keyboard] == ["/feedback"]


def test_long_text_is_split_under_the_limit_at_boundaries() -> None:
    paragraph = "word " * 300
    parts = split_text("\n\n".join([paragraph] * 5), 4096)
    assert len(parts) == 2
    assert all(len(p) <= 4096 for p in parts)
    assert all(not p.startswith(" ") for p in parts)


def test_split_never_cuts_an_entity() -> None:
    text = "a" * 4094 + "&amp;" + "b" * 10
    parts = split_text(text, 4096)
    assert parts[0] == "a" * 4094
    assert parts[1].startswith("&amp;")
