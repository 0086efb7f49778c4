"""The runner's page: choices validated and saved, CSRF, one-click stop, download, deletion."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from web_helpers import (
    WebEnv,
    csrf_of,
    email_link,
    sign_in_through_strava,
    table_counts,
    wait_for_backfill,
)

from coaching.store.athlete_data import rows_about
from coaching.store.athletes import AthleteRepository
from coaching.store.models import Athlete, OutboxMessage
from coaching.store.tokens import TokenRepository
from coaching.strava.errors import AuthRevoked
from coaching.web.choices import InvalidChoice, check_push_url

CHOICES = {"email": "ann@example.org", "send_email": "on", "units": "metric", "timezone": "Europe/Paris",
           "alerts": "on", "summaries": "on"}


def _athlete(env: WebEnv) -> Athlete:
    with env.runtime.sessions.begin() as db:
        (athlete,) = AthleteRepository(db).all()
        return athlete


def test_choices_are_saved_only_with_the_pages_csrf_token(env: WebEnv) -> None:
    with sign_in_through_strava(env) as client:
        refused = client.post("/preferences", data=CHOICES)
        assert refused.status_code == 403
        assert _athlete(env).email is None
        csrf = csrf_of(client.get("/preferences").text)
        saved = client.post("/preferences", data={**CHOICES, "csrf": csrf})
    assert saved.status_code == 303 and saved.headers["location"] == "/preferences?saved=1"
    athlete = _athlete(env)
    assert (athlete.email, athlete.timezone, athlete.send_push) == ("ann@example.org", "Europe/Paris", False)


def test_a_csrf_token_from_another_session_is_refused(env: WebEnv) -> None:
    with sign_in_through_strava(env) as first:
        stolen = csrf_of(first.get("/preferences").text)
    with sign_in_through_strava(env) as second:
        assert second.post("/preferences", data={**CHOICES, "csrf": stolen}).status_code == 403


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"email": "not-an-address"}, "email address does not look right"),
        ({"timezone": "Mars/Olympus"}, "Pick a time zone"),
        ({"units": "furlongs"}, "metric or imperial"),
        ({"push_url": "not a url"}, "Apprise URL"),
        ({"send_push": "on"}, "Give a push URL"),
        ({"email": "", "send_email": "on"}, "Give an email address"),
    ],
)
def test_invalid_choices_are_explained_and_nothing_is_saved(env: WebEnv, change: dict, message: str) -> None:
    with sign_in_through_strava(env) as client:
        csrf = csrf_of(client.get("/preferences").text)
        answer = client.post("/preferences", data={**CHOICES, **change, "csrf": csrf})
    assert answer.status_code == 400
    assert message in answer.text
    assert _athlete(env).email is None


def test_push_urls_must_be_apprise_urls_and_not_aim_at_private_addresses_in_production() -> None:
    check_push_url("ntfy://ntfy.sh/my-topic", allow_private=False)
    for url in ("json://127.0.0.1:8080/x", "json://10.0.0.7/x", "ntfy://localhost/t", "json://[::1]:80/x"):
        with pytest.raises(InvalidChoice, match="private or local"):
            check_push_url(url, allow_private=False)
        check_push_url(url, allow_private=True)  # a local trial: the push receiver is local too
    with pytest.raises(InvalidChoice, match="email field"):
        check_push_url("runner@example.org", allow_private=False)
    with pytest.raises(InvalidChoice, match="does not recognise"):
        check_push_url("nosuchservice://x/y", allow_private=False)


def test_the_saved_push_url_is_never_shown_back(env: WebEnv) -> None:
    secret_url = env.push.apprise_url + "?token=very-secret-value"
    with sign_in_through_strava(env) as client:
        csrf = csrf_of(client.get("/preferences").text)
        client.post("/preferences", data={**CHOICES, "push_url": secret_url, "send_push": "on", "csrf": csrf})
        page = client.get("/preferences").text
        export = client.get("/preferences/export").text
    assert "very-secret-value" not in page and "very-secret-value" not in export
    assert "A push URL is saved (hidden)" in page
    assert json.loads(export)["tables"]["athletes"][0]["push_url_is_set"] is True


def test_a_test_message_with_no_channel_on_says_what_to_do(env: WebEnv) -> None:
    with sign_in_through_strava(env) as client:
        csrf = csrf_of(client.get("/preferences").text)
        answer = client.post("/preferences/test", data={"csrf": csrf}, follow_redirects=True)
    assert "Switch on email or push messages" in answer.text
    assert env.smtp.received == [] and env.push.received == []


def test_a_failed_test_message_is_reported_and_not_retried_later(env: WebEnv) -> None:
    with sign_in_through_strava(env) as client:
        csrf = csrf_of(client.get("/preferences").text)
        client.post("/preferences", data={**CHOICES, "push_url": "json://127.0.0.1:9/nothing-here",
                                          "send_push": "on", "csrf": csrf})
        env.smtp.stop()  # the mail server is down
        answer = client.post("/preferences/test", data={"csrf": csrf}, follow_redirects=True)
    assert "The test email could not be delivered" in answer.text
    assert "The test push message could not be delivered" in answer.text
    with env.runtime.sessions.begin() as db:
        statuses = set(db.scalars(select(OutboxMessage.status).where(OutboxMessage.kind == "test")))
    assert statuses == {"cancelled"}


def test_stop_all_messages_is_one_click_and_can_be_undone(env: WebEnv) -> None:
    with sign_in_through_strava(env) as client:
        csrf = csrf_of(client.get("/preferences").text)
        stopped = client.post("/preferences/stop", data={"csrf": csrf}, follow_redirects=True)
        assert "you will get no more messages" in stopped.text
        assert _athlete(env).unsubscribed_at is not None
        client.post("/preferences/resume", data={"csrf": csrf})
    assert _athlete(env).unsubscribed_at is None


def test_rfc_8058_one_click_unsubscribe_needs_only_the_signed_link(env: WebEnv) -> None:
    with sign_in_through_strava(env):
        pass
    athlete = _athlete(env)
    token = email_link(athlete.id)
    with env.client() as mail_provider:  # no cookie, no CSRF token: the link is the capability
        assert mail_provider.post(f"/preferences?t={token}", data={"List-Unsubscribe": "Other"}).status_code == 400
        assert _athlete(env).unsubscribed_at is None
        answer = mail_provider.post(f"/preferences?t={token}", data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert _athlete(env).unsubscribed_at is not None


def test_the_download_holds_everything_about_the_runner_and_nothing_about_others(env: WebEnv) -> None:
    with sign_in_through_strava(env) as client:
        wait_for_backfill(env, _athlete(env).id)
        answer = client.get("/preferences/export")
    with sign_in_through_strava(env) as other:
        wait_for_backfill(env, 2)
        other.get("/connect/progress")
    data = answer.json()
    assert answer.headers["content-disposition"].startswith('attachment; filename="knee-coach-data-')
    tables = data["tables"]
    strava_id = data["strava_athlete_id"]
    assert {a["athlete_id"] for a in tables["activities"]} == {data["athlete_id"]}
    assert sorted(a["id"] for a in tables["activities"]) == sorted(a.id for a in env.fake.activities(strava_id))
    assert tables["strava_tokens"][0]["scopes"] == "activity:read_all,read"
    assert tables["strava_tokens"][0]["access_token_is_set"] is True
    assert "Powered by Strava" in data["attribution"]


def test_deleting_the_account_erases_everything_and_gives_up_strava_access(env: WebEnv) -> None:
    with sign_in_through_strava(env) as client:
        athlete = _athlete(env)
        wait_for_backfill(env, athlete.id)
        csrf = csrf_of(client.get("/preferences").text)
        unconfirmed = client.post("/preferences/delete", data={"csrf": csrf})
        assert unconfirmed.status_code == 400 and _athlete(env).id == athlete.id
        with env.runtime.sessions.begin() as db:
            access_token = TokenRepository(db, env.runtime.box).load(athlete.id).access_token
            about_before = rows_about(db, db.get(Athlete, athlete.id))
        deleted = client.post("/preferences/delete", data={"csrf": csrf, "confirm": "yes"})
        assert deleted.status_code == 200 and "Your account is deleted" in deleted.text
        assert "no longer has access to your Strava account" in deleted.text
        assert client.get("/preferences").status_code == 401  # the session died with the account
    assert about_before["activities"] > 0 and about_before["strava_tokens"] == 1
    counts = table_counts(env.runtime.engine)
    assert {name: counts[name] for name in about_before} == {name: 0 for name in about_before}
    with pytest.raises(AuthRevoked):  # Strava no longer accepts our token for this runner
        env.runtime.strava.get_athlete(access_token)


def test_an_account_is_erased_even_when_strava_cannot_be_told(env: WebEnv) -> None:
    with sign_in_through_strava(env) as client:
        athlete = _athlete(env)
        wait_for_backfill(env, athlete.id)
        csrf = csrf_of(client.get("/preferences").text)
        env.fake.inject_fault("/oauth/revoke", "500", count=1)
        deleted = client.post("/preferences/delete", data={"csrf": csrf, "confirm": "yes"})
    assert "Please remove Knee coach" in deleted.text
    with env.runtime.sessions.begin() as db:
        assert db.get(Athlete, athlete.id) is None
