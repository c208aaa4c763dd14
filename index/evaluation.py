"""Labelled questions, retrieval metrics and threshold calibration.

A labelled question is one JSON object per line::

    {"q": "롱안은 지금 어느 성인가요?", "lang": "ko", "expected": "merger-2025"}
    {"q": "Best pho in Hanoi?", "lang": "en", "expected": null}

``expected`` is an article id, a list of acceptable ids, or ``null`` for a question the
knowledge base cannot answer (out of scope).
"""

from __future__ import annotations

import itertools
import json
import statistics
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from index.retriever import ArticleScore
from index.scoring import ABSOLUTE_OFF, Thresholds


class Scorer(Protocol):
    def score_articles(self, query: str) -> list[ArticleScore]: ...


@dataclass(frozen=True)
class LabelledQuestion:
    q: str
    lang: str
    expected: frozenset[str]
    kind: str = ""

    @property
    def in_scope(self) -> bool:
        return bool(self.expected)


@dataclass(frozen=True)
class Outcome:
    """What retrieval did with one labelled question."""

    question: LabelledQuestion
    ranking: tuple[str, ...]
    top_score: float
    seconds: float
    top_absolute: float = float("-inf")

    def accepted(self, thresholds: Thresholds) -> bool:
        return thresholds.accepts(self.top_score, self.top_absolute)

    @property
    def rank(self) -> int | None:
        """1-based rank of the first acceptable article, or None."""
        for i, article_id in enumerate(self.ranking, start=1):
            if article_id in self.question.expected:
                return i
        return None


