"""OAuth against the fake with the real stravalib client: consent, exchange, refresh, expiry, revoke."""

from __future__ import annotations

import pytest
import requests
from stravalib import exc

from coaching.fake_strava import FakeStrava
from coaching.fake_strava.testing import FakeClock, follow_authorize, stravalib_client

from fake_strava_helpers import CLIENT_ID, REDIRECT, SECRET, connect, load_fixture


def test_authorize_redirects_with_code_granted_scope_and_state(fake: FakeStrava) -> None:
    athlete_id = fake.athlete_ids[1]
    url = fake.authorize_url(REDIRECT, athlete_id=athlete_id, scopes=("read", "activity:read_all"), state="xyz")
    query = follow_authorize(url)
    assert query["state"] == "xyz"
    assert query["scope"] == "read,activity:read_all"
    assert len(query["code"]) == 40


def test_stravalib_authorization_url_works_once_pointed_at_the_fake(fake: FakeStrava) -> None:
    url = stravalib_client(fake.base_url).authorization_url(
        client_id=CLIENT_ID, redirect_uri=REDIRECT, scope=["read", "activity:read_all"], state="st"
    )
    query = follow_authorize(url.replace("https://www.strava.com", fake.base_url))
    assert query["state"] == "st" and "code" in query


def test_authorize_without_athlete_id_picks_the_next_athlete_not_yet_connected(fake: FakeStrava) -> None:
    first, second = fake.athlete_ids
    client = stravalib_client(fake.base_url)
    athletes = []
    for _ in range(2):
        code = follow_authorize(fake.authorize_url(REDIRECT))["code"]
        _, athlete = client.exchange_code_for_token(CLIENT_ID, SECRET, code, return_athlete=True)
        athletes.append(athlete.id)
    assert athletes == [first, second]


def test_exchange_returns_tokens_expiring_in_six_hours_and_the_summary_athlete(fake: FakeStrava, clock: FakeClock) -> None:
    athlete_id = fake.athlete_ids[0]
    code = follow_authorize(fake.authorize_url(REDIRECT, athlete_id=athlete_id))["code"]
    access, athlete = stravalib_client(fake.base_url).exchange_code_for_token(CLIENT_ID, SECRET, code, return_athlete=True)
    assert access["expires_at"] == int(clock()) + 21600
    assert athlete is not None and athlete.id == athlete_id
    assert athlete.firstname == fake.athlete(athlete_id).firstname


def test_a_code_works_only_once(fake: FakeStrava) -> None:
    code = follow_authorize(fake.authorize_url(REDIRECT, athlete_id=fake.athlete_ids[0]))["code"]
    client = stravalib_client(fake.base_url)
    client.exchange_code_for_token(CLIENT_ID, SECRET, code)
    with pytest.raises(exc.Fault) as caught:
        client.exchange_code_for_token(CLIENT_ID, SECRET, code)
    assert caught.value.response.status_code == 400
    assert caught.value.response.json() == load_fixture("error_400_token_invalid_code.real_2018.json")


def test_a_code_expires_after_ten_minutes(fake: FakeStrava, clock: FakeClock) -> None:
    code = follow_authorize(fake.authorize_url(REDIRECT, athlete_id=fake.athlete_ids[0]))["code"]
    clock.advance(601)
    with pytest.raises(exc.Fault) as caught:
        stravalib_client(fake.base_url).exchange_code_for_token(CLIENT_ID, SECRET, code)
    assert caught.value.response.status_code == 400


def test_a_wrong_client_id_gets_the_recorded_invalid_client_body(fake: FakeStrava) -> None:
    code = follow_authorize(fake.authorize_url(REDIRECT, athlete_id=fake.athlete_ids[0]))["code"]
    with pytest.raises(exc.Fault) as caught:
        stravalib_client(fake.base_url).exchange_code_for_token(9999, SECRET, code)
    assert caught.value.response.json() == load_fixture("error_400_token_invalid_client.real_2018.json")


def test_a_wrong_client_secret_is_refused(fake: FakeStrava) -> None:
    code = follow_authorize(fake.authorize_url(REDIRECT, athlete_id=fake.athlete_ids[0]))["code"]
    with pytest.raises(exc.Fault) as caught:
        stravalib_client(fake.base_url).exchange_code_for_token(CLIENT_ID, "not-the-secret", code)
    assert caught.value.response.status_code == 400
    assert caught.value.response.json()["errors"][0]["field"] == "client_secret"


def test_the_api_v3_token_path_is_accepted_too(fake: FakeStrava) -> None:
    code = follow_authorize(fake.authorize_url(REDIRECT, athlete_id=fake.athlete_ids[0]))["code"]
    response = requests.post(
        f"{fake.base_url}/api/v3/oauth/token",
        data={"client_id": CLIENT_ID, "client_secret": SECRET, "code": code, "grant_type": "authorization_code"},
        timeout=5,
    )
    assert response.status_code == 200 and response.json()["token_type"] == "Bearer"


