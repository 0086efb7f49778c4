"""Was last week's plan kept? The plan of D-7, recomputed, against what was done in D-6..D."""

from __future__ import annotations

from domain_builders import AS_OF, day, run, steady_weeks

from coaching.domain.evaluate import evaluate
from coaching.domain.model import PainCheckin
from coaching.domain.risk import risk_score

BEFORE = steady_weeks(7, 10.0, first_days_before=9)  # 3 x 10 km a week up to D-9: plan of D-7 is 11.0 / [24, 33]


def _check(last_week: list, **kwargs):
    evaluation = evaluate(BEFORE + last_week, AS_OF, **kwargs)
    assert evaluation.plan_check is not None, evaluation.skipped
    return evaluation.plan_check, evaluation


def test_a_week_within_every_limit_keeps_the_plan() -> None:
    check, _ = _check([run(4, 10.0), run(2, 10.0), run(0, 10.5)])
    assert (check.first_day, check.last_day) == (day(6), AS_OF)
    assert check.kept and check.broken == ()
    assert (check.fields["max_run_km"].planned, check.fields["max_run_km"].done) == (11.0, 10.5)
    assert check.fields["weekly_km"].planned == (24.0, 33.0) and check.fields["weekly_km"].done == 30.5
    assert (check.fields["rest_days_min"].done, check.fields["rest_days_min"].kept) == (4, True)
    assert check.fields["hard_runs_max"].done == 0


def test_two_percent_over_a_distance_cap_is_gps_noise_and_more_is_not_kept() -> None:
    noise, _ = _check([run(4, 10.0), run(2, 10.0), run(0, 11.2)])  # 11.0 x 1.02 = 11.22
    assert noise.fields["max_run_km"].kept
    over, _ = _check([run(4, 10.0), run(2, 10.0), run(0, 11.3)])
    assert not over.fields["max_run_km"].kept
    assert over.broken == ("max_run_km",) and not over.kept


def test_running_more_than_the_weeks_high_end_breaks_the_plan_and_less_than_the_low_end_does_not() -> None:
    over, _ = _check([run(d, 7.0) for d in (6, 4, 3, 2, 0)])  # 35 km against 33 x 1.02
    assert over.broken == ("weekly_km",)
    under, _ = _check([run(0, 5.0)])  # 5 km against a low end of 24: rest is never a broken plan
    assert under.kept and under.fields["weekly_km"].done == 5.0


def test_missing_strength_sessions_shows_as_not_kept_without_breaking_the_plan() -> None:
    check, _ = _check([run(4, 10.0), run(0, 10.0)])
    assert check.fields["strength_sessions"].planned == 2 and check.fields["strength_sessions"].done == 0
    assert not check.fields["strength_sessions"].kept
    assert check.kept


def test_a_plan_of_no_running_is_broken_by_any_run() -> None:
    # Pain 7/10 on D-7: the plan of D-7 says stop; a 4 km run on D-3 breaks it.
    check, _ = _check([run(3, 4.0)], checkins=[PainCheckin(day(7), 7)])
    assert check.fields["max_run_km"].planned == 0.0
    assert set(check.broken) >= {"max_run_km", "weekly_km"}


def test_the_evaluation_carries_the_risk_score_of_a_week_ago_for_the_trend() -> None:
    _, evaluation = _check([run(4, 10.0), run(2, 10.0), run(0, 21.0)])
    week_ago = evaluate(BEFORE, day(7))
    assert evaluation.risk_score_week_ago == risk_score(week_ago.findings) == 1.0
    assert risk_score(evaluation.findings) > evaluation.risk_score_week_ago


def test_the_check_is_skipped_until_a_plan_existed_a_week_ago() -> None:
    evaluation = evaluate(steady_weeks(5, 10.0, first_days_before=0), AS_OF)  # 33 days of history
    assert evaluation.plan is not None and evaluation.plan_check is None
    assert any(s.rule == "plan-check" for s in evaluation.skipped)
