"""Hostile inputs, in-process: a slice of ``benchmarks/fuzz.py``'s generators against the real
app (real SQLite, real FastAPI, real python-telegram-bot against the Bot API stand-in) around a
scripted dialogue.

About 300 malformed, oversized and hostile inputs go to the REST API, the widget WebSocket and
the Telegram webhook. None may get a 5xx or kill a socket, nothing may leave a traceback in the
log, and every surface must still answer a normal message afterwards.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from benchmarks import fuzz
from bot.app import create_app
from bot.config import Settings
from bot.core.ratelimit import Rate
from tests.integration.api.conftest import make_settings
from tests.support.fake_dialogue import FakeDialogue
from tests.support.telegram_standin import BotApiStandIn

pytestmark = pytest.mark.integration

SEED = 20_260_101
SECRET = "hostile-inputs-secret"
API, WS, TELEGRAM = 180, 60, 60
NORMAL = "Where can I see lotus fields and water birds?"


def describe(record: logging.LogRecord) -> str:
    kind, error = (record.exc_info or (None, None, None))[:2]
    name = kind.__name__ if kind is not None else "?"
    return f"{record.name}: {record.getMessage()[:120]} -> {name}: {str(error)[:150]}"


class Captured(logging.Handler):
    """Every record logged with a traceback while the inputs are replayed."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.records.append(record)


@dataclass
class Replay:
    tally: fuzz.Tally
    tracebacks: list[str] = field(default_factory=list)
    after: dict[str, Any] = field(default_factory=dict)


class Conversation:
    """A visitor conversation the inputs that need a valid id and token use (renewed now and
    then, and after an erasure)."""

    def __init__(self, client: TestClient, uses: int = 25) -> None:
        self._client = client
        self._uses = uses
        self._current: tuple[str, str] | None = None
        self._used = 0

    def get(self) -> tuple[str, str]:
        if self._current is None or self._used >= self._uses:
            response = self._client.post(fuzz.MESSAGES, json={"text": "Hello, I have a question"})
            assert response.status_code == 200, response.text
            body = response.json()
            self._current, self._used = (body["conversation_id"], body["token"]), 0
        self._used += 1
        return self._current

    def renew(self) -> None:
        self._current = None


def cases() -> list[fuzz.Case]:
    rng = random.Random(SEED)
    mixed = [
        *fuzz.api_cases(rng, API, raw=False),  # raw bytes need a socket; the benchmark sends them
        *fuzz.ws_cases(rng, WS),
        *fuzz.telegram_cases(rng, TELEGRAM, SECRET),
    ]
    rng.shuffle(mixed)
    return mixed


def send_http(
    client: TestClient, case: fuzz.HttpCase, conversation: Conversation
) -> tuple[str, str]:
    cid, token = conversation.get() if case.conversation else ("", "")
    path, headers, body = fuzz.request_parts(case, cid, token)
    content: bytes | Iterator[bytes] | None = body
    if case.chunked and body is not None:
        content = iter([body[i : i + 8192] for i in range(0, len(body), 8192)])
    response = client.request(case.method, path, headers=headers, content=content)
    if case.renews:
        conversation.renew()
    return str(response.status_code), response.text


def exchange(ws: WebSocketTestSession, frames: Sequence[str | bytes], drop: bool) -> str:
    for frame in frames:
        if isinstance(frame, bytes):
            ws.send_bytes(frame)
        else:
            ws.send_text(frame)
    if drop:
        return "ws:dropped_by_client"
    owed, needed, pongs = fuzz.pings_after_hello(frames), -1, 0
    while True:
        message = ws.receive()
        if message["type"] == "websocket.close":
            return f"ws:close:{message.get('code', 1000)}"
        frame = json.loads(message.get("text") or "null")
        kind = frame.get("type") if isinstance(frame, dict) else None
        if kind == "ready":
            needed = owed + 1
            ws.send_text(json.dumps({"type": "ping"}))
        elif kind == "pong":
            pongs += 1
            if pongs >= needed > 0:
                return "ws:pong"


def send_ws(client: TestClient, case: fuzz.WsCase, conversation: Conversation) -> tuple[str, str]:
    cid, token = conversation.get() if case.conversation else ("", "")
    frames = fuzz.ws_frames(case, cid, token)
    headers = {"origin": case.origin} if case.origin is not None else {}
    try:
        with client.websocket_connect("/api/v1/ws", headers=headers) as ws:
            return exchange(ws, frames, case.drop), ""
    except WebSocketDisconnect as exc:
        return f"ws:close:{exc.code}", str(exc.reason)
    except Exception as exc:  # the app raised inside the socket: that is the finding
        return f"ws:crash:{type(exc).__name__}", repr(exc)


def replay(client: TestClient, inputs: Sequence[fuzz.Case]) -> fuzz.Tally:
    tally = fuzz.Tally()
    conversation = Conversation(client)
    for case in inputs:
        if isinstance(case, fuzz.HttpCase):
            status, detail = send_http(client, case, conversation)
            tally.record(case, status, status.startswith("5"), detail)
        elif isinstance(case, fuzz.WsCase):
            status, detail = send_ws(client, case, conversation)
            failed = status.startswith("ws:crash") or fuzz.status_class(status) == "5xx"
            tally.record(case, status, failed, detail)
    return tally


