from __future__ import annotations

from domain_builders import AS_OF, run, steady_weeks

from coaching.domain.evaluate import evaluate
from coaching.domain.model import Evidence, Severity
from coaching.domain.thresholds import DEFAULT_THRESHOLDS


def _spikes(activities, thresholds=DEFAULT_THRESHOLDS):
    evaluation = evaluate(activities, AS_OF, thresholds=thresholds)
    return [f for f in evaluation.findings if f.rule == "long-run-spike"], evaluation


def _base() -> list:
    # Five weeks of 10 km runs, the last one two days before the evaluation day.
    return steady_weeks(6, 10.0, first_days_before=2)


def test_long_run_twice_the_monthly_longest_plus_a_bit_is_a_warning() -> None:
    spike = run(0, 21.0)
    findings, _ = _spikes(_base() + [spike])
    assert len(findings) == 1
    finding = findings[0]
    assert finding.severity is Severity.WARNING
    assert finding.evidence is Evidence.A
    assert finding.activity_id == spike.id
    assert finding.metrics["spike_pct"] == 110.0
    assert finding.metrics["longest_previous_km"] == 10.0
    assert finding.metrics["next_long_run_max_km"] == 11.0  # 1.1 x the 10 km before the spike, not the spike


def test_long_run_exactly_double_is_only_a_caution() -> None:
    findings, _ = _spikes(_base() + [run(0, 20.0)])
    assert [f.severity for f in findings] == [Severity.CAUTION]
    assert findings[0].metrics["spike_pct"] == 100.0


def test_long_run_twenty_percent_longer_is_a_caution_with_a_budget() -> None:
    findings, _ = _spikes(_base() + [run(0, 12.0)])
    assert [f.severity for f in findings] == [Severity.CAUTION]
    assert findings[0].metrics["next_long_run_max_km"] == 11.0
    recovery = [s for s in findings[0].suggestions if s.category == "recovery"]
    assert "plan" in recovery[0].text and "km" not in recovery[0].text  # the plan holds the cap
    assert {s.category for s in findings[0].suggestions} == {"recovery", "strength"}


def test_long_run_exactly_ten_percent_longer_is_not_flagged() -> None:
    findings, _ = _spikes(_base() + [run(0, 11.0)])
    assert findings == []


def test_long_run_just_over_ten_percent_is_flagged() -> None:
    findings, _ = _spikes(_base() + [run(0, 11.01)])
    assert [f.severity for f in findings] == [Severity.CAUTION]


def test_runs_under_three_km_are_never_spikes() -> None:
    findings, _ = _spikes([run(d, 1.0) for d in range(1, 40, 3)] + [run(0, 2.9)])
    assert findings == []


def test_a_longer_run_more_than_thirty_days_ago_does_not_count() -> None:
    history = _base() + [run(31, 30.0), run(0, 15.0)]
    findings, _ = _spikes(history)
    assert [f.metrics["longest_previous_km"] for f in findings] == [10.0]


def test_a_long_run_exactly_thirty_days_ago_counts() -> None:
    findings, _ = _spikes(_base() + [run(30, 30.0), run(0, 15.0)])
    assert findings == []


def test_an_earlier_run_on_the_same_day_is_not_the_comparison() -> None:
    # A double day: the morning 15 km does not hide the afternoon's spike, and vice versa.
    from datetime import time

    findings, _ = _spikes(_base() + [run(0, 15.0, at=time(7)), run(0, 15.0, at=time(18))])
    assert len(findings) == 2
    assert all(f.metrics["longest_previous_km"] == 10.0 for f in findings)


def test_a_run_without_thirty_days_of_history_is_skipped_not_guessed() -> None:
    findings, evaluation = _spikes([run(10, 5.0), run(0, 20.0)])
    assert findings == []
    reasons = [s.reason for s in evaluation.skipped if s.rule == "long-run-spike"]
    assert any("30 days of history" in r for r in reasons)


def test_a_coach_can_loosen_the_spike_threshold_for_one_athlete() -> None:
    loose = DEFAULT_THRESHOLDS.with_overrides({"long-run-spike": {"caution_pct": 25}})
    assert _spikes(_base() + [run(0, 12.0)], loose)[0] == []
    assert len(_spikes(_base() + [run(0, 13.0)], loose)[0]) == 1


def test_only_runs_of_the_last_seven_days_are_checked() -> None:
    history = steady_weeks(8, 10.0, first_days_before=9) + [run(8, 25.0)]
    findings, _ = _spikes(history)
    assert findings == []
