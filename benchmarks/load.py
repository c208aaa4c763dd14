"""Load test: many concurrent widget visitors against the full stack for a fixed time.

Starts Rasa, the action server and the gateway (``tests.support.processes.FullStack``), then
simulates ``--visitors`` visitors of the website widget for a warm-up plus ``--duration``
seconds. Each visitor speaks one language (the eight languages are spread over the visitors,
half of them choose it explicitly, the others only send it as a locale hint) and behaves as the
widget does:

* it opens a conversation with a question from the dev set (``POST /api/v1/messages`` without
  ``conversation_id``; the answer carries the conversation's ``token``),
* then keeps asking further questions in the same conversation (``conversation_id`` in the body,
  ``Authorization: Bearer <token>``, a fresh ``client_message_id`` each), waiting for each answer
  and then thinking for ``--think`` seconds (uniform, from a seeded ``random.Random``),
* after every answer it fetches the transcript after its cursor, as the widget's catch-up does
  (``--no-catch-up`` leaves that out),
* a share of the visitors (``--ws-share``, 10 %, at least one) sends its follow-up messages over
  the WebSocket ``/api/v1/ws`` once the first answer has given it a token, as the widget does,
* when an answer hands the conversation to an officer (``mode == "human"``) the bot stays silent
  from then on, so that visitor starts a new conversation.

A visitor never sends sooner than 3 s after its previous message, whatever ``--think`` says, so
it stays under the per-visitor limit (about 20 messages a minute, burst 8): the test measures
capacity, not the limiter. All the traffic comes from 127.0.0.1, which a real deployment would
see as many addresses, so the per-IP limit is raised for the run (``RATE_LIMIT_IP_PER_MINUTE``,
``RATE_LIMIT_IP_BURST``); otherwise the test would only measure the per-IP limiter.

Measured per message: latency from sending to receiving the answer, and the status. Any non-2xx
answer (429 included), WebSocket error frame, timeout or transport error is an error; the run
exits non-zero if there was any. Throughput is answers per second completed inside the measured
window (after the warm-up); latency percentiles cover messages sent inside it. Memory: the RSS of
each service (its process and any children) is sampled every 0.5 s from ``/proc``; ``VmHWM`` at
the end is the high-water mark since the process started (model loading included).

    PYTHONPATH=. .venv/bin/python benchmarks/load.py                 # 32 visitors, 120 s
    PYTHONPATH=. .venv/bin/python benchmarks/load.py --visitors 8 --duration 30
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from benchmarks.common import DEV_SET, RESULTS, latency_summary, saved
from benchmarks.machine import describe_machine
from index.evaluation import read_questions
from tests.support.processes import FullStack, rasa_model_path

REQUEST_TIMEOUT = 60.0
# At most one message every 3 s per visitor, well inside the per-visitor limit (30 a minute).
MIN_SEND_INTERVAL = 60.0 / 20
MAX_EXAMPLES = 10
TIMEZONE = "Asia/Ho_Chi_Minh"
RAISED_IP_LIMITS = {"RATE_LIMIT_IP_PER_MINUTE": "100000", "RATE_LIMIT_IP_BURST": "10000"}


# --- measurements ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    kind: str  # "message" or "transcript"
    transport: str  # "rest" or "ws"
    sent: float  # perf_counter
    done: float
    ok: bool
    status: str  # "200", "429", "timeout", "ws:error:<code>", ...

    @property
    def ms(self) -> float:
        return (self.done - self.sent) * 1000


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)
    examples: list[dict[str, Any]] = field(default_factory=list)
    conversations: int = 0
    handoffs: int = 0
    started: float = field(default_factory=time.perf_counter)

    def add(self, sample: Sample, detail: str = "") -> None:
        self.samples.append(sample)
        if not sample.ok and len(self.examples) < MAX_EXAMPLES:
            self.examples.append(
                {
                    "at_s": round(sample.sent - self.started, 1),
                    "kind": sample.kind,
                    "transport": sample.transport,
                    "status": sample.status,
                    "ms": round(sample.ms, 1),
                    "detail": detail[:300],
                }
            )


# --- one visitor ----------------------------------------------------------------------------


class ConversationOverError(Exception):
    """The conversation cannot go on (handed to an officer, or an error): start a new one."""


@dataclass
class Visitor:
    n: int
    gateway: str
    language: str
    explicit: bool
    websocket: bool
    questions: list[str]
    rng: random.Random
    think: tuple[float, float]
    catch_up: bool
    stop_at: float
    rec: Recorder
    client: httpx.AsyncClient
    conversation_id: str | None = None
    token: str | None = None
    cursor: int = 0
    asked: int = 0
    last_sent: float = float("-inf")

    def next_question(self) -> str:
        text = self.questions[self.asked % len(self.questions)]
        self.asked += 1
        return text

    def body(self, text: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "text": text,
            "client_message_id": uuid.UUID(int=self.rng.getrandbits(128)).hex,
            "timezone": TIMEZONE,
        }
        if self.explicit:
            body["language"] = self.language
        else:
            body["locale"] = self.language
        return body

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def pace(self) -> bool:
        """Think, and keep under the per-visitor limit; False once the run is over."""
        wait = self.rng.uniform(*self.think)
        wait = max(wait, self.last_sent + MIN_SEND_INTERVAL - time.perf_counter())
        if time.perf_counter() + wait >= self.stop_at:
            return False
        await asyncio.sleep(wait)
        return True

    async def run(self, ramp: float) -> None:
        await asyncio.sleep(self.rng.uniform(0, ramp))
        while time.perf_counter() < self.stop_at:
            self.conversation_id, self.token, self.cursor = None, None, 0
            with contextlib.suppress(ConversationOverError):
                await self.converse()
            if not await self.pace():
                return

    async def converse(self) -> None:
        await self.rest_message()  # the first message is always REST: it gets the token
        self.rec.conversations += 1
        if self.websocket:
            await self.converse_ws()
            return
        while await self.pace():
            await self.rest_message()

    def answered(self, result: dict[str, Any]) -> None:
        self.conversation_id = str(result["conversation_id"])
        self.token = str(result["token"])

    async def after_answer(self, result: dict[str, Any]) -> None:
        if self.catch_up:
            await self.transcript()
        if result.get("mode") == "human":
            self.rec.handoffs += 1
            raise ConversationOverError

    async def rest_message(self) -> None:
        body = self.body(self.next_question())
        if self.conversation_id:
            body["conversation_id"] = self.conversation_id
        self.last_sent = time.perf_counter()
        r = await self.timed(
            "message", "POST", f"{self.gateway}/api/v1/messages", json=body, headers=self.headers()
        )
        result = r.json()
        self.answered(result)
        await self.after_answer(result)

    async def timed(self, kind: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One REST request, recorded as a sample; a failure ends the conversation."""
        sent = time.perf_counter()
        try:
            r = await self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            status = "timeout" if isinstance(exc, httpx.TimeoutException) else "transport"
            self.rec.add(Sample(kind, "rest", sent, time.perf_counter(), False, status), repr(exc))
            raise ConversationOverError from exc
        ok = r.is_success
        self.rec.add(
            Sample(kind, "rest", sent, time.perf_counter(), ok, str(r.status_code)),
            "" if ok else r.text,
        )
        if not ok:
            raise ConversationOverError
        return r

    async def transcript(self) -> None:
        r = await self.timed(
            "transcript",
            "GET",
            f"{self.gateway}/api/v1/conversations/{self.conversation_id}/messages",
            params={"after": self.cursor},
            headers=self.headers(),
        )
        self.cursor = int(r.json()["cursor"])

    async def converse_ws(self) -> None:
        url = self.gateway.replace("http", "ws", 1) + "/api/v1/ws"
        try:
            async with connect(url, open_timeout=REQUEST_TIMEOUT, max_size=2**20) as ws:
                await ws.send(
                    json.dumps(
                        {
                            "type": "hello",
                            "conversation_id": self.conversation_id,
                            "token": self.token,
                        }
                    )
                )
                await asyncio.wait_for(self.ws_frame(ws, {"ready"}), REQUEST_TIMEOUT)
                while await self.pace():
                    await self.ws_message(ws)
        except (OSError, TimeoutError, WebSocketException) as exc:
            now = time.perf_counter()
            self.rec.add(Sample("message", "ws", now, now, False, "ws:connection"), repr(exc))
            raise ConversationOverError from exc

    @staticmethod
    async def ws_frame(ws: ClientConnection, types: set[str]) -> dict[str, Any]:
        """The next frame of one of ``types`` (or an error frame); others are skipped."""
        while True:
            frame = json.loads(await ws.recv())
            if frame.get("type") in types or frame.get("type") == "error":
                return dict(frame)

    async def ws_message(self, ws: ClientConnection) -> None:
        body = self.body(self.next_question())
        self.last_sent = sent = time.perf_counter()
        await ws.send(json.dumps({"type": "message", **body}))
        try:
            frame = await asyncio.wait_for(self.ws_frame(ws, {"result"}), REQUEST_TIMEOUT)
        except TimeoutError as exc:
            self.rec.add(Sample("message", "ws", sent, time.perf_counter(), False, "timeout"))
            raise ConversationOverError from exc
        if frame["type"] == "error":
            self.rec.add(
                Sample("message", "ws", sent, time.perf_counter(), False, f"ws:{frame['code']}"),
                str(frame.get("message", "")),
            )
            raise ConversationOverError
        self.rec.add(Sample("message", "ws", sent, time.perf_counter(), True, "result"))
        await self.after_answer(frame["result"])