def still_answers(client: TestClient, standin: BotApiStandIn) -> dict[str, Any]:
    after: dict[str, Any] = {"healthz": client.get("/healthz").status_code}
    rest = client.post(fuzz.MESSAGES, json={"text": NORMAL, "language": "en"})
    ok = rest.status_code == 200
    after["rest"] = [r["text"] for r in rest.json()["replies"]] if ok else [rest.text[:300]]
    opened = client.post(fuzz.MESSAGES, json={"text": "Hello"}).json()
    with client.websocket_connect("/api/v1/ws") as ws:
        hello = {"type": "hello", "conversation_id": opened["conversation_id"]}
        ws.send_json({**hello, "token": opened["token"]})
        frames = [ws.receive_json()]
        ws.send_json({"type": "message", "text": NORMAL, "client_message_id": "after"})
        while frames[-1]["type"] not in {"result", "error"}:
            frames.append(ws.receive_json())
    after["ws"] = frames
    chat = 8_123_456
    update = {
        "update_id": 2_100_000_000,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private", "first_name": "V"},
            "from": {"id": chat, "is_bot": False, "first_name": "V", "language_code": "en"},
            "text": NORMAL,
        },
    }
    posted = client.post("/telegram/webhook", json=update, headers={fuzz.SECRET_HEADER: SECRET})
    after["telegram_status"] = posted.status_code
    deadline, answers = time.monotonic() + 20, []
    while time.monotonic() < deadline:
        answers = [
            s.text
            for s in list(standin.sent)
            if s.method == "sendMessage" and s.params.get("chat_id") in (chat, str(chat))
        ]
        if any(NORMAL in a for a in answers):
            break
        time.sleep(0.1)
    after["telegram"] = answers
    return after


def unlimited() -> dict[str, object]:
    """Rate limits out of the way: the inputs must reach the deep code, not the limiter."""
    return {
        f.name: Rate(per_minute=1_000_000, burst=1_000_000)
        for f in dataclasses.fields(Settings)
        if f.name.endswith("_rate")
    }


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replay]:
    standin = BotApiStandIn()
    standin.start()
    settings = make_settings(
        tmp_path_factory.mktemp("hostile"),
        telegram_token=standin.token,
        telegram_api_base_url=standin.base_url,
        telegram_webhook_url="http://desk.test/telegram/webhook",
        telegram_webhook_secret=SECRET,
        **unlimited(),
    )
    captured = Captured()
    logging.getLogger().addHandler(captured)
    try:
        app = create_app(settings, dialogue=FakeDialogue())
        with TestClient(app, base_url="http://desk.test", raise_server_exceptions=False) as client:
            result = Replay(replay(client, cases()))
            result.after = still_answers(client, standin)
        result.tracebacks = [describe(record) for record in captured.records]
        yield result
    finally:
        logging.getLogger().removeHandler(captured)
        standin.stop()


def summary(tally: fuzz.Tally) -> str:
    lines = [f"{n} x {key}" for key, n in tally.failures.most_common()]
    lines += [json.dumps(example)[:600] for example in tally.examples[:10]]
    return "\n".join(lines)


def test_the_generators_are_deterministic_and_cover_every_kind() -> None:
    assert cases() == cases()
    inputs = cases()
    assert len(inputs) == API + WS + TELEGRAM
    made = {maker.__name__ for maker, _ in fuzz.API_MAKERS + fuzz.WS_MAKERS + fuzz.TELEGRAM_MAKERS}
    assert len(made) == len(fuzz.API_MAKERS) + len(fuzz.WS_MAKERS) + len(fuzz.TELEGRAM_MAKERS)
    assert {c.target for c in inputs} == {"api", "ws", "telegram"}


def test_no_input_gets_a_5xx_or_crashes_a_socket(replayed: Replay) -> None:
    tally = replayed.tally
    assert tally.done == API + WS + TELEGRAM
    assert tally.failure_count == 0, summary(tally)
    # The inputs reached the deep code instead of bouncing off a limiter or the token check.
    assert tally.statuses["api"]["200"] > 20
    assert tally.statuses["ws"]["ws:pong"] > 10
    assert tally.statuses["telegram"]["200"] > 10


def test_every_surface_still_answers_a_normal_message(replayed: Replay) -> None:
    after = replayed.after
    assert after["healthz"] == 200
    assert after["rest"][-1] == f"[en] {NORMAL}"
    assert [f["type"] for f in after["ws"]] == ["ready", "typing", "result"]
    assert after["ws"][-1]["result"]["replies"][-1]["text"] == f"[en] {NORMAL}"
    assert after["telegram_status"] == 200
    assert any(f"[en] {NORMAL}" in text for text in after["telegram"]), after["telegram"]


def test_no_input_leaves_a_traceback_in_the_log(replayed: Replay) -> None:
    assert replayed.tracebacks == [], "\n".join(replayed.tracebacks)