def test_a_denied_consent_redirects_with_access_denied_and_no_code(fake: FakeStrava) -> None:
    fake.deny_next_authorize()
    denied = follow_authorize(fake.authorize_url(REDIRECT, athlete_id=fake.athlete_ids[0], state="s1"))
    assert denied == {"state": "s1", "error": "access_denied"}
    assert "code" in follow_authorize(fake.authorize_url(REDIRECT, athlete_id=fake.athlete_ids[0]))


def test_a_runner_who_unticks_activity_scope_gets_the_missing_permission_401(fake: FakeStrava) -> None:
    fake.grant_scopes_next(["read"])
    url = fake.authorize_url(REDIRECT, athlete_id=fake.athlete_ids[0], scopes=("read", "activity:read_all"))
    query = follow_authorize(url)
    assert query["scope"] == "read"
    client = stravalib_client(fake.base_url)
    client.exchange_code_for_token(CLIENT_ID, SECRET, query["code"])
    with pytest.raises(exc.AccessUnauthorized) as caught:
        list(client.get_activities(limit=1))
    assert caught.value.response.json() == {
        "message": "Authorization Error",
        "errors": [{"resource": "AccessToken", "field": "activity:read_permission", "code": "missing"}],
    }


def test_refresh_with_more_than_an_hour_left_returns_the_same_tokens(fake: FakeStrava, clock: FakeClock) -> None:
    client, access = connect(fake, fake.athlete_ids[0])
    clock.advance(3600)
    refreshed = client.refresh_access_token(CLIENT_ID, SECRET, access["refresh_token"])
    assert refreshed["access_token"] == access["access_token"]
    assert refreshed["refresh_token"] == access["refresh_token"]
    assert refreshed["expires_at"] == access["expires_at"]


def test_refresh_within_the_last_hour_rotates_and_the_old_refresh_token_dies(fake: FakeStrava, clock: FakeClock) -> None:
    client, access = connect(fake, fake.athlete_ids[0])
    clock.advance(21600 - 3600)
    refreshed = client.refresh_access_token(CLIENT_ID, SECRET, access["refresh_token"])
    assert refreshed["access_token"] != access["access_token"]
    assert refreshed["refresh_token"] != access["refresh_token"]
    assert refreshed["expires_at"] == int(clock()) + 21600
    with pytest.raises(exc.Fault) as caught:
        client.refresh_access_token(CLIENT_ID, SECRET, access["refresh_token"])
    assert caught.value.response.status_code == 400
    # Old and new access tokens both work until each expires (API.md §1.3).
    old = stravalib_client(fake.base_url, access["access_token"])
    assert old.get_athlete().id == fake.athlete_ids[0]


def test_the_refresh_answer_has_no_athlete(fake: FakeStrava, clock: FakeClock) -> None:
    _, access = connect(fake, fake.athlete_ids[0])
    clock.advance(21600)
    response = requests.post(
        f"{fake.base_url}/oauth/token",
        data={
            "client_id": CLIENT_ID, "client_secret": SECRET, "refresh_token": access["refresh_token"],
            "grant_type": "refresh_token",
        },
        timeout=5,
    )
    assert set(response.json()) == set(load_fixture("token_refresh_response.real_2018.json"))


def test_an_access_token_expires_after_six_hours_of_the_fake_clock(fake: FakeStrava, clock: FakeClock) -> None:
    client, _ = connect(fake, fake.athlete_ids[0])
    client.get_athlete()
    clock.advance(21600)
    with pytest.raises(exc.AccessUnauthorized) as caught:
        client.get_athlete()
    assert caught.value.response.json()["errors"][0] == {"resource": "Athlete", "field": "access_token", "code": "invalid"}


def test_an_unknown_token_gets_the_recorded_401(fake: FakeStrava) -> None:
    with pytest.raises(exc.AccessUnauthorized) as caught:
        stravalib_client(fake.base_url, "not-a-token").get_activity(1)
    assert caught.value.response.json() == load_fixture("error_401_authorization.real_2020.json")


def test_a_request_without_a_bearer_header_is_refused(fake: FakeStrava) -> None:
    response = requests.get(f"{fake.base_url}/api/v3/athlete", timeout=5)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "missing"


def test_stravalib_deauthorize_kills_the_access_and_refresh_tokens(fake: FakeStrava) -> None:
    client, access = connect(fake, fake.athlete_ids[0])
    client.deauthorize()  # POST /api/v3/oauth/deauthorize
    with pytest.raises(exc.AccessUnauthorized):
        client.get_athlete()
    with pytest.raises(exc.Fault) as caught:
        client.refresh_access_token(CLIENT_ID, SECRET, access["refresh_token"])
    assert caught.value.response.status_code == 400


def test_the_documented_deauthorize_path_answers_with_the_token(fake: FakeStrava) -> None:
    client, access = connect(fake, fake.athlete_ids[0])
    answer = client.protocol.post("https://www.strava.com/oauth/deauthorize")
    assert answer == {"access_token": access["access_token"]}
    with pytest.raises(exc.AccessUnauthorized):
        client.get_athlete()


def test_issue_tokens_skips_the_browser_for_tests_that_do_not_care(fake: FakeStrava) -> None:
    tokens = fake.issue_tokens(fake.athlete_ids[1])
    assert stravalib_client(fake.base_url, tokens["access_token"]).get_athlete().id == fake.athlete_ids[1]
