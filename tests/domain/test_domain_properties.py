"""Property-based tests: evaluation never raises on odd input, and resting never adds load risk."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coaching.domain.evaluate import evaluate
from coaching.domain.model import KNOWN_SPORT_TYPES, Activity, Gear, PainCheckin, Severity

AS_OF = date(2025, 6, 15)
FIRST_DAY = AS_OF - timedelta(days=120)
SPORTS = sorted(KNOWN_SPORT_TYPES) + ["Quidditch", "", "run", "Run "]
ODD_NUMBERS = st.one_of(
    st.floats(min_value=0, max_value=60_000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-10, max_value=100_000),
)
MAYBE = lambda strategy: st.one_of(st.none(), strategy)  # noqa: E731


@st.composite
def odd_activities(draw: st.DrawFn) -> Activity:
    start_local = draw(st.datetimes(min_value=datetime(2024, 12, 1), max_value=datetime(2025, 7, 1)))
    offset_h = draw(st.integers(min_value=-12, max_value=14))
    return Activity(
        id=draw(st.one_of(st.integers(min_value=1, max_value=40), st.integers(min_value=2**53, max_value=2**63))),
        sport_type=draw(st.sampled_from(SPORTS)),
        start_local=start_local,
        start_utc=(start_local - timedelta(hours=offset_h)).replace(tzinfo=timezone.utc),
        distance_m=draw(ODD_NUMBERS),
        moving_s=draw(ODD_NUMBERS),
        elapsed_s=draw(ODD_NUMBERS),
        elevation_gain_m=draw(ODD_NUMBERS),
        average_speed_mps=draw(MAYBE(ODD_NUMBERS)),
        average_heartrate_bpm=draw(MAYBE(ODD_NUMBERS)),
        max_heartrate_bpm=draw(MAYBE(ODD_NUMBERS)),
        average_cadence_raw=draw(MAYBE(ODD_NUMBERS)),
        workout_type=draw(MAYBE(st.integers(min_value=-1, max_value=12))),
        gear_id=draw(MAYBE(st.sampled_from(["g1", "g2", "b1", "", "x"]))),
        manual=draw(st.booleans()),
        trainer=draw(st.booleans()),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    activities=st.lists(odd_activities(), max_size=60),
    checkins=st.lists(
        st.builds(PainCheckin, day=st.dates(min_value=date(2025, 5, 1), max_value=date(2025, 7, 1)),
                  score=st.integers(min_value=-3, max_value=13)),
        max_size=6,
    ),
    units=st.sampled_from(["metric", "imperial", "feet", "meters", "", "furlongs"]),
)
def test_evaluation_never_raises_and_its_metrics_are_strict_json(activities, checkins, units) -> None:
    gear = [Gear("g1", "Shoe", 700_000.0), Gear("b1", "Bike", 1.0)]
    evaluation = evaluate(activities, AS_OF, gear=gear, checkins=checkins, units=units)
    json.dumps(evaluation.metrics, allow_nan=False)
    for finding in evaluation.findings:
        json.dumps(dict(finding.metrics), allow_nan=False)
        assert finding.why and all(s.text for s in finding.suggestions)
        assert "knee" in finding.why or "patellofemoral" in finding.why, finding.why


LOAD_RULES = {"long-run-spike", "return-after-break", "weekly-ramp", "acwr", "no-rest-day"}


def _load_findings(evaluation) -> dict[str, Severity]:
    # ACWR's "detraining" note says there is too little load: a rest day may rightly add it.
    return {
        f.key: f.severity
        for f in evaluation.findings
        if f.rule in LOAD_RULES and not (f.rule == "acwr" and f.metrics.get("label") == "detraining")
    }


@st.composite
def training_histories(draw: st.DrawFn) -> list[Activity]:
    """Plausible runs (and some rides) over 120 days, with at least one run on the evaluation day."""
    activities = []
    next_id = 1
    for offset in range(120, -1, -1):
        day = AS_OF - timedelta(days=offset)
        sessions = draw(st.integers(min_value=1 if offset == 0 else 0, max_value=2))
        for session in range(sessions):
            km = draw(st.floats(min_value=1.0, max_value=40.0))
            sport = draw(st.sampled_from(["Run", "Run", "TrailRun", "Ride"])) if offset else "Run"
            start = datetime.combine(day, time(6 + 8 * session, draw(st.integers(0, 59))))
            moving = int(km * draw(st.floats(min_value=240, max_value=420)))
            activities.append(
                Activity(
                    id=next_id, sport_type=sport, start_local=start,
                    start_utc=(start - timedelta(hours=2)).replace(tzinfo=timezone.utc),
                    distance_m=km * 1000, moving_s=moving, elapsed_s=moving,
                    average_speed_mps=km * 1000 / moving,
                )
            )
            next_id += 1
    return activities


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(history=training_histories())
def test_making_the_evaluation_day_a_rest_day_never_adds_or_raises_a_load_finding(history) -> None:
    with_training = _load_findings(evaluate(history, AS_OF))
    rested = [a for a in history if a.start_local.date() != AS_OF]
    with_rest = _load_findings(evaluate(rested, AS_OF))
    for key, severity in with_rest.items():
        assert key in with_training, f"resting created {key}"
        assert severity <= with_training[key], f"resting raised {key}"
