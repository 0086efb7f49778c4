"""The knee-pain check-in: signed links open a confirm page (recording nothing), the POST records
today's score, the answer page says what it means, and the pain rule sees it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from coach_helpers import TODAY, add_athlete, add_run, add_steady_training, evaluate
from sqlalchemy import select
from web_helpers import WebEnv, email_link

from coaching.domain.model import Severity
from coaching.services.checkins import pain_guidance
from coaching.store.athletes import CheckinRepository
from coaching.store.models import Athlete, PainCheckin


def _runner(env: WebEnv) -> int:
    athlete_id = add_athlete(env, 7001, "Eve", "Runner", email_address="eve@example.org")
    add_steady_training(env, athlete_id)  # 8 km runs of 44 min every other day
    return athlete_id


def _checkins(env: WebEnv) -> list[tuple[object, int]]:
    with env.runtime.sessions.begin() as db:
        return [(c.day, c.score) for c in db.scalars(select(PainCheckin))]


def test_opening_every_link_of_the_scale_records_nothing(env: WebEnv) -> None:
    athlete_id = _runner(env)
    token = email_link(athlete_id, purpose="checkin")
    with env.client() as client:
        for score in range(11):
            page = client.get("/checkin", params={"t": token, "score": score})
            assert page.status_code == 200
            assert f'id="score-{score}" name="score" value="{score}" checked' in page.text
            assert page.text.count(" checked") == 1
    assert _checkins(env) == []


def test_pressing_save_records_todays_score_and_says_what_it_means(env: WebEnv) -> None:
    athlete_id = _runner(env)
    token = email_link(athlete_id, purpose="checkin")
    with env.client() as client:
        saved = client.post("/checkin", data={"t": token, "score": "4"})
        assert saved.status_code == 303 and saved.headers["location"].startswith("/checkin/saved?t=")
        answer = client.get(saved.headers["location"])
    assert _checkins(env) == [(TODAY, 4)]
    assert "knee pain 4 of 10" in answer.text and "back off for the next runs" in answer.text
    assert "about 45 minutes a session" in answer.text  # the usual 44-minute run, as cycling or swimming
    finding = next(f for f in evaluate(env, athlete_id).evaluation.findings if f.rule == "pain-reported")
    assert (finding.severity, finding.metrics["pain_score"]) == (Severity.CAUTION, 4)


def test_a_second_answer_the_same_day_replaces_the_first(env: WebEnv) -> None:
    athlete_id = _runner(env)
    token = email_link(athlete_id, purpose="checkin")
    with env.client() as client:
        client.post("/checkin", data={"t": token, "score": "6"})
        again = client.get("/checkin", params={"t": token})
        client.post("/checkin", data={"t": token, "score": "1"})
    assert "You told us 6 of 10 earlier today" in again.text
    assert _checkins(env) == [(TODAY, 1)]


@pytest.mark.parametrize("purpose", ["preferences", "checkin-forged"])
def test_links_for_another_purpose_or_forged_or_without_a_score_record_nothing(env: WebEnv, purpose: str) -> None:
    athlete_id = _runner(env)
    token = email_link(athlete_id, purpose=purpose)
    with env.client() as client:
        assert client.get("/checkin", params={"t": token, "score": 3}).status_code == 400
        assert client.post("/checkin", data={"t": token, "score": "3"}).status_code == 400
        good = email_link(athlete_id, purpose="checkin")
        unscored = client.post("/checkin", data={"t": good, "score": "11"})
    assert unscored.status_code == 400 and "Pick a number from 0 to 10." in unscored.text
    assert _checkins(env) == []


@pytest.mark.parametrize(
    ("earlier", "today", "level", "words"),
    [
        (None, 0, "fine", "No knee pain"),
        (None, 2, "fine", "Up to 2 of 10 is generally fine"),
        (1, 2, "back-off", "rose to 2/10 the morning after a run"),
        (None, 4, "back-off", "back off for the next runs"),
        (None, 6, "stop", "stop running until the knee settles"),
    ],
)
def test_what_a_score_means_follows_the_pain_rule(
    env: WebEnv, earlier: int | None, today: int, level: str, words: str
) -> None:
    athlete_id = _runner(env)
    add_run(env, athlete_id, TODAY - timedelta(days=1), 8.0)
    with env.runtime.sessions.begin() as db:
        if earlier is not None:
            CheckinRepository(db).record(athlete_id, TODAY - timedelta(days=1), earlier)
        CheckinRepository(db).record(athlete_id, TODAY, today)
        guidance = pain_guidance(db, db.get(Athlete, athlete_id), TODAY)
    assert guidance is not None and guidance.level == level
    texts = " ".join([guidance.headline, guidance.why or "", *(a.text for a in guidance.advice)])
    assert words in texts
    assert "cycling or swimming" in texts  # always the matching swap


def test_the_athletes_own_threshold_moves_what_is_called_fine(env: WebEnv) -> None:
    athlete_id = _runner(env)
    with env.runtime.sessions.begin() as db:
        athlete = db.get(Athlete, athlete_id)
        athlete.threshold_overrides = {"pain_reported.caution_score": 2}
        CheckinRepository(db).record(athlete_id, TODAY, 2)
        guidance = pain_guidance(db, athlete, TODAY)
    assert guidance is not None and guidance.level == "back-off" and guidance.fine_up_to == 1
