"""The pain loop closes the same morning: a check-in re-evaluates the runner at once, a change of
the plan's running mode sends the new plan right away (real SMTP sink, one a day), and the coach's
roster shows the athlete flagged with the score from that moment."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from coach_helpers import add_athlete, add_steady_training, as_coach, evaluate, mails_to, text_of, wait_for_mails
from fastapi.testclient import TestClient
from sqlalchemy import select
from web_helpers import WebEnv, email_link

from coaching.services.pain_loop import deliver_new_plan, record_and_replan
from coaching.store.athletes import CheckinRepository, CoachRepository
from coaching.store.models import OutboxMessage
from coaching.web.app import create_app

DAY = date(2026, 3, 18)
NOW = datetime(2026, 3, 18, 7, 30, tzinfo=timezone.utc)  # the runner's (UTC) morning


def _eve_and_her_coach(env: WebEnv) -> tuple[int, int]:
    athlete_id = add_athlete(env, 7101, "Eve", "Runner", email_address="eve@example.org")
    add_steady_training(env, athlete_id, until=DAY)  # 8 km every other day for six weeks
    evaluate(env, athlete_id, DAY - timedelta(days=1))  # last night's evaluation: plan normal
    with env.runtime.sessions.begin() as db:
        coach = CoachRepository(db).upsert(name="Carla Coach", email="carla@example.org")
        CoachRepository(db).grant_consent(coach.id, athlete_id, NOW - timedelta(days=30))
        return athlete_id, coach.id


def _plan_changes(env: WebEnv, athlete_id: int) -> list[OutboxMessage]:
    with env.runtime.sessions.begin() as db:
        rows = list(db.scalars(select(OutboxMessage).where(OutboxMessage.recipient_id == athlete_id,
                                                           OutboxMessage.kind == "plan_change")))
        db.expunge_all()
        return rows


def test_a_check_in_that_stops_running_sends_the_new_plan_at_once_and_flags_the_athlete(env: WebEnv) -> None:
    athlete_id, coach_id = _eve_and_her_coach(env)
    outcome = record_and_replan(env.runtime, athlete_id, 8, NOW)
    assert outcome is not None and (outcome.mode_before, outcome.mode_after) == ("normal", "stop")
    assert deliver_new_plan(env.runtime, outcome, NOW) == 1
    [mail] = wait_for_mails(env, "eve@example.org", 1)
    text = text_of(mail)
    assert "you reported knee pain of 8/10 today, so your plan for the next 7 days is now to stop running (it was normal)" in text
    assert "YOUR NEXT 7 DAYS · Thu 19 Mar – Wed 25 Mar" in text and "STOP RUNNING FOR NOW." in text
    assert "- Longest run: no running." in text and "physiotherapist" in text
    # The coach sees it from that moment, not from the next night.
    with env.client() as client:
        as_coach(client, coach_id)
        roster = client.get("/coach").text
    assert '>Eve Runner</a> <span class="badge warning">Flagged</span>' in roster
    assert "knee pain 8/10 on Wed 18 Mar" in roster and "Plan: stop" in roster


def test_one_plan_message_a_day_however_often_the_mode_changes(env: WebEnv) -> None:
    athlete_id, _ = _eve_and_her_coach(env)
    first = record_and_replan(env.runtime, athlete_id, 9, NOW)
    deliver_new_plan(env.runtime, first, NOW)
    wait_for_mails(env, "eve@example.org", 1)
    again = record_and_replan(env.runtime, athlete_id, 1, NOW + timedelta(hours=1))  # back to normal
    assert again is not None and again.changed and again.message_ids == ()
    assert deliver_new_plan(env.runtime, again, NOW + timedelta(hours=1)) == 0
    assert len(mails_to(env, "eve@example.org")) == 1 and len(_plan_changes(env, athlete_id)) == 1


def test_a_check_in_that_changes_nothing_sends_nothing(env: WebEnv) -> None:
    athlete_id, _ = _eve_and_her_coach(env)
    outcome = record_and_replan(env.runtime, athlete_id, 1, NOW)
    assert outcome is not None and not outcome.changed and outcome.message_ids == ()
    assert _plan_changes(env, athlete_id) == [] and mails_to(env, "eve@example.org") == []


def test_the_web_check_in_closes_the_loop_through_the_same_route(env: WebEnv) -> None:
    athlete_id, _ = _eve_and_her_coach(env)
    app = create_app(env.runtime, clock=lambda: NOW)  # the app's own clock, fixed
    with TestClient(app) as client:
        saved = client.post("/checkin", data={"t": email_link(athlete_id, purpose="checkin"), "score": "6"},
                            follow_redirects=False)
    assert saved.status_code == 303
    [mail] = wait_for_mails(env, "eve@example.org", 1)  # sent by the answer's background task
    assert "knee pain of 6/10 today" in text_of(mail)
    [row] = _plan_changes(env, athlete_id)
    assert (row.status, row.period) == ("sent", DAY.isoformat())


def test_a_re_evaluation_that_fails_never_loses_the_runners_answer(env: WebEnv, monkeypatch) -> None:
    athlete_id, _ = _eve_and_her_coach(env)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in tonight's rules")

    monkeypatch.setattr("coaching.services.pain_loop.evaluate_athlete", broken)
    outcome = record_and_replan(env.runtime, athlete_id, 8, NOW)
    assert outcome is not None and not outcome.changed and outcome.message_ids == ()
    with env.runtime.sessions.begin() as db:
        assert [(c.day, c.score) for c in CheckinRepository(db).for_athlete(athlete_id)] == [(DAY, 8)]
