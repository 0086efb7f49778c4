"""The 2027 API, ready today (API.md §6): disconnect through POST /oauth/revoke (HTTP Basic, the
token in the body) with /oauth/deauthorize only while revoke answers 404; tokens in the
Authorization header only (proved against the fake's strict mode); both base URLs."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import requests

from coaching.runtime import Runtime
from coaching.services.sync import sync_athlete
from coaching.services.tokens import fresh_access_token
from coaching.settings import Settings
from coaching.strava.budget import RequestBudget
from coaching.strava.client import StravalibSource
from coaching.strava.endpoints import StravaEndpoints
from coaching.strava.errors import AuthRevoked, RefreshTokenRejected
from tests.strava.conftest import CLIENT_ID, CLIENT_SECRET, connect

NEW_HOST = "https://www.api-v3.strava.com"


@pytest.mark.parametrize(("setting", "api_base", "oauth_base"), [
    ("https://www.strava.com", "https://www.strava.com/api/v3", "https://www.strava.com"),  # the default
    ("https://www.strava.com/api/v3", "https://www.strava.com/api/v3", "https://www.strava.com"),
    ("https://www.api-v3.strava.com", "https://www.api-v3.strava.com", "https://www.strava.com"),
    ("https://www.api-v3.strava.com/", "https://www.api-v3.strava.com", "https://www.strava.com"),
    ("http://127.0.0.1:8111", "http://127.0.0.1:8111/api/v3", "http://127.0.0.1:8111"),  # the fake, as ever
    ("http://127.0.0.1:8111/api/v3", "http://127.0.0.1:8111/api/v3", "http://127.0.0.1:8111"),
])
def test_the_api_url_setting_names_the_api_base_of_either_host(setting, api_base, oauth_base):
    runtime = Runtime(Settings(strava_api_url=setting, strava_client_id=1, strava_client_secret="s"))
    assert runtime.strava.endpoints == StravaEndpoints(api_base, oauth_base)


def test_an_api_url_that_is_not_http_is_refused():
    with pytest.raises(ValueError, match="COACH_STRAVA_API_URL"):
        StravaEndpoints.from_url("www.strava.com/api/v3")


def _new_host_source(fake) -> StravalibSource:
    """The real 2027 URL, with its two hosts pointed at the fake (which serves both shapes)."""
    return StravalibSource(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, api_url=NEW_HOST,
                           budget=RequestBudget(), timeout_s=3.0,
                           hosts={NEW_HOST: fake.base_url, "https://www.strava.com": fake.base_url})


def test_the_new_host_is_used_without_the_api_v3_prefix_and_oauth_stays_on_www(sessions, fake, box):
    source = _new_host_source(fake)
    assert source.authorization_url("http://127.0.0.1/cb", "s").startswith(fake.base_url + "/oauth/authorize?")
    fake.reset_stats()
    athlete_id = connect(sessions, source, box, fake.athlete_ids[0])
    result = sync_athlete(sessions, source, box, athlete_id, fake_now(fake))
    assert result.new_activities > 0
    routes = set(fake.stats.by_route)
    assert "POST /oauth/token" in routes and "GET /athlete/activities" in routes
    assert not [route for route in routes if "/api/v3" in route]


def fake_now(fake) -> datetime:
    """The fake's clock (real time plus the test's offset), as the run's `now`."""
    return datetime.fromtimestamp(fake.now(), tz=timezone.utc)


@pytest.mark.parametrize("shape", ["old host", "new host"])
def test_no_request_carries_a_token_outside_the_authorization_header(sessions, fake, box, clock, shape):
    source = _new_host_source(fake) if shape == "new host" else StravalibSource(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, api_url=fake.base_url + "/api/v3",
        budget=RequestBudget(), timeout_s=3.0)
    fake.set_strict_tokens()
    athlete_id = connect(sessions, source, box, fake.athlete_ids[0])
    sync_athlete(sessions, source, box, athlete_id, fake_now(fake))
    clock.advance(6 * 3600)  # the access token expires: the next sync refreshes it first
    later = fake_now(fake)
    sync_athlete(sessions, source, box, athlete_id, later)
    token = fresh_access_token(sessions, source, box, athlete_id, later.timestamp())
    activity_id = fake.activities(fake.athlete_ids[0])[-1].id
    source.get_activity(token, activity_id)
    source.get_athlete(token)
    assert source.disconnect(token) == "revoke"
    assert fake.tokens_outside_header == 0
    seen = fake.requests_seen
    assert {"POST /oauth/token", "POST /oauth/revoke"} <= {r.route for r in seen}
    for request in seen:
        assert "access_token" not in request.query_names | request.form_names, request
        if request.route.startswith("GET") and "/oauth/" not in request.route:
            assert request.bearer, request  # every read authenticates in the header
    # The strict mode is not a rubber stamp: a token in the query is refused.
    fresh = fake.issue_tokens(fake.athlete_ids[1])["access_token"]
    answer = requests.get(f"{fake.base_url}/api/v3/athlete", params={"access_token": fresh}, timeout=5)
    assert answer.status_code == 401 and fake.tokens_outside_header == 1


def test_disconnecting_revokes_both_tokens_with_the_client_as_http_basic(fake, source):
    grant = fake.issue_tokens(fake.athlete_ids[0])
    fake.reset_stats()
    assert source.disconnect(grant["access_token"]) == "revoke"
    [revoke] = fake.requests_seen
    assert revoke.route == "POST /oauth/revoke" and revoke.basic and not revoke.bearer
    assert revoke.form_names == {"token", "token_type_hint"}
    with pytest.raises(AuthRevoked):
        source.get_athlete(grant["access_token"])
    with pytest.raises(RefreshTokenRejected):  # revoking the access token revoked the refresh token too
        source.refresh(grant["refresh_token"])


def test_while_strava_answers_404_for_revoke_the_old_deauthorize_is_used(fake, source):
    grant = fake.issue_tokens(fake.athlete_ids[0])
    fake.set_revoke_available(False)
    fake.reset_stats()
    assert source.disconnect(grant["access_token"]) == "deauthorize"
    assert [r.route for r in fake.requests_seen] == ["POST /oauth/revoke", "POST /oauth/deauthorize"]
    assert fake.requests_seen[1].bearer and not fake.requests_seen[1].form_names
    with pytest.raises(AuthRevoked):
        source.get_athlete(grant["access_token"])
