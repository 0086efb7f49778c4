from __future__ import annotations

from datetime import timedelta

import pytest
from domain_builders import AS_OF, activity, day, run, steady_weeks

from coaching.domain.evaluate import evaluate
from coaching.domain.model import Evidence, Gear, PainCheckin, Severity
from coaching.domain.thresholds import DEFAULT_THRESHOLDS


def _findings(history, rule: str, **kwargs):
    evaluation = evaluate(history, AS_OF, **kwargs)
    return [f for f in evaluation.findings if f.rule == rule], evaluation


def _cadence_base(raw: float = 85.0) -> list:
    # Ten steady 8 km runs at 5:30/km (3.03 m/s) at 170 steps/min, D-40..D-13.
    return [run(d, 8.0, cadence_raw=raw) for d in range(13, 41, 3)]


def test_two_of_the_last_three_runs_five_percent_below_their_baseline_is_low_cadence() -> None:
    history = _cadence_base() + [run(6, 8.0, cadence_raw=80.75), run(4, 8.0, cadence_raw=85.0), run(1, 8.0, cadence_raw=80.7)]
    findings, _ = _findings(history, "low-cadence")
    assert len(findings) == 1
    finding = findings[0]
    assert (finding.severity, finding.evidence) == (Severity.INFO, Evidence.B)
    assert finding.metrics["runs_below_baseline"] == 2  # 161.5 is exactly 5 % below 170
    assert finding.metrics["baseline_cadence_spm"] == 170.0
    assert finding.metrics["cadence_spm"] == 161.4
    assert finding.metrics["target_cadence_spm"] == 169  # 161.4 + 5 % = 169.47
    text = finding.suggestions[0].text
    assert finding.suggestions[0].category == "cadence" and "169 steps/min" in text and "180" in text


def test_one_low_run_of_three_is_not_a_pattern() -> None:
    history = _cadence_base() + [run(6, 8.0, cadence_raw=85.0), run(4, 8.0, cadence_raw=85.0), run(1, 8.0, cadence_raw=78.0)]
    assert _findings(history, "low-cadence")[0] == []


def test_a_run_at_a_different_speed_is_not_compared_with_the_easy_runs() -> None:
    # 4:30/km = 3.70 m/s, more than 0.3 m/s from the 3.03 m/s baseline runs.
    history = _cadence_base() + [run(d, 8.0, cadence_raw=78.0, pace_s_per_km=270.0) for d in (5, 3, 1)]
    findings, evaluation = _findings(history, "low-cadence")
    assert findings == []
    assert any(s.rule == "low-cadence" and "similar-speed" in s.reason for s in evaluation.skipped)


def test_trail_runs_and_short_or_slow_runs_do_not_count_for_cadence() -> None:
    odd = [
        activity(day(5), 8.0, sport="TrailRun", cadence_raw=75.0),
        run(3, 2.0, cadence_raw=75.0),  # 11 minutes
        run(1, 8.0, cadence_raw=75.0, pace_s_per_km=480.0),  # 2.08 m/s
    ]
    assert _findings(_cadence_base() + odd, "low-cadence")[0] == []


def test_a_median_under_166_is_flagged_only_when_a_load_rule_fired() -> None:
    low = [run(d, 8.0, cadence_raw=81.0) for d in range(1, 41, 3)]  # 162 steps/min, steady
    assert _findings(low, "low-cadence")[0] == []
    spike = run(0, 14.0, cadence_raw=81.0)  # +75 %: long-run-spike fires
    findings, _ = _findings(low + [spike], "low-cadence")
    assert findings[0].metrics["median_cadence_28d_spm"] == 162.0
    assert findings[0].metrics["target_cadence_spm"] == 170  # 162 + 5 % = 170.1


def test_a_worn_shoe_in_use_is_info_at_600_and_caution_at_800_km() -> None:
    gear = [Gear("g1", "Pegasus 40", 600_000.0), Gear("g2", "Kinvara", 812_300.0), Gear("g3", "Clifton", 599_999.0)]
    history = [run(d, 8.0, gear_id=f"g{1 + d % 3}") for d in range(0, 9)]
    findings, _ = _findings(history, "shoe-mileage", gear=gear)
    by_shoe = {f.subject: f for f in findings}
    assert set(by_shoe) == {"g1", "g2"}
    assert by_shoe["g1"].severity is Severity.INFO and by_shoe["g2"].severity is Severity.CAUTION
    assert by_shoe["g2"].metrics["shoe_km"] == 812.3
    assert "Kinvara has 812.3 km" in by_shoe["g2"].suggestions[0].text


def test_a_worn_shoe_not_used_for_30_days_or_retired_is_not_flagged() -> None:
    gear = [Gear("g1", "Old", 900_000.0), Gear("g2", "Retired", 900_000.0, retired=True), Gear("g3", "New", 100_000.0)]
    history = [run(31, 8.0, gear_id="g1"), run(2, 8.0, gear_id="g2"), run(1, 8.0, gear_id="g3")]
    assert _findings(history, "shoe-mileage", gear=gear)[0] == []