# --- memory and CPU of the services ----------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def proc_status(pid: int, key: str) -> int:
    """A ``kB`` field of ``/proc/<pid>/status`` (0 if the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def proc_stat(pid: int) -> list[str] | None:
    """Fields of ``/proc/<pid>/stat`` after the command name (field 3 onwards)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()


def process_tree(root: int) -> list[int]:
    """``root`` and all its descendants (from the parent ids in ``/proc/*/stat``)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            fields = proc_stat(int(entry.name))
            if fields is not None:
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    tree: list[int] = []
    todo = [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = proc_stat(pid)
        if fields is not None:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


class ResourceSampler(threading.Thread):
    """Samples each service's RSS (process plus children) every ``interval`` seconds."""

    def __init__(self, roots: dict[str, int], interval: float = 0.5) -> None:
        super().__init__(name="rss-sampler", daemon=True)
        self.roots = roots
        self.interval = interval
        self.halt = threading.Event()
        self.lock = threading.Lock()
        self.idle_kb = {name: self.rss_kb(pid) for name, pid in roots.items()}
        self.peak_kb = dict(self.idle_kb)
        self.processes = {name: 1 for name in roots}

    @staticmethod
    def rss_kb(root: int) -> int:
        return sum(proc_status(pid, "VmRSS") for pid in process_tree(root))

    def run(self) -> None:
        while not self.halt.wait(self.interval):
            for name, root in self.roots.items():
                tree = process_tree(root)
                rss = sum(proc_status(pid, "VmRSS") for pid in tree)
                with self.lock:
                    self.peak_kb[name] = max(self.peak_kb[name], rss)
                    self.processes[name] = max(self.processes[name], len(tree))

    def cpu(self) -> dict[str, float]:
        return {name: cpu_seconds(process_tree(root)) for name, root in self.roots.items()}

    def finish(self) -> dict[str, dict[str, float | int]]:
        self.halt.set()
        self.join()
        report: dict[str, dict[str, float | int]] = {}
        for name, root in self.roots.items():
            tree = process_tree(root)
            report[name] = {
                "pid": root,
                "processes": self.processes[name],
                "rss_idle_mb": round(self.idle_kb[name] / 1024, 1),
                "rss_peak_mb": round(self.peak_kb[name] / 1024, 1),
                "vm_hwm_mb": round(sum(proc_status(p, "VmHWM") for p in tree) / 1024, 1),
            }
        return report


