"""The plan for the next 7 days: golden numbers for every row of RULES.md's plan table."""

from __future__ import annotations

from domain_builders import AS_OF, day, run, steady_weeks

from coaching.domain.evaluate import evaluate
from coaching.domain.model import Evidence, PainCheckin
from coaching.domain.plan import HOLD, NORMAL, STOP
from coaching.domain.thresholds import DEFAULT_THRESHOLDS


def _weeks(*weeks_km: tuple[float, ...], **kwargs: object) -> list:
    """Week 0 is D-6..D (runs on D, D-2, D-4, D-6), week 1 D-13..D-7, and so on."""
    offsets = (0, 2, 4, 6, 1, 3, 5)
    return [
        run(7 * week + offsets[i], km, **kwargs)  # type: ignore[arg-type]
        for week, runs in enumerate(weeks_km)
        for i, km in enumerate(runs)
    ]


def _plan(activities, **kwargs):
    evaluation = evaluate(activities, AS_OF, **kwargs)
    assert evaluation.plan is not None, evaluation.skipped
    return evaluation.plan


STEADY = steady_weeks(6, 10.0, first_days_before=2)  # 3 x 10 km a week, the last on D-2


def test_the_baseline_plan_without_findings_follows_every_baseline_of_the_table() -> None:
    plan = _plan(STEADY)
    assert plan.first_day == day(-1) and plan.last_day == day(-7)
    assert plan.running.value == NORMAL
    assert (plan.max_run_km.value, plan.max_run_km.set_by, plan.max_run_km.evidence) == (11.0, "baseline", Evidence.A)
    assert (plan.weekly_km.value, plan.weekly_km.set_by) == ((24.0, 33.0), "baseline")  # 0.8 and 1.1 x 30
    assert (plan.rest_days_min.value, plan.rest_days_min.set_by) == (1, "baseline")
    assert (plan.hard_runs_max.value, plan.hard_runs_max.set_by) == (2, "baseline")
    assert plan.climb_m_max is None
    assert (plan.cross_training_min.value, plan.cross_training_min.set_by) == (0, "baseline")
    assert (plan.strength_sessions.value, plan.strength_sessions.set_by) == (2, "baseline")
    for limit in [plan.running, *plan.limits().values()]:
        assert limit is None or (limit.why and "\n" not in limit.why)


def test_a_long_run_spike_caps_the_next_runs_at_1_1_times_the_longest_run_before_it() -> None:
    # The demo's Chloe: 21.1 km after a longest run of 8.4 km. Baseline would be 1.1 x 21.1 = 23.2.
    plan = _plan(steady_weeks(6, 8.4, first_days_before=2) + [run(0, 21.1)])
    assert (plan.max_run_km.value, plan.max_run_km.set_by) == (9.2, "long-run-spike")
    assert "8.4 km" in plan.max_run_km.why


def test_a_spike_older_than_the_last_7_days_no_longer_sets_the_cap() -> None:
    plan = _plan(steady_weeks(6, 10.0, first_days_before=9) + [run(8, 15.0), run(2, 10.0)])
    assert (plan.max_run_km.value, plan.max_run_km.set_by) == (16.5, "baseline")


def test_return_after_break_caps_runs_weekly_distance_and_asks_for_a_day_between_runs() -> None:
    # Ten weeks of 5 km runs up to D-20, 19 days off, then 3 km on D: restart runs at most 2.5 km.
    plan = _plan(steady_weeks(10, 5.0, first_days_before=20) + [run(0, 3.0)])
    assert (plan.max_run_km.value, plan.max_run_km.set_by) == (2.5, "return-after-break")
    assert (plan.weekly_km.value, plan.weekly_km.set_by) == ((2.4, 7.5), "return-after-break")  # 3 x 2.5
    assert (plan.rest_days_min.value, plan.rest_days_min.set_by) == (3, "return-after-break")


def test_a_weekly_ramp_caps_the_week_at_1_1_times_the_larger_of_the_two_weeks_before() -> None:
    plan = _plan(_weeks((10, 10, 10, 10), (10, 10, 10), (10, 10, 10), (10, 10, 10), (10, 10, 10), (10, 10, 10)))
    assert (plan.weekly_km.value, plan.weekly_km.set_by) == ((32.0, 33.0), "weekly-ramp")  # 1.1 x 30
    assert plan.weekly_km.evidence is Evidence.A
    # The 7 km cut from this week's 40, at this runner's 5.5 min/km, as cycling or swimming.
    assert (plan.cross_training_min.value, plan.cross_training_min.set_by) == (40, "weekly-ramp")
    assert "40 minutes" in plan.cross_training_min.why
    # strength-missing at caution (a knee-load rule fired): three sessions.
    assert (plan.strength_sessions.value, plan.strength_sessions.set_by) == (3, "strength-missing")


def test_acwr_at_caution_caps_the_week_at_1_1_times_seven_chronic_days() -> None:
    # Weeks 1-3 (the chronic window D-27..D-7): 40, 40, 10 km -> 30 km a week; this week 40 km.
    plan = _plan(_weeks((10, 10, 10, 10), (10, 10, 10, 10), (10, 10, 10, 10), (10,), (10, 10, 10), (10, 10, 10)))
    assert (plan.weekly_km.value, plan.weekly_km.set_by) == ((32.0, 33.0), "acwr")


def test_no_rest_day_and_monotony_ask_for_two_rest_days() -> None:
    streak = [run(d, 5.0 + (d % 3)) for d in range(0, 8)]
    plan = _plan(steady_weeks(6, 6.0, first_days_before=9) + streak)
    assert (plan.rest_days_min.value, plan.rest_days_min.set_by) == (2, "no-rest-day")
    same = [run(d, 6.0) for d in range(0, 6)]  # six identical days and one rest: monotony 2.2
    plan = _plan(steady_weeks(6, 6.0, first_days_before=7) + same)
    assert (plan.rest_days_min.value, plan.rest_days_min.set_by) == (2, "monotony")