def test_one_shoe_for_every_run_of_30_days_over_20_km_a_week_suggests_rotating() -> None:
    gear = [Gear("g1", "Pegasus", 300_000.0)]
    history = [run(d, 10.0, gear_id="g1") for d in range(0, 30, 3)]  # 100 km in 30 days = 23.3 km/week
    findings, _ = _findings(history, "shoe-mileage", gear=gear, units="imperial")
    assert [f.metrics["reason"] for f in findings] == ["single shoe"]
    assert findings[0].metrics["weekly_km"] == 23.33
    assert "186.4 mi" in findings[0].suggestions[0].text  # 300 km in the runner's miles
    two_shoes = history[:-1] + [run(27, 10.0, gear_id="g2")]
    assert _findings(two_shoes, "shoe-mileage", gear=gear)[0] == []


def test_shoe_rule_is_skipped_when_no_run_names_a_shoe() -> None:
    findings, evaluation = _findings([run(1, 8.0)], "shoe-mileage")
    assert findings == []
    assert any(s.rule == "shoe-mileage" for s in evaluation.skipped)


def _spiking_history() -> list:
    return steady_weeks(6, 10.0, first_days_before=2) + [run(0, 13.0)]


def test_rising_load_without_cross_training_suggests_it_without_a_number_of_its_own() -> None:
    findings, _ = _findings(_spiking_history(), "no-cross-training")
    assert [(f.severity, f.evidence) for f in findings] == [(Severity.INFO, Evidence.B)]
    assert findings[0].metrics["suggested_cross_training_min"] == 60
    text = findings[0].suggestions[0].text
    assert "cycling or swimming" in text and not any(ch.isdigit() for ch in text)  # the plan has the numbers


def test_a_ride_this_week_answers_the_cross_training_rule() -> None:
    history = _spiking_history() + [activity(day(3), 20.0, sport="Ride", moving_s=2400)]
    assert _findings(history, "no-cross-training")[0] == []


def test_no_cross_training_without_a_load_rule_at_caution_is_silent() -> None:
    assert _findings(steady_weeks(6, 10.0, first_days_before=0), "no-cross-training")[0] == []


def test_fewer_than_two_strength_sessions_a_week_is_info_and_caution_with_knee_load() -> None:
    strength = [activity(day(d), sport="WeightTraining", moving_s=1800) for d in (3, 10, 17, 24, 5, 12, 19)]
    steady = steady_weeks(6, 10.0, first_days_before=0)
    findings, _ = _findings(steady + strength, "strength-missing")  # 7 in 28 days = 1.75 a week
    assert [(f.severity, f.evidence) for f in findings] == [(Severity.INFO, Evidence.A)]
    assert findings[0].metrics["strength_sessions_per_week"] == 1.75
    findings, _ = _findings(_spiking_history() + strength, "strength-missing")
    assert [f.severity for f in findings] == [Severity.CAUTION]


def test_two_strength_sessions_a_week_satisfy_the_rule() -> None:
    strength = [activity(day(d), sport="Pilates", moving_s=1800) for d in range(0, 28, 4)]
    strength += [activity(day(1), sport="WeightTraining", moving_s=1800)]
    assert _findings(steady_weeks(6, 10.0, first_days_before=0) + strength, "strength-missing")[0] == []


def test_strength_rule_needs_28_days() -> None:
    findings, evaluation = _findings([run(3, 5.0)], "strength-missing")
    assert findings == [] and any(s.rule == "strength-missing" for s in evaluation.skipped)


def _pain(*scores_by_days_before: tuple[int, int]) -> list[PainCheckin]:
    return [PainCheckin(AS_OF - timedelta(days=d), score) for d, score in scores_by_days_before]


@pytest.mark.parametrize(
    ("checkins", "severity"),
    [
        (((0, 2),), None),
        (((0, 3),), Severity.CAUTION),
        (((0, 4),), Severity.CAUTION),
        (((0, 5),), Severity.WARNING),
        (((4, 3), (2, 3), (0, 3)), Severity.WARNING),  # above 2 for three check-ins
        (((4, 3), (2, 2), (0, 3)), Severity.CAUTION),
    ],
)
def test_pain_check_ins(checkins, severity: Severity | None) -> None:
    findings, _ = _findings([run(10, 5.0)], "pain-reported", checkins=_pain(*checkins))
    assert [f.severity for f in findings] == ([severity] if severity else [])


def test_pain_that_rose_the_morning_after_a_run_is_a_caution() -> None:
    checkins = _pain((3, 0), (0, 1))
    findings, _ = _findings([run(1, 10.0)], "pain-reported", checkins=checkins)
    assert [f.severity for f in findings] == [Severity.CAUTION]
    assert findings[0].metrics["rose_after_run"] == "yes"
    assert _findings([run(2, 10.0)], "pain-reported", checkins=checkins)[0] == []  # no run the day before


def test_old_or_future_check_ins_do_not_speak_for_today() -> None:
    old = [PainCheckin(AS_OF - timedelta(days=14), 8), PainCheckin(AS_OF + timedelta(days=1), 8)]
    findings, evaluation = _findings([run(1, 5.0)], "pain-reported", checkins=old)
    assert findings == []
    assert any(s.rule == "pain-reported" for s in evaluation.skipped)


def test_a_coach_can_make_pain_warnings_stricter() -> None:
    strict = DEFAULT_THRESHOLDS.with_overrides({"pain_reported": {"warning_score": 4}})
    findings, _ = _findings([run(1, 5.0)], "pain-reported", checkins=_pain((0, 4)), thresholds=strict)
    assert [f.severity for f in findings] == [Severity.WARNING]