# --- the run ---------------------------------------------------------------------------------


def load_questions() -> dict[str, list[str]]:
    by_language: dict[str, list[str]] = {}
    for q in read_questions(DEV_SET):
        by_language.setdefault(q.lang, []).append(q.q)
    return by_language


async def drive(
    gateway: str, args: argparse.Namespace, sampler: ResourceSampler
) -> tuple[Recorder, dict[str, Any]]:
    questions = load_questions()
    languages = sorted(questions)
    master = random.Random(args.seed)
    # At least one WebSocket visitor when the share is not 0, spread evenly over the visitors.
    ws_count = min(args.visitors, max(1, round(args.visitors * args.ws_share)))
    on_ws = (
        {int((i + 0.5) * args.visitors / ws_count) for i in range(ws_count)}
        if args.ws_share > 0
        else set()
    )
    rec = Recorder()
    start = rec.started
    window_start = start + args.warmup
    stop_at = window_start + args.duration
    limits = httpx.Limits(
        max_connections=args.visitors * 2, max_keepalive_connections=args.visitors
    )
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT, limits=limits) as client:
        visitors = []
        for n in range(args.visitors):
            rng = random.Random(master.getrandbits(64))
            language = languages[n % len(languages)]
            pool = list(questions[language])
            rng.shuffle(pool)
            visitors.append(
                Visitor(
                    n=n,
                    gateway=gateway,
                    language=language,
                    explicit=n % 2 == 0,
                    websocket=n in on_ws,
                    questions=pool,
                    rng=rng,
                    think=(args.think[0], args.think[1]),
                    catch_up=args.catch_up,
                    stop_at=stop_at,
                    rec=rec,
                    client=client,
                )
            )
        ramp = min(args.warmup, args.think[1])
        cpu_before: dict[str, float] = {}
        own_cpu_before = 0.0

        async def mark_window() -> None:
            nonlocal cpu_before, own_cpu_before
            await asyncio.sleep(max(0.0, window_start - time.perf_counter()))
            cpu_before = sampler.cpu()
            own_cpu_before = time.process_time()

        marker = asyncio.create_task(mark_window())
        tasks = [asyncio.create_task(v.run(ramp)) for v in visitors]
        # Messages still in flight at the end are waited for (their latency counts), not cut.
        await asyncio.wait(tasks, timeout=args.warmup + args.duration + REQUEST_TIMEOUT * 2)
        window_end = stop_at
        await marker
        cpu_after = sampler.cpu()
        own_cpu = time.process_time() - own_cpu_before
        for task in tasks:
            task.cancel()
    window = window_end - window_start
    cpu = {
        name: round(100 * (cpu_after[name] - cpu_before.get(name, 0.0)) / window, 1)
        for name in cpu_after
    }
    cpu["load_generator"] = round(100 * own_cpu / window, 1)
    timing = {
        "window_start": window_start,
        "window_end": window_end,
        "window_s": round(window, 1),
        "ws_visitors": sum(v.websocket for v in visitors),
        "cpu_percent": cpu,
    }
    return rec, timing


