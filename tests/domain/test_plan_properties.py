"""Property tests of the plan: it never allows more than its baseline, and a finding never loosens it."""

from __future__ import annotations

from datetime import timedelta

from domain_builders import AS_OF, activity
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coaching.domain.daily import build_history
from coaching.domain.evaluate import evaluate
from coaching.domain.model import Evidence, Finding, PainCheckin, Severity
from coaching.domain.quality import clean_activities
from coaching.domain.plan import HOLD, NORMAL, STOP, Plan, make_plan
from coaching.domain.rules.base import RuleContext
from coaching.domain.thresholds import DEFAULT_THRESHOLDS

MODE_ORDER = {NORMAL: 0, HOLD: 1, STOP: 2}
FIRST = AS_OF - timedelta(days=60)


@st.composite
def histories(draw: st.DrawFn) -> list:
    days = draw(st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=40))
    result = [
        activity(
            AS_OF - timedelta(days=d),
            draw(st.floats(min_value=1.0, max_value=40.0)),
            pace_s_per_km=draw(st.floats(min_value=240, max_value=480)),
            elevation_m=draw(st.floats(min_value=0, max_value=800)),
            workout_type=draw(st.sampled_from([None, 0, 1, 3])),
        )
        for d in days
    ]
    result.append(activity(FIRST, 5.0))  # the record reaches back 60 days
    if draw(st.booleans()):
        result.append(activity(AS_OF - timedelta(days=draw(st.integers(0, 27))), sport="Ride", moving_s=3600))
    return result


def at_least_as_strict(tight: Plan, loose: Plan) -> bool:
    climb = lambda p: float("inf") if p.climb_m_max is None else p.climb_m_max.value  # noqa: E731
    return (
        tight.max_run <= loose.max_run
        and tight.weekly[1] <= loose.weekly[1]
        and tight.weekly[0] <= tight.weekly[1]
        and tight.rest_days_min.value >= loose.rest_days_min.value
        and tight.hard_runs_max.value <= loose.hard_runs_max.value
        and climb(tight) <= climb(loose)
        and tight.cross_training_min.value >= loose.cross_training_min.value
        and tight.strength_sessions.value >= loose.strength_sessions.value
        and MODE_ORDER[tight.running.value] >= MODE_ORDER[loose.running.value]
    )


def _context(activities: list, checkins=()) -> RuleContext:
    cleaned = clean_activities(activities, DEFAULT_THRESHOLDS.quality).activities  # sorted, as evaluate() sees them
    return RuleContext(history=build_history(cleaned, AS_OF), thresholds=DEFAULT_THRESHOLDS, checkins=tuple(checkins))


SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CHECKINS = st.lists(
    st.builds(PainCheckin, day=st.dates(min_value=AS_OF - timedelta(days=20), max_value=AS_OF), score=st.integers(0, 10)),
    max_size=4,
)


@SETTINGS
@given(activities=histories(), checkins=CHECKINS)
def test_a_plan_never_allows_more_than_its_baseline(activities, checkins) -> None:
    evaluation = evaluate(activities, AS_OF, checkins=checkins)
    baseline = make_plan(_context(activities), ())
    assert isinstance(baseline, Plan) and evaluation.plan is not None
    assert at_least_as_strict(evaluation.plan, baseline)


@st.composite
def extra_findings(draw: st.DrawFn, run_ids: list[int]) -> Finding:
    number = st.floats(min_value=0.0, max_value=60.0)
    rule, metrics = draw(st.sampled_from([
        ("long-run-spike", {"next_long_run_max_km": draw(number), "run_km": 20.0, "longest_previous_km": 10.0}),
        ("return-after-break", {"restart_run_max_km": draw(number), "break_days": 20, "usual_run_km": 8.0}),
        ("weekly-ramp", {}), ("acwr", {}), ("no-rest-day", {"run_streak_days": 8}), ("monotony", {}),
        ("intensity-jump", {}), ("hill-jump", {"usual_weekly_gain_m": draw(st.floats(0, 2000))}),
        ("strength-missing", {}), ("pain-reported", {"pain_score": draw(st.integers(0, 10))}),
        ("shoe-mileage", {}), ("low-cadence", {}),
    ]))
    return Finding(
        rule=rule,
        severity=draw(st.sampled_from(list(Severity))),
        evidence=Evidence.C,
        why="knee",
        metrics=metrics,
        activity_id=draw(st.sampled_from(run_ids)) if run_ids else None,
    )


@SETTINGS
@given(data=st.data(), activities=histories())
def test_adding_a_finding_never_loosens_a_plan(data, activities) -> None:
    ctx = _context(activities)
    evaluation = evaluate(activities, AS_OF)
    run_ids = [a.id for a in activities if a.sport_type == "Run"]
    findings = list(evaluation.findings)
    before = make_plan(ctx, findings)
    extra = data.draw(extra_findings(run_ids))
    after = make_plan(ctx, findings + [extra])
    assert isinstance(before, Plan) and isinstance(after, Plan)
    assert at_least_as_strict(after, before), (extra, before, after)


@SETTINGS
@given(activities=histories(), days_back=st.integers(min_value=0, max_value=70))
def test_a_history_sliced_to_an_earlier_day_is_the_history_built_for_that_day(activities, days_back) -> None:
    cleaned = clean_activities(activities, DEFAULT_THRESHOLDS.quality).activities
    day = AS_OF - timedelta(days=days_back)
    assert build_history(cleaned, AS_OF).until(day) == build_history(cleaned, day)
    start = AS_OF - timedelta(days=90)
    assert build_history(cleaned, AS_OF, history_start=start).until(day) == build_history(cleaned, day, history_start=start)
