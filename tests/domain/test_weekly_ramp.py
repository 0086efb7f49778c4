from __future__ import annotations

from domain_builders import AS_OF, run

from coaching.domain.evaluate import evaluate
from coaching.domain.model import Evidence, Severity
from coaching.domain.thresholds import DEFAULT_THRESHOLDS


def _weeks(w2: float, w1: float, w0: float, *, older: float = 20.0) -> list:
    """Two equal runs in each rolling week: W0 = D-6..D, W1 = D-13..D-7, W2 = D-20..D-14, plus
    a steady older week so the two-week history is covered."""
    activities = []
    for start, total in ((27, older), (20, w2), (13, w1), (6, w0)):
        if total:
            activities += [run(start, total / 2), run(start - 3, total / 2)]
    return activities


def _ramp(activities, thresholds=DEFAULT_THRESHOLDS):
    evaluation = evaluate(activities, AS_OF, thresholds=thresholds)
    return [f for f in evaluation.findings if f.rule == "weekly-ramp"], evaluation


def test_a_ten_percent_week_on_week_rise_is_not_flagged() -> None:
    findings, _ = _ramp(_weeks(20, 20, 22))
    assert findings == []


def test_an_eleven_percent_rise_is_info_labelled_weak_evidence() -> None:
    findings, _ = _ramp(_weeks(20, 20, 22.2))
    assert len(findings) == 1
    finding = findings[0]
    assert finding.severity is Severity.INFO
    assert finding.evidence is Evidence.A
    assert finding.metrics["ramp_1w_pct"] == 11.0
    assert finding.metrics["label"] == "guideline, weak evidence"
    assert "weak evidence" in finding.why


def test_a_twenty_one_percent_rise_is_a_caution() -> None:
    findings, _ = _ramp(_weeks(24, 20, 24.2))
    assert [f.severity for f in findings] == [Severity.CAUTION]
    assert findings[0].metrics["ramp_1w_pct"] == 21.0


def test_exactly_thirty_percent_over_two_weeks_is_not_a_caution() -> None:
    findings, _ = _ramp(_weeks(20, 25, 26))
    assert findings == []  # 1-week +4 %, 2-week +30 % exactly


def test_more_than_thirty_percent_over_two_weeks_is_a_caution() -> None:
    findings, _ = _ramp(_weeks(20, 25, 26.2))
    assert [f.severity for f in findings] == [Severity.CAUTION]
    assert findings[0].metrics["ramp_2w_pct"] == 31.0
    assert findings[0].metrics["ramp_1w_pct"] == 4.8


def test_the_cross_training_suggestion_names_the_minutes_of_the_excess() -> None:
    # W1 = 20 -> 10 % allows 22 km; W2 = 20 -> 30 % allows 26; the excess is 30 - 22 = 8 km.
    # Runs at 5:30/km -> 44 minutes, rounded up to 45.
    findings, _ = _ramp(_weeks(20, 20, 30))
    assert findings[0].metrics["excess_km"] == 8.0
    assert findings[0].metrics["swap_cross_training_min"] == 45
    cross = [s for s in findings[0].suggestions if s.category == "cross-training"]
    assert "plan" in cross[0].text and not any(ch.isdigit() for ch in cross[0].text)  # the plan has the minutes


def test_a_base_week_under_ten_km_is_not_evaluated() -> None:
    findings, evaluation = _ramp(_weeks(8, 9, 30))
    assert findings == []
    assert any(s.rule == "weekly-ramp" and "under 10 km" in s.reason for s in evaluation.skipped)


def test_a_two_week_base_alone_is_enough_when_last_week_was_short() -> None:
    findings, _ = _ramp(_weeks(20, 5, 30))
    assert [f.severity for f in findings] == [Severity.CAUTION]
    assert findings[0].metrics["ramp_1w_pct"] is None
    assert findings[0].metrics["ramp_2w_pct"] == 50.0


def test_without_two_weeks_of_history_the_ramp_is_skipped() -> None:
    findings, evaluation = _ramp([run(5, 10.0), run(1, 20.0)])
    assert findings == []
    assert any(s.rule == "weekly-ramp" and "2 weeks" in s.reason for s in evaluation.skipped)


def test_rolling_weeks_not_calendar_weeks_decide() -> None:
    # AS_OF is a Sunday; evaluate on the Wednesday after: W0 is Thursday..Wednesday.
    from datetime import timedelta

    activities = _weeks(20, 20, 20) + [run(-3, 5.0)]
    evaluation = evaluate(activities, AS_OF + timedelta(days=3))
    assert evaluation.metrics["weekly_run_km"][-1] == 15.0  # 20 km minus the 10 km of D-6, + 5


def test_a_coach_can_tighten_the_ten_percent_guideline() -> None:
    tight = DEFAULT_THRESHOLDS.with_overrides({"weekly_ramp.info_1w_pct": 5})
    findings, _ = _ramp(_weeks(20, 20, 21.2), tight)
    assert [f.severity for f in findings] == [Severity.INFO]
