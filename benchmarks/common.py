"""What the benchmarks share: where things are, the dev questions, and latency summaries."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.evaluation import LabelledQuestion, read_questions

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
DEV_SET = ROOT / "benchmarks" / "data" / "retrieval_dev.jsonl"


def saved(path: Path) -> str:
    """``saved <path>``, relative to the repository when the file is inside it."""
    full = path.resolve()
    return f"saved {full.relative_to(ROOT) if full.is_relative_to(ROOT) else full}"


def knowledge_questions(limit: int | None = None) -> list[LabelledQuestion]:
    """The dev questions that have an answer in the knowledge base, in file order."""
    return [q for q in read_questions(DEV_SET) if q.in_scope][:limit]


def latency_summary(
    values_ms: Sequence[float], *, digits: int = 1, tail: bool = False
) -> dict[str, float | int]:
    """p50 / p95 (with ``tail``: p99 and max) / mean in milliseconds, and the sample count."""
    if not values_ms:
        return {"samples": 0}
    arr = np.asarray(values_ms, dtype=float)
    out: dict[str, float | int] = {
        "p50": round(float(np.percentile(arr, 50)), digits),
        "p95": round(float(np.percentile(arr, 95)), digits),
    }
    if tail:
        out["p99"] = round(float(np.percentile(arr, 99)), digits)
        out["max"] = round(float(arr.max()), digits)
    out["mean"] = round(float(arr.mean()), digits)
    out["samples"] = int(arr.size)
    return out
