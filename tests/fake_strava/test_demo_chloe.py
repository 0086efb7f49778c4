"""The demo's Chloe (the long-run-spike persona): 21.1 km after a longest run of 8.4 km gets a
long-run cap of about 9 km for the next 7 days, not 23.2 km."""

from __future__ import annotations

from datetime import date

import pytest

from coaching.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PERSONAS, DEMO_SEED
from coaching.domain.evaluate import evaluate
from coaching.domain.plan import ceil_1, floor_1
from coaching.evaluate_export import activities_from_strava_json
from coaching.fake_strava import FakeStrava, FakeStravaConfig


@pytest.mark.parametrize("end", [date(2026, 3, 17), date(2026, 12, 3)])
def test_the_demos_chloe_gets_a_long_run_cap_of_about_9_km(end: date) -> None:
    fake = FakeStrava(FakeStravaConfig(client_id=DEMO_CLIENT_ID, client_secret=DEMO_CLIENT_SECRET))
    ids = fake.seed(count=len(DEMO_PERSONAS), end_date=end, personas=DEMO_PERSONAS, seed=DEMO_SEED)
    chloe = ids[DEMO_PERSONAS.index("long_run_spike")]
    assert fake.athlete(chloe).firstname == "Chloe"
    activities, problems = activities_from_strava_json([fake.activity_json(a.id) for a in fake.activities(chloe)])
    assert problems == []
    evaluation = evaluate(activities, end)
    [spike] = [f for f in evaluation.findings if f.rule == "long-run-spike"]
    assert (spike.metrics["run_km"], spike.metrics["longest_previous_km"]) == (21.1, 8.44)
    assert spike.metrics["next_long_run_max_km"] == 9.28  # 1.1 x 8.44, the spike itself excluded
    assert evaluation.plan is not None
    cap = evaluation.plan.max_run_km
    assert (cap.value, cap.set_by) == (9.2, "long-run-spike")  # rounded down to the shown decimal
    low, high = evaluation.plan.weekly_km.value
    week_km = evaluation.metrics["weekly_run_km"][-1]  # the spike's week, about 26 km
    assert (low, high) == (ceil_1(0.8 * week_km), floor_1(1.1 * week_km))  # the baseline week
