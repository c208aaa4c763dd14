from __future__ import annotations

import pytest

from index.evaluation import LabelledQuestion, Outcome, calibrate, latency_ms, metrics
from index.scoring import Thresholds


def _outcome(expected: str | None, ranking: tuple[str, ...], score: float) -> Outcome:
    q = LabelledQuestion("q", "en", frozenset([expected]) if expected else frozenset())
    return Outcome(q, ranking, score, 0.01)


def test_metrics_count_ranks_answers_and_rejections() -> None:
    outcomes = [
        _outcome("a", ("a", "b"), 0.9),
        _outcome("b", ("a", "b"), 0.9),  # right article second: a wrong answer
        _outcome("c", ("x", "y", "z"), 0.5),  # not found at all, below threshold
        _outcome(None, ("a",), 0.6),  # rejected
        _outcome(None, ("a",), 0.85),  # answered although out of scope
    ]
    m = metrics(outcomes, Thresholds(0.8))
    assert m.in_scope == 3
    assert m.out_of_scope == 2
    assert m.top1 == pytest.approx(1 / 3)
    assert m.top3 == pytest.approx(2 / 3)
    assert m.mrr == pytest.approx((1 + 0.5) / 3)
    assert m.answered == pytest.approx(1 / 3)
    assert m.rejected == pytest.approx(0.5)
    assert m.wrong_answers == 2


def test_calibration_puts_the_threshold_in_the_gap() -> None:
    outcomes = [
        _outcome("a", ("a",), 0.91),
        _outcome("a", ("a",), 0.88),
        _outcome(None, ("a",), 0.80),
        _outcome(None, ("a",), 0.70),
    ]
    thresholds, summary = calibrate(outcomes)
    assert 0.80 < thresholds.relative < 0.88
    assert summary["oos_rejected"] == 1.0
    assert summary["answered_correctly"] == 1.0


def test_calibration_needs_both_kinds() -> None:
    with pytest.raises(ValueError, match="both"):
        calibrate([_outcome("a", ("a",), 0.9)])


def test_latency_percentiles() -> None:
    outcomes = [
        Outcome(LabelledQuestion("q", "en", frozenset()), (), 0, s / 1000) for s in range(1, 101)
    ]
    lat = latency_ms(outcomes)
    assert lat["p50"] == pytest.approx(50.5)
    assert lat["p95"] == pytest.approx(95.05)


def test_a_wrong_answer_costs_more_than_a_refusal() -> None:
    # Moving the threshold below 0.80 would answer one more in-scope question correctly but
    # also accept one out-of-scope question: with wrong answers costing double, it stays above.
    outcomes = [
        _outcome("a", ("a",), 0.95),
        _outcome("a", ("a",), 0.78),
        _outcome(None, ("a",), 0.80),
        _outcome(None, ("a",), 0.60),
    ]
    thresholds, summary = calibrate(outcomes)
    assert 0.80 < thresholds.relative < 0.95
    assert summary["oos_rejected"] == 1.0
    assert summary["answered_correctly"] == 0.5


def test_the_absolute_rule_rescues_questions_close_to_everything() -> None:
    # Two in-scope questions with a small relative margin but a very high absolute score
    # (questions about what every article mentions), and out-of-scope ones with neither.
    def out(expected: str | None, relative: float, absolute: float) -> Outcome:
        q = LabelledQuestion("q", "en", frozenset([expected]) if expected else frozenset())
        return Outcome(q, ("a",), relative, 0.01, top_absolute=absolute)

    outcomes = [
        out("a", 0.20, 0.90),
        out("a", 0.18, 0.92),
        out("a", 0.04, 1.05),  # close to everything, yet a near-verbatim match
        out(None, 0.06, 0.88),
        out(None, 0.05, 0.91),
    ]
    thresholds, summary = calibrate(outcomes)
    assert 0.06 < thresholds.relative < 0.18
    assert 0.92 < thresholds.absolute < 1.05
    assert summary["answered_correctly"] == 1.0
    assert summary["oos_rejected"] == 1.0
