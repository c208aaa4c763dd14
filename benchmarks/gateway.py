"""Gateway latency and throughput with the full stack up.

For the same knowledge questions, one at a time, it times

* the Rasa REST call alone (what the dialogue costs: NLU, action server, retrieval), and
* ``POST /api/v1/messages`` on the gateway (storage, language policy, the Rasa call, replies),

so the difference is the gateway's own overhead. Then 8 concurrent visitors send knowledge
questions for a fixed time, each in a new conversation (a conversation a question hands to an
officer would stop reaching the bot), to measure sustained messages per second.

    .venv/bin/python benchmarks/gateway.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.common import RESULTS, knowledge_questions, latency_summary, saved
from benchmarks.machine import describe_machine
from index.evaluation import LabelledQuestion
from tests.support.processes import FullStack, rasa_model_path


async def sequential(stack: FullStack, questions: list[LabelledQuestion]) -> dict[str, object]:
    rasa_ms: list[float] = []
    gateway_ms: list[float] = []
    async with httpx.AsyncClient(timeout=60) as client:
        for i, q in enumerate(questions):
            start = time.perf_counter()
            r = await client.post(
                f"{stack.rasa_url}/webhooks/rest/webhook",
                json={
                    "sender": f"bench-r{i}",
                    "message": q.q,
                    "metadata": {"language": q.lang},
                },
            )
            r.raise_for_status()
            rasa_ms.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            g = await client.post(
                f"{stack.gateway_url}/api/v1/messages",
                json={"text": q.q, "language": q.lang},
            )
            g.raise_for_status()
            gateway_ms.append((time.perf_counter() - start) * 1000)
    warm = 5  # the first calls fill caches
    overhead = [g - r for g, r in zip(gateway_ms[warm:], rasa_ms[warm:], strict=True)]
    return {
        "rasa_rest_ms": latency_summary(rasa_ms[warm:]),
        "gateway_ms": latency_summary(gateway_ms[warm:]),
        "gateway_overhead_ms": latency_summary(overhead),
    }


async def concurrent(
    stack: FullStack, questions: list[LabelledQuestion], visitors: int, seconds: float
) -> dict[str, object]:
    done: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds

    async def visitor(n: int) -> None:
        nonlocal errors
        i = n
        async with httpx.AsyncClient(timeout=60) as client:
            while time.monotonic() < deadline:
                q = questions[i % len(questions)]
                body: dict[str, object] = {"text": q.q, "language": q.lang}
                headers: dict[str, str] = {}
                start = time.perf_counter()
                r = await client.post(
                    f"{stack.gateway_url}/api/v1/messages", json=body, headers=headers
                )
                if r.status_code != 200:
                    errors += 1
                else:
                    done.append((time.perf_counter() - start) * 1000)
                i += visitors

    started = time.monotonic()
    await asyncio.gather(*(visitor(n) for n in range(visitors)))
    elapsed = time.monotonic() - started
    return {
        "visitors": visitors,
        "seconds": round(elapsed, 1),
        "messages": len(done),
        "messages_per_second": round(len(done) / elapsed, 2),
        "latency_ms": latency_summary(done),
        "errors": errors,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--visitors", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--out", type=Path, default=RESULTS / "gateway.json")
    args = parser.parse_args()
    questions = knowledge_questions(args.questions)
    with tempfile.TemporaryDirectory() as tmp:
        stack = FullStack(Path(tmp), extra_env={"LOG_LEVEL": "WARNING"})
        stack.start(rasa_model_path())
        try:
            seq = asyncio.run(sequential(stack, questions))
            load = asyncio.run(concurrent(stack, questions, args.visitors, args.seconds))
        finally:
            stack.stop()
    result = {"benchmark": "gateway", **seq, "concurrent": load, "machine": describe_machine()}
    print(f"knowledge questions, one at a time ({seq['rasa_rest_ms']['samples']} measured):")
    for key in ("rasa_rest_ms", "gateway_ms", "gateway_overhead_ms"):
        row = seq[key]
        print(f"  {key:<22} p50 {row['p50']:>7} ms   p95 {row['p95']:>7} ms")
    print(
        f"{load['visitors']} concurrent visitors for {load['seconds']} s: "
        f"{load['messages_per_second']} messages/s, p50 {load['latency_ms'].get('p50')} ms, "
        f"p95 {load['latency_ms'].get('p95')} ms, errors {load['errors']}"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(saved(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
