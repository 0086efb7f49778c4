"""The coach's athlete page shows the plan for the next 7 days and four weeks of plan adherence."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

from coach_helpers import add_athlete, add_run, add_steady_training, as_coach, evaluate
from web_helpers import WebEnv

from coaching.store.athletes import CoachRepository

DAY = date(2026, 3, 18)


def test_the_athlete_page_shows_the_plan_and_the_last_four_weeks_of_adherence(env: WebEnv) -> None:
    athlete_id = add_athlete(env, 7201, "Fay", "Runner")
    add_steady_training(env, athlete_id, weeks=10, until=DAY)  # 8 km every other day
    add_run(env, athlete_id, DAY, 20.0)  # a spike today: last week's plan allowed 8.8 km
    evaluate(env, athlete_id, DAY)
    with env.runtime.sessions.begin() as db:
        coach = CoachRepository(db).upsert(name="Carla Coach", email="carla@example.org")
        CoachRepository(db).grant_consent(coach.id, athlete_id, datetime(2026, 1, 1, tzinfo=timezone.utc))
        coach_id = coach.id
    with env.client() as client:
        as_coach(client, coach_id)
        page = client.get(f"/coach/athletes/{athlete_id}").text
    plan = page[page.index('id="plan-title"'):page.index('id="adherence-title"')]
    assert "Thu 19 Mar – Wed 25 Mar · normal" in plan
    assert "<strong>Longest run: at most 8.8 km</strong> <span class=\"meta\">(set by long-run-spike)</span>" in plan
    adherence = page[page.index('id="adherence-table"'):]
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]+)', adherence)[:4]
    assert [days for days, _ in rows] == [
        "Thu 12 Mar – Wed 18 Mar", "Thu 5 Mar – Wed 11 Mar", "Thu 26 Feb – Wed 4 Mar", "Thu 19 Feb – Wed 25 Feb",
    ]
    # Every other day makes weeks of 3 and 4 runs: 32 km after 24 is over the 1.1 x 24 = 26.4 km
    # the week's plan allowed (the weekly-ramp rule's 10 % too).
    assert [summary for _, summary in rows] == [
        "not kept: longest run, running this week", "kept", "not kept: running this week", "kept",
    ]
    assert "longest run up to 8.8 km, done 20.0 km" in adherence