def test_an_intensity_jump_allows_one_hard_run() -> None:
    plan = _plan(STEADY + [run(0, 8.0, workout_type=3), run(3, 8.0, workout_type=1)])
    assert (plan.hard_runs_max.value, plan.hard_runs_max.set_by) == (1, "intensity-jump")


def test_a_hill_jump_caps_weekly_climbing_at_1_1_times_the_usual_week() -> None:
    flat_before = [r for r in _weeks(*[(10, 10, 10)] * 6, elevation_m=100.0) if r.local_day < day(6)]
    hills_now = [run(d, 10.0, elevation_m=300.0) for d in (0, 2, 4)]  # 900 m against 300 m a week
    plan = _plan(flat_before + hills_now)
    assert plan.climb_m_max is not None
    assert (plan.climb_m_max.value, plan.climb_m_max.set_by, plan.climb_m_max.evidence) == (330.0, "hill-jump", Evidence.B)


def test_a_pain_score_of_3_holds_running_at_the_usual_run_and_last_weeks_distance() -> None:
    plan = _plan(STEADY, checkins=[PainCheckin(AS_OF, 3)])
    assert (plan.running.value, plan.running.set_by) == (HOLD, "pain")
    assert (plan.max_run_km.value, plan.max_run_km.set_by) == (10.0, "pain")  # the median run of 28 days
    assert (plan.weekly_km.value, plan.weekly_km.set_by) == ((24.0, 30.0), "pain")  # no more than W0
    assert (plan.hard_runs_max.value, plan.hard_runs_max.set_by) == (0, "pain")
    assert plan.pain_score == 3


def test_pain_that_rose_the_morning_after_a_run_also_holds() -> None:
    plan = _plan(STEADY, checkins=[PainCheckin(day(3), 1), PainCheckin(day(1), 2)])  # a run on D-2
    assert plan.running.value == HOLD


def test_a_pain_score_of_9_stops_running_and_sends_the_runner_to_a_physiotherapist() -> None:
    plan = _plan(STEADY, checkins=[PainCheckin(AS_OF, 9)])
    assert (plan.running.value, plan.running.set_by) == (STOP, "pain")
    assert "physiotherapist" in plan.running.why and "two weeks" in plan.running.why
    assert (plan.max_run_km.value, plan.weekly_km.value, plan.hard_runs_max.value) == (0.0, (0.0, 0.0), 0)
    # Last week's running time (3 x 10 km at 5.5 min/km = 165 min) as cycling or swimming.
    assert (plan.cross_training_min.value, plan.cross_training_min.set_by) == (165, "pain")


def test_pain_above_2_for_three_check_ins_in_a_row_stops_running() -> None:
    plan = _plan(STEADY, checkins=[PainCheckin(day(d), 3) for d in (4, 2, 0)])
    assert plan.running.value == STOP
    hold = _plan(STEADY, checkins=[PainCheckin(day(d), s) for d, s in ((4, 3), (2, 2), (0, 3))])
    assert hold.running.value == HOLD


def test_pain_3_and_pain_9_get_different_plans() -> None:
    mild = _plan(STEADY, checkins=[PainCheckin(AS_OF, 3)])
    severe = _plan(STEADY, checkins=[PainCheckin(AS_OF, 9)])
    assert mild.running.why != severe.running.why and mild.max_run_km != severe.max_run_km


def test_where_two_findings_set_the_same_limit_the_stricter_wins_and_is_named() -> None:
    # A spike (cap 11.0) and pain 3 (the usual run, 10.0): the pain hold is stricter.
    plan = _plan(STEADY + [run(0, 21.0)], checkins=[PainCheckin(AS_OF, 3)])
    assert (plan.max_run_km.value, plan.max_run_km.set_by) == (10.0, "pain")
    # Without the pain the spike sets it.
    plan = _plan(STEADY + [run(0, 21.0)])
    assert (plan.max_run_km.value, plan.max_run_km.set_by) == (11.0, "long-run-spike")


def test_the_low_end_of_the_week_never_exceeds_the_high_end() -> None:
    # W0 = 51 km after a spike: 0.8 x 51 = 40.8 is above the ramp's 33.0 cap, so low = high.
    plan = _plan(STEADY + [run(0, 21.0)])
    low, high = plan.weekly_km.value
    assert (low, high) == (33.0, 33.0)


def test_a_coachs_override_of_a_plan_factor_reaches_the_plan() -> None:
    thresholds = DEFAULT_THRESHOLDS.with_overrides({"plan": {"longest_run_factor": 1.05, "strength_sessions": 3}})
    plan = _plan(STEADY, thresholds=thresholds)
    assert plan.max_run_km.value == 10.5
    assert plan.strength_sessions.value == 3


def test_without_28_days_of_history_there_is_no_plan_and_skipped_says_why() -> None:
    evaluation = evaluate(steady_weeks(3, 10.0, first_days_before=2), AS_OF)
    assert evaluation.plan is None and evaluation.plan_check is None
    reasons = {s.rule: s.reason for s in evaluation.skipped}
    assert reasons["plan"] == "needs 28 days of history"
    assert "35 days" in reasons["plan-check"]


def test_the_plans_reasons_are_in_the_runners_units() -> None:
    plan = _plan(steady_weeks(6, 8.4, first_days_before=2) + [run(0, 21.1)], units="feet")
    assert "5.2 mi" in plan.max_run_km.why and plan.max_run_km.value == 9.2  # numbers stay km
