"""A deliberately small, safe Markdown-to-HTML renderer for knowledge articles.

Everything is escaped first; only paragraphs, ``##`` headings, ``-`` lists, ``**bold**`` and
links survive, and a link becomes an anchor only if it is http(s) or ``kb:<id>``.
"""

from __future__ import annotations

import html
import re

_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _inline(text: str, lang: str) -> str:
    escaped = html.escape(text, quote=True)

    def link(match: re.Match[str]) -> str:
        label, target = match.group(1), html.unescape(match.group(2))
        if target.startswith("kb:"):
            href = f"/kb/{html.escape(target[3:], quote=True)}?lang={lang}"
        elif re.match(r"^https?://", target):
            href = html.escape(target, quote=True)
        else:
            return label
        return f'<a href="{href}" rel="noopener noreferrer">{label}</a>'

    return _BOLD.sub(r"<strong>\1</strong>", _LINK.sub(link, escaped))


def render(markdown: str, lang: str) -> str:
    blocks = [b.strip() for b in markdown.replace("\r\n", "\n").split("\n\n") if b.strip()]
    out = []
    for block in blocks:
        lines = block.split("\n")
        if lines[0].startswith("## "):
            out.append(f"<h2>{_inline(lines[0][3:], lang)}</h2>")
            lines = lines[1:]
            if not lines:
                continue
        if all(line.lstrip().startswith(("- ", "* ")) for line in lines):
            items = "".join(f"<li>{_inline(line.lstrip()[2:], lang)}</li>" for line in lines)
            out.append(f"<ul>{items}</ul>")
        else:
            out.append(f"<p>{_inline(' '.join(lines), lang)}</p>")
    return "\n".join(out)
