"""The console's HTML shell and static files (no inline script: the CSP forbids it)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response

STATIC = Path(__file__).with_name("static")

console_pages = APIRouter(include_in_schema=False)

SHELL = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Visitor desk · officers</title>
<link rel="stylesheet" href="/console/static/console.css">
<script src="/console/static/console.js" defer></script></head>
<body><div id="app" aria-live="polite"></div></body></html>"""


@console_pages.get("/console", response_class=HTMLResponse)
async def console_page() -> HTMLResponse:
    return HTMLResponse(SHELL, headers={"Cache-Control": "no-store"})


FILES = {"console.js": "text/javascript", "console.css": "text/css"}


@console_pages.get("/console/static/{name}", response_model=None)
async def console_static(name: str) -> FileResponse | Response:
    if name not in FILES:
        return Response("not found", status_code=404, media_type="text/plain")
    return FileResponse(STATIC / name, media_type=f"{FILES[name]}; charset=utf-8")
