"""Intent accuracy on the held-out set, and Rasa REST round-trip latency.

Starts the real Rasa server and action server (the trained model from ``make rasa-model`` and
the index from ``make index``), then:

* classifies every held-out example through ``/model/parse`` and prints accuracy per language
  (``nlu_fallback`` counts as wrong) and the most frequent confusions;
* sends knowledge questions from the retrieval dev set through the REST channel one at a time
  (action server + retrieval included) and prints p50 / p95 latency.

    .venv/bin/python benchmarks/nlu.py
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.common import RESULTS, ROOT, knowledge_questions, latency_summary, saved
from benchmarks.machine import describe_machine
from index.evaluation import LabelledQuestion
from tests.support.processes import DialogueStack, rasa_model_path

HELD_OUT = ROOT / "benchmarks" / "data" / "nlu_heldout.jsonl"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency-questions", type=int, default=120)
    parser.add_argument("--out", type=Path, default=RESULTS / "nlu.json")
    args = parser.parse_args()

    model = rasa_model_path()
    if not model.exists():
        print(f"no trained model at {model}: run `make rasa-model`", file=sys.stderr)
        return 2
    examples = [json.loads(x) for x in HELD_OUT.read_text(encoding="utf-8").splitlines() if x]
    questions = knowledge_questions(args.latency_questions)

    with tempfile.TemporaryDirectory() as tmp:
        stack = DialogueStack(Path(tmp))
        stack.start(model)
        try:
            accuracy, confusions = _intents(stack, examples)
            latency = _latency(stack, questions)
        finally:
            stack.stop()

    result = {
        "benchmark": "nlu",
        "model": model.name,
        "held_out_examples": len(examples),
        "intent_accuracy": accuracy,
        "top_confusions": confusions,
        "rest_round_trip_ms": latency,
        "machine": describe_machine(),
    }
    print(f"intent accuracy on {len(examples)} held-out examples (model {model.name})")
    print(f"{'lang':<6}{'n':>5}{'accuracy':>10}")
    for lang, row in accuracy.items():
        print(f"{lang:<6}{row['n']:>5}{row['accuracy']:>10.1%}")
    print("most frequent confusions (expected -> predicted):")
    for c in confusions[:8]:
        print(f"  {c['expected']} -> {c['predicted']}: {c['count']}")
    print(
        f"REST round trip, knowledge questions: p50 {latency['p50']} ms, "
        f"p95 {latency['p95']} ms over {latency['samples']} questions"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(saved(args.out))
    return 0


def _intents(stack: DialogueStack, examples: list[dict[str, str]]) -> tuple[dict, list]:
    per_lang: dict[str, list[bool]] = collections.defaultdict(list)
    confusions: collections.Counter[tuple[str, str]] = collections.Counter()
    with httpx.Client(timeout=30) as client:
        for ex in examples:
            r = client.post(
                f"{stack.rasa_url}/model/parse",
                params={"token": stack.rasa_token},
                json={"text": ex["text"]},
            )
            r.raise_for_status()
            predicted = r.json()["intent"]["name"]
            ok = predicted == ex["intent"]
            per_lang[ex["lang"]].append(ok)
            if not ok:
                confusions[(ex["intent"], predicted)] += 1
    table = {
        lang: {"n": len(v), "accuracy": round(sum(v) / len(v), 4)}
        for lang, v in sorted(per_lang.items())
    }
    everything = [ok for v in per_lang.values() for ok in v]
    table["all"] = {"n": len(everything), "accuracy": round(sum(everything) / len(everything), 4)}
    ranked = [
        {"expected": e, "predicted": p, "count": n} for (e, p), n in confusions.most_common(20)
    ]
    return table, ranked


def _latency(stack: DialogueStack, questions: list[LabelledQuestion]) -> dict[str, float]:
    times = []
    with httpx.Client(timeout=60) as client:
        for i, q in enumerate(questions):
            start = time.perf_counter()
            r = client.post(
                f"{stack.rasa_url}/webhooks/rest/webhook",
                json={
                    "sender": f"bench-{i}",
                    "message": q.q,
                    "metadata": {"language": q.lang},
                },
            )
            r.raise_for_status()
            times.append((time.perf_counter() - start) * 1000)
    return latency_summary(times[5:] if len(times) > 10 else times)  # first calls warm caches


if __name__ == "__main__":
    sys.exit(main())