def read_questions(path: Path) -> list[LabelledQuestion]:
    """Read a JSONL file of labelled questions (blank lines ignored)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        expected = raw.get("expected")
        ids = expected if isinstance(expected, list) else ([expected] if expected else [])
        out.append(LabelledQuestion(raw["q"], raw["lang"], frozenset(ids), raw.get("kind", "")))
    return out


def run(scorer: Scorer, questions: Iterable[LabelledQuestion], depth: int = 10) -> list[Outcome]:
    """Score every question and keep the top ``depth`` article ids."""
    outcomes = []
    for question in questions:
        start = time.perf_counter()
        scored = scorer.score_articles(question.q)
        seconds = time.perf_counter() - start
        outcomes.append(
            Outcome(
                question=question,
                ranking=tuple(s.article_id for s in scored[:depth]),
                top_score=scored[0].score if scored else float("-inf"),
                seconds=seconds,
                top_absolute=scored[0].absolute if scored else float("-inf"),
            )
        )
    return outcomes


@dataclass
class Metrics:
    """Retrieval quality for one slice (a language, or everything)."""

    questions: int = 0
    in_scope: int = 0
    top1: float = 0.0
    top3: float = 0.0
    mrr: float = 0.0
    answered: float = 0.0
    wrong_answers: int = 0
    out_of_scope: int = 0
    rejected: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "questions": self.questions,
            "in_scope": self.in_scope,
            "top1": round(self.top1, 4),
            "top3": round(self.top3, 4),
            "mrr": round(self.mrr, 4),
            "answered_correctly": round(self.answered, 4),
            "wrong_answers": self.wrong_answers,
            "out_of_scope": self.out_of_scope,
            "oos_rejected": round(self.rejected, 4),
            **self.extra,
        }


def metrics(outcomes: Sequence[Outcome], thresholds: Thresholds) -> Metrics:
    """Top-1/top-3/MRR over in-scope questions; rejection rate over out-of-scope ones.

    ``answered`` is the share of in-scope questions whose top article is right *and* is
    accepted by the thresholds (what a visitor experiences); ``wrong_answers`` counts questions
    of either kind that would be answered with an article that is not acceptable.
    """
    m = Metrics(questions=len(outcomes))
    inside = [o for o in outcomes if o.question.in_scope]
    outside = [o for o in outcomes if not o.question.in_scope]
    m.in_scope, m.out_of_scope = len(inside), len(outside)
    if inside:
        ranks = [o.rank for o in inside]
        m.top1 = sum(r == 1 for r in ranks) / len(inside)
        m.top3 = sum(r is not None and r <= 3 for r in ranks) / len(inside)
        m.mrr = sum(1 / r for r in ranks if r) / len(inside)
        m.answered = sum(o.rank == 1 and o.accepted(thresholds) for o in inside) / len(inside)
    if outside:
        m.rejected = sum(not o.accepted(thresholds) for o in outside) / len(outside)
    m.wrong_answers = sum(o.accepted(thresholds) and o.rank != 1 for o in outcomes)
    return m


def by_language(outcomes: Sequence[Outcome], thresholds: Thresholds) -> dict[str, Metrics]:
    """Metrics per language plus an ``all`` row."""
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[outcome.question.lang].append(outcome)
    table = {lang: metrics(group, thresholds) for lang, group in sorted(groups.items())}
    table["all"] = metrics(outcomes, thresholds)
    return table


# A wrong answer (an unrelated article, or any article for an out-of-scope question) costs
# twice as much as an honest "I don't know, an officer can help": the visitor who gets the
# latter loses a minute, the one who gets the former may act on it.
WRONG_ANSWER_COST = 2.0


def calibrate(outcomes: Sequence[Outcome]) -> tuple[Thresholds, dict[str, Any]]:
    """Choose the thresholds that best separate answerable from unanswerable questions.

    The thresholds minimise an expected cost per question: refusing an answerable question
    costs 1, answering with a wrong article costs :data:`WRONG_ANSWER_COST`; rates are taken
    within the in-scope and the out-of-scope group so that neither group's size dominates.
    For every candidate absolute threshold (including "off") the best relative threshold is
    found; of the absolute thresholds reaching the lowest cost, the middle of the widest run is
    taken, and likewise for the relative threshold: both then keep the most margin on both
    sides.

    Returns:
        The thresholds and a summary of the calibration for the manifest.
    """
    inside = [o for o in outcomes if o.question.in_scope]
    outside = [o for o in outcomes if not o.question.in_scope]
    if not inside or not outside:
        raise ValueError("calibration needs both in-scope and out-of-scope questions")
    absolutes = [
        ABSOLUTE_OFF,
        *sorted(_midpoints([o.top_absolute for o in outcomes]), reverse=True),
    ]
    best: tuple[float, Thresholds] | None = None
    for absolute in absolutes:
        cost, relative = _best_relative(inside, outside, absolute)
        if best is None or cost < best[0] - 1e-12:
            best = (cost, Thresholds(relative, absolute))
    assert best is not None
    cost, thresholds = best
    summary = metrics(outcomes, thresholds).to_json()
    summary["cost"] = round(cost, 4)
    summary["questions"] = len(outcomes)
    return thresholds, summary


def _cost(inside: Sequence[Outcome], outside: Sequence[Outcome], t: Thresholds) -> float:
    refused = sum(not o.accepted(t) for o in inside) / len(inside)
    wrong = sum(o.accepted(t) and o.rank != 1 for o in inside) / len(inside)
    accepted = sum(o.accepted(t) for o in outside) / len(outside)
    return refused + WRONG_ANSWER_COST * (wrong + accepted)


def _best_relative(
    inside: Sequence[Outcome], outside: Sequence[Outcome], absolute: float
) -> tuple[float, float]:
    candidates = _midpoints([o.top_score for o in [*inside, *outside]])
    costs = [_cost(inside, outside, Thresholds(c, absolute)) for c in candidates]
    return min(costs), _middle_of_widest_run(candidates, costs)


def _middle_of_widest_run(candidates: Sequence[float], costs: Sequence[float]) -> float:
    """The midpoint of the widest run of consecutive (sorted) candidates at the lowest cost."""
    lowest = min(costs)
    runs: list[tuple[int, int]] = []
    start = None
    for i, value in enumerate([*costs, float("inf")]):
        if abs(value - lowest) < 1e-12 and start is None:
            start = i
        elif abs(value - lowest) >= 1e-12 and start is not None:
            runs.append((start, i - 1))
            start = None
    lo, hi = max(runs, key=lambda r: candidates[r[1]] - candidates[r[0]])
    if candidates[hi] >= ABSOLUTE_OFF:
        # A run reaching "off" keeps the rule off rather than landing between real scores and 9.
        return ABSOLUTE_OFF if candidates[lo] >= ABSOLUTE_OFF else candidates[hi]
    return (candidates[lo] + candidates[hi]) / 2


def _midpoints(values: Sequence[float]) -> list[float]:
    """Thresholds between consecutive distinct values, plus one below and one above all."""
    ordered = sorted({v for v in values if v != float("-inf")})
    if not ordered:
        return [0.0]
    middle = [(a + b) / 2 for a, b in itertools.pairwise(ordered)]
    return [ordered[0] - 1e-6, *middle, ordered[-1] + 1e-6]


def latency_ms(outcomes: Sequence[Outcome]) -> dict[str, float]:
    """p50 / p95 / mean query time in milliseconds."""
    times = sorted(o.seconds * 1000 for o in outcomes)
    if not times:
        return {"p50": 0.0, "p95": 0.0, "mean": 0.0}
    return {
        "p50": round(_percentile(times, 50), 2),
        "p95": round(_percentile(times, 95), 2),
        "mean": round(statistics.fmean(times), 2),
    }


def _percentile(sorted_values: Sequence[float], pct: float) -> float:
    if len(sorted_values) == 1:
        return sorted_values[0]
    pos = (len(sorted_values) - 1) * pct / 100
    low = int(pos)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (pos - low)