def summarise(rec: Recorder, timing: dict[str, Any]) -> dict[str, Any]:
    start, end = timing["window_start"], timing["window_end"]
    messages = [s for s in rec.samples if s.kind == "message"]
    answered = [s for s in messages if s.ok and start <= s.done <= end]
    measured = [s for s in messages if s.ok and s.sent >= start]
    transcripts = [s for s in rec.samples if s.kind == "transcript" and s.ok and s.sent >= start]
    errors = [s for s in rec.samples if not s.ok]
    by_status: dict[str, int] = {}
    for s in errors:
        key = f"{s.kind} {s.transport} {s.status}"
        by_status[key] = by_status.get(key, 0) + 1
    return {
        "messages_answered": len(answered),
        "messages_per_second": round(len(answered) / timing["window_s"], 2),
        "latency_ms": latency_summary([s.ms for s in measured], tail=True),
        "latency_ms_by_transport": {
            t: latency_summary([s.ms for s in measured if s.transport == t], tail=True)
            for t in ("rest", "ws")
        },
        "transcript_ms": latency_summary([s.ms for s in transcripts], tail=True),
        "messages_total": len(messages),
        "conversations": rec.conversations,
        "handoffs": rec.handoffs,
        "errors": len(errors),
        "errors_by_kind": by_status,
        "error_examples": rec.examples,
    }


