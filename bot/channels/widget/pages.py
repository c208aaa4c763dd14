"""Pages the web channel serves: the widget script, a demo portal page and article pages."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from bot.channels.widget.markdown import render
from bot.core.language import DEFAULT, SUPPORTED
from index.knowledge import KnowledgeBase

STATIC = Path(__file__).with_name("static")

pages = APIRouter(include_in_schema=False)


@pages.get("/widget.js")
async def widget_js() -> FileResponse:
    return FileResponse(
        STATIC / "widget.js",
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )


@pages.get("/static/site.css")
async def site_css() -> FileResponse:
    return FileResponse(STATIC / "site.css", media_type="text/css; charset=utf-8")


@pages.get("/", response_class=HTMLResponse)
async def demo_portal(request: Request) -> HTMLResponse:
    base = html.escape(str(request.app.state.public_base_url), quote=True)
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tây Ninh Province Portal (demo)</title>
<link rel="stylesheet" href="/static/site.css"></head>
<body>
<header class="site"><h1>Tây Ninh Province · Foreign Information</h1>
<p>Demo page of the province portal with the visitor-desk chat embedded.</p></header>
<main>
<article><h2>Long An is now part of Tây Ninh province</h2>
<p class="lead">Since 1 July 2025 the former Long An province and the old Tây Ninh province form the
new Tây Ninh province. Investors, visitors and journalists can ask the visitor desk in their own
language: open the chat at the bottom right.</p>
<p><a href="/kb/merger-2025?lang=en">Read the article</a> ·
<a href="/kb/privacy?lang=en">Privacy notice</a> ·
<a href="/api/docs">API documentation</a></p></article>
</main>
<footer>This page only demonstrates the widget; the real portal embeds the same script tag.</footer>
<script src="/widget.js" data-server="{base}" data-title="Visitor desk" data-color="#0b6e4f"
 data-lang="en" async></script>
</body></html>"""
    return HTMLResponse(body)


@pages.get("/kb/{article_id}", response_class=HTMLResponse)
async def article_page(article_id: str, request: Request, lang: str = "en") -> Response:
    kb: KnowledgeBase = request.app.state.knowledge
    lang = lang if lang in SUPPORTED else DEFAULT
    if article_id not in kb.articles:
        return HTMLResponse("<!doctype html><title>Not found</title><p>No such article.</p>", 404)
    if kb.valid_until(article_id) < dt.date.today():
        # Same rule as the assistant: an article past its review date is not served.
        return HTMLResponse(
            "<!doctype html><title>Under review</title><p>This article is being reviewed.</p>", 410
        )
    article, fallback = kb.localized(article_id, lang)
    sources = "".join(
        "<li>"
        + (
            f'<a href="{html.escape(s.url, quote=True)}" rel="noopener noreferrer">'
            f"{html.escape(s.title)}</a>"
        )
        + (f" · {html.escape(s.instrument)}" if s.instrument else "")
        + (f" ({s.date.isoformat()})" if s.date else "")
        + "</li>"
        for s in article.sources
    )
    others = " ".join(
        f'<a href="/kb/{html.escape(article_id)}?lang={code}" lang="{code}">{code}</a>'
        for code in SUPPORTED
        if code in kb.articles[article_id]
    )
    note = '<p class="meta">English version (not yet translated).</p>' if fallback else ""
    body = f"""<!doctype html>
<html lang="{article.lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(article.title)}</title>
<link rel="stylesheet" href="/static/site.css"></head>
<body><header class="site"><h1>{html.escape(article.title)}</h1></header>
<main><article>{note}
{render(article.body, article.lang)}
<h2>Sources</h2><ul>{sources}</ul>
<p class="meta">Reviewed {article.reviewed.isoformat()}
 · valid until {article.valid_until.isoformat()} · {html.escape(article.owner)}</p>
<nav class="langs">{others}</nav></article></main></body></html>"""
    return HTMLResponse(body)
