"""The morning after a long or flagged run: one short push asking for the knee score, sent in the
morning (not by the 03:00 night run), only to runners who chose push and still take alerts."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from coach_helpers import add_athlete, add_run, add_steady_training, evaluate
from sqlalchemy import select
from web_helpers import WebEnv

from coaching.services.notify import deliver_due, queue_alert
from coaching.store.athletes import CheckinRepository
from coaching.store.models import Athlete, OutboxMessage

RUN_DAY = date(2026, 3, 9)
NIGHT = datetime(2026, 3, 10, 3, 0, tzinfo=timezone.utc)  # the nightly run evaluates RUN_DAY
MORNING = datetime(2026, 3, 10, 7, 30, tzinfo=timezone.utc)


def _runner(env: WebEnv, *, last_km: float, push: bool = True, earlier_long_km: float | None = 13.0) -> int:
    """Usual runs of 8 km (and one of `earlier_long_km` eleven days before); then `last_km` on RUN_DAY."""
    athlete_id = add_athlete(env, 8001, "Fay", "Runner", email_address="fay@example.org",
                             push_url=env.push.apprise_url if push else None)
    add_steady_training(env, athlete_id, until=RUN_DAY)
    if earlier_long_km is not None:
        add_run(env, athlete_id, RUN_DAY - timedelta(days=11), earlier_long_km)
    add_run(env, athlete_id, RUN_DAY, last_km)
    return athlete_id


def _prompt_titles(env: WebEnv) -> list[str]:
    return [p.payload["title"] for p in env.push.received if "knee this morning" in p.payload["title"]]


def _night(env: WebEnv, athlete_id: int) -> list[OutboxMessage]:
    result = evaluate(env, athlete_id, RUN_DAY)
    with env.runtime.sessions.begin() as db:
        queue_alert(env.runtime, db, db.get(Athlete, athlete_id), result, NIGHT)
    with env.runtime.sessions.begin() as db:
        return list(db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "checkin_prompt")))


@pytest.mark.parametrize(
    ("last_km", "earlier_long_km"),
    [
        (13.0, 13.0),  # long: 1.6 x the usual 8 km, yet no longer than the 30-day longest
        (9.0, None),  # flagged: 12.5 % over the 8 km longest is a long-run spike at caution
    ],
)
def test_a_long_or_flagged_run_queues_one_push_for_the_next_morning(
    env: WebEnv, last_km: float, earlier_long_km: float | None
) -> None:
    athlete_id = _runner(env, last_km=last_km, earlier_long_km=earlier_long_km)
    (prompt,) = _night(env, athlete_id)
    assert (prompt.channel, prompt.period, prompt.next_attempt_at) == ("push", "2026-03-10", MORNING)
    assert f"After yesterday's {last_km:.1f} km run" in prompt.body_text and "/checkin?t=" in prompt.body_text
    assert [p.id for p in _night(env, athlete_id)] == [prompt.id]  # a rerun of the night queues nothing more
    deliver_due(env.runtime, NIGHT)
    assert _prompt_titles(env) == []  # not at 03:00
    deliver_due(env.runtime, MORNING)
    assert _prompt_titles(env) == ["How is your knee this morning?"]


def test_an_ordinary_run_queues_nothing(env: WebEnv) -> None:
    athlete_id = _runner(env, last_km=8.0)
    assert _night(env, athlete_id) == []


@pytest.mark.parametrize("opt_out", ["no push channel", "alerts off", "unsubscribed"])
def test_runners_without_push_or_who_opted_out_get_no_prompt(env: WebEnv, opt_out: str) -> None:
    athlete_id = _runner(env, last_km=13.0, push=opt_out != "no push channel")
    with env.runtime.sessions.begin() as db:
        athlete = db.get(Athlete, athlete_id)
        athlete.alerts_enabled = opt_out != "alerts off"
        athlete.unsubscribed_at = NIGHT if opt_out == "unsubscribed" else None
    assert _night(env, athlete_id) == []


def test_a_prompt_is_cancelled_when_the_runner_answered_from_an_email_first(env: WebEnv) -> None:
    athlete_id = _runner(env, last_km=13.0)
    assert len(_night(env, athlete_id)) == 1
    with env.runtime.sessions.begin() as db:
        CheckinRepository(db).record(athlete_id, RUN_DAY + timedelta(days=1), 1)
    deliver_due(env.runtime, MORNING)
    with env.runtime.sessions.begin() as db:
        (prompt,) = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "checkin_prompt"))
        assert (prompt.status, prompt.last_error) == ("cancelled", "already checked in that morning")
    assert _prompt_titles(env) == []


def test_a_night_run_that_ends_after_noon_sends_no_morning_push(env: WebEnv) -> None:
    athlete_id = _runner(env, last_km=13.0)
    result = evaluate(env, athlete_id, RUN_DAY)
    with env.runtime.sessions.begin() as db:
        queue_alert(env.runtime, db, db.get(Athlete, athlete_id), result, NIGHT + timedelta(hours=10))
        assert db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "checkin_prompt")).all() == []