def think_range(value: str) -> tuple[float, float]:
    low, _, high = value.partition("-")
    lo, hi = float(low), float(high or low)
    if not 0 <= lo <= hi:
        raise argparse.ArgumentTypeError("--think needs MIN-MAX seconds with 0 <= MIN <= MAX")
    return lo, hi


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=32)
    parser.add_argument("--duration", type=float, default=120.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds before measuring")
    parser.add_argument(
        "--think", type=think_range, default=(2.0, 6.0), help="MIN-MAX seconds (default 2-6)"
    )
    parser.add_argument("--seed", type=int, default=20250)
    parser.add_argument(
        "--ws-share", type=float, default=0.1, help="share of visitors on the WebSocket"
    )
    parser.add_argument(
        "--no-catch-up",
        dest="catch_up",
        action="store_false",
        help="do not fetch the transcript after each answer",
    )
    parser.add_argument(
        "--model", type=Path, help="trained Rasa model (default: the one for the current sources)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "load.json")
    args = parser.parse_args()
    if args.visitors < 1 or args.duration <= 0 or args.warmup < 0:
        parser.error("need --visitors >= 1, --duration > 0, --warmup >= 0")

    model = (args.model or rasa_model_path()).resolve()
    if not model.is_file():
        # Rasa would start without an agent and never become ready: say so at once.
        parser.error(f"no Rasa model at {model}: run `make rasa-model` or pass --model")

    with tempfile.TemporaryDirectory() as tmp:
        stack = FullStack(Path(tmp), extra_env={"LOG_LEVEL": "WARNING", **RAISED_IP_LIMITS})
        print("starting Rasa, the action server and the gateway ...", flush=True)
        stack.start(model)
        try:
            roots = {}
            for p in stack.processes:
                assert p.process is not None
                roots[p.name] = p.process.pid
            sampler = ResourceSampler(roots)
            sampler.start()
            print(
                f"{args.visitors} visitors: {args.warmup:.0f} s warm-up, "
                f"{args.duration:.0f} s measured ...",
                flush=True,
            )
            rec, timing = asyncio.run(drive(stack.gateway_url, args, sampler))
            memory = sampler.finish()
            summary = summarise(rec, timing)
            if summary["errors"]:
                for p in stack.processes:
                    print(f"--- {p.name} log (tail) ---\n{p.tail(15)}", file=sys.stderr)
        finally:
            stack.stop()

    result = {
        "benchmark": "load",
        "settings": {
            "visitors": args.visitors,
            "websocket_visitors": timing["ws_visitors"],
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "think_s": list(args.think),
            "seed": args.seed,
            "catch_up": args.catch_up,
            "model": model.name,
        },
        **summary,
        "cpu_percent": timing["cpu_percent"],
        "memory_mb": memory,
        "machine": describe_machine(),
    }
    print_table(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(saved(args.out))
    return 1 if summary["errors"] or not summary["messages_answered"] else 0


def print_table(result: dict[str, Any]) -> None:
    s, m = result["settings"], result["machine"]
    lat = result["latency_ms"]
    print(
        f"\n{s['visitors']} visitors ({s['websocket_visitors']} on the WebSocket), "
        f"{s['duration_s']:.0f} s measured after {s['warmup_s']:.0f} s warm-up, "
        f"think {s['think_s'][0]:g}-{s['think_s'][1]:g} s"
    )
    print(f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, {m['os']}")
    print(
        f"answered {result['messages_answered']} messages: "
        f"{result['messages_per_second']} /s; {result['conversations']} conversations, "
        f"{result['handoffs']} handed to an officer"
    )
    print(f"{'latency ms':<18}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}{'n':>7}")
    rows = [("message", lat)]
    rows += [(f"  {t}", v) for t, v in result["latency_ms_by_transport"].items() if v["samples"]]
    if result["transcript_ms"]["samples"]:
        rows.append(("transcript GET", result["transcript_ms"]))
    for label, row in rows:
        print(
            f"{label:<18}{row.get('p50', '-'):>8}{row.get('p95', '-'):>8}"
            f"{row.get('p99', '-'):>8}{row.get('max', '-'):>8}{row['samples']:>7}"
        )
    print(f"errors: {result['errors']} {result['errors_by_kind'] or ''}")
    for example in result["error_examples"][:3]:
        print(f"  e.g. {example}")
    print(f"{'process':<16}{'idle MB':>9}{'peak MB':>9}{'HWM MB':>9}{'CPU %':>8}")
    for name, mem in result["memory_mb"].items():
        print(
            f"{name:<16}{mem['rss_idle_mb']:>9}{mem['rss_peak_mb']:>9}{mem['vm_hwm_mb']:>9}"
            f"{result['cpu_percent'].get(name, '-'):>8}"
        )
    print(f"{'load_generator':<16}{'':>27}{result['cpu_percent']['load_generator']:>8}")


if __name__ == "__main__":
    sys.exit(main())
