"""Rate-limit headers and 429s, injected faults and latency, request counters."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import pytest
import requests
from stravalib import exc
from stravalib.util.limiter import get_rates_from_response_headers

from coaching.fake_strava import FakeStrava
from coaching.fake_strava.testing import FakeClock, stravalib_client

from fake_strava_helpers import CLIENT_ID, SECRET, load_fixture

RATE_HEADERS = ("X-Ratelimit-Limit", "X-Ratelimit-Usage", "X-Readratelimit-Limit", "X-Readratelimit-Usage")


def _get(fake: FakeStrava, path: str, token: str | None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(f"{fake.base_url}{path}", headers=headers, timeout=5)


def test_every_api_response_carries_the_rate_headers_in_the_recorded_case(fake: FakeStrava) -> None:
    token = fake.issue_tokens(fake.athlete_ids[0])["access_token"]
    answers = [
        _get(fake, "/api/v3/athlete", token),
        _get(fake, "/api/v3/activities/1", token),  # 404
        _get(fake, "/api/v3/athlete", "bad-token"),  # 401
        _get(fake, "/api/v3/no/such/path", token),  # 404
    ]
    assert [r.status_code for r in answers] == [200, 404, 401, 404]
    for response in answers:
        assert all(name in list(response.headers.keys()) for name in RATE_HEADERS)
    assert answers[-1].headers["x-ratelimit-usage"] == "4,4"
    assert answers[-1].headers["X-RATELIMIT-LIMIT"] == "200,2000"
    assert answers[-1].headers["x-readratelimit-limit"] == "100,1000"


def test_stravalib_reads_the_usage_from_the_fake_headers(fake: FakeStrava) -> None:
    token = fake.issue_tokens(fake.athlete_ids[0])["access_token"]
    for _ in range(3):
        response = _get(fake, "/api/v3/athlete", token)
    rate = get_rates_from_response_headers(response.headers, "GET")
    assert (rate.short_usage, rate.long_usage, rate.short_limit, rate.long_limit) == (3, 3, 100, 1000)


def test_oauth_answers_carry_no_rate_headers(fake: FakeStrava) -> None:
    response = requests.post(
        f"{fake.base_url}/oauth/token",
        data={"client_id": CLIENT_ID, "client_secret": SECRET, "code": "nope", "grant_type": "authorization_code"},
        timeout=5,
    )
    assert response.status_code == 400
    assert not any(name.lower().startswith("x-") for name in response.headers)


def test_past_the_15_minute_budget_stravalib_gets_a_429_with_headers(make_fake: Callable[..., FakeStrava]) -> None:
    fake = make_fake(count=1, read_limit_15min=3, read_limit_daily=10)
    client = stravalib_client(fake.base_url, fake.issue_tokens(fake.athlete_ids[0])["access_token"])
    for _ in range(3):
        client.get_athlete()
    with pytest.raises(exc.Fault) as caught:
        client.get_athlete()
    response = caught.value.response
    assert response.status_code == 429
    assert response.json() == load_fixture("error_429_rate_limited.real_2018.json")
    # The 15-minute usage stays at its limit; the rejected call still counts for the day.
    assert response.headers["X-Readratelimit-Usage"] == "3,4"
    assert fake.stats.rate_limited == 1


def test_the_15_minute_window_resets_on_the_clock_quarter_hour(
    make_fake: Callable[..., FakeStrava], clock: FakeClock
) -> None:
    fake = make_fake(count=1, read_limit_15min=2)
    token = fake.issue_tokens(fake.athlete_ids[0])["access_token"]
    assert [_get(fake, "/api/v3/athlete", token).status_code for _ in range(3)] == [200, 200, 429]
    clock.advance(14 * 60 + 59)  # 08:14:59: the same quarter
    assert _get(fake, "/api/v3/athlete", token).status_code == 429
    clock.advance(1)  # 08:15:00
    assert _get(fake, "/api/v3/athlete", token).status_code == 200


def test_rejected_requests_burn_the_daily_budget_until_utc_midnight(
    make_fake: Callable[..., FakeStrava], clock: FakeClock
) -> None:
    fake = make_fake(count=1, read_limit_15min=2, read_limit_daily=5)
    token = fake.issue_tokens(fake.athlete_ids[0])["access_token"]
    statuses = [_get(fake, "/api/v3/athlete", token).status_code for _ in range(5)]
    assert statuses == [200, 200, 429, 429, 429]
    clock.advance(15 * 60)  # a fresh quarter, but the day is spent
    assert _get(fake, "/api/v3/athlete", token).status_code == 429
    clock.advance(16 * 3600)  # past 00:00 UTC
    token = fake.issue_tokens(fake.athlete_ids[0])["access_token"]
    assert _get(fake, "/api/v3/athlete", token).status_code == 200
    assert fake.rate_usage()["read_daily"] == 1


def test_an_injected_500_fails_once_then_the_path_recovers(fake: FakeStrava) -> None:
    client = stravalib_client(fake.base_url, fake.issue_tokens(fake.athlete_ids[0])["access_token"])
    fake.inject_fault(r"/athlete/activities$", "500")
    with pytest.raises(exc.Fault) as caught:
        list(client.get_activities(limit=1))
    assert caught.value.response.status_code == 500
    assert len(list(client.get_activities(limit=1))) == 1
    assert client.get_athlete().id == fake.athlete_ids[0]
    assert fake.stats.faults_injected == 1


def test_an_injected_429_carries_the_rate_headers(fake: FakeStrava) -> None:
    token = fake.issue_tokens(fake.athlete_ids[0])["access_token"]
    fake.inject_fault(r"^/api/v3/athlete$", "429", count=2)
    answers = [_get(fake, "/api/v3/athlete", token) for _ in range(3)]
    assert [r.status_code for r in answers] == [429, 429, 200]
    assert answers[0].headers["X-Ratelimit-Usage"] == "1,1"


def test_an_injected_timeout_outlasts_the_client_timeout(fake: FakeStrava) -> None:
    token = fake.issue_tokens(fake.athlete_ids[0])["access_token"]
    client = stravalib_client(fake.base_url, token, timeout_s=0.3)
    fake.inject_fault(r"/api/v3/athlete$", "timeout")
    started = time.monotonic()
    with pytest.raises(requests.exceptions.Timeout):
        client.get_athlete()
    assert 0.25 < time.monotonic() - started < 1.5
    assert client.get_athlete().id == fake.athlete_ids[0]


def test_an_injected_reset_drops_the_connection_without_an_answer(fake: FakeStrava) -> None:
    client = stravalib_client(fake.base_url, fake.issue_tokens(fake.athlete_ids[0])["access_token"])
    fake.inject_fault(r"/api/v3/gear/", "reset", method="GET")
    shoe = next(g for g, _ in fake.gear(fake.athlete_ids[0]) if g.is_shoe)
    with pytest.raises(requests.exceptions.ConnectionError):
        client.get_gear(shoe.id)
    assert client.get_gear(shoe.id).id == shoe.id


def test_an_injected_truncation_sends_half_a_json_document(fake: FakeStrava) -> None:
    client = stravalib_client(fake.base_url, fake.issue_tokens(fake.athlete_ids[0])["access_token"])
    fake.inject_fault(r"/athlete/activities", "truncated")
    with pytest.raises(requests.exceptions.JSONDecodeError):
        client.protocol.get("/athlete/activities", page=1, per_page=50)
    assert len(client.protocol.get("/athlete/activities", page=1, per_page=50)) == 50


def test_faults_can_target_the_token_endpoint(fake: FakeStrava) -> None:
    tokens = fake.issue_tokens(fake.athlete_ids[0])
    fake.inject_fault(r"/oauth/token", "500")
    client = stravalib_client(fake.base_url)
    with pytest.raises(exc.Fault):
        client.refresh_access_token(CLIENT_ID, SECRET, tokens["refresh_token"])
    assert client.refresh_access_token(CLIENT_ID, SECRET, tokens["refresh_token"])["access_token"]


def test_unknown_fault_kinds_are_refused(fake: FakeStrava) -> None:
    with pytest.raises(ValueError):
        fake.inject_fault(".*", "explode")


def test_latency_delays_every_request(fake: FakeStrava) -> None:
    token = fake.issue_tokens(fake.athlete_ids[0])["access_token"]
    fake.set_latency(0.05)
    started = time.monotonic()
    for _ in range(3):
        _get(fake, "/api/v3/athlete", token)
    assert time.monotonic() - started >= 0.15
    fake.set_latency(0.0)


def test_counters_follow_paths_routes_and_athletes_under_concurrency(fake: FakeStrava) -> None:
    first, second = fake.athlete_ids
    tokens = {a: fake.issue_tokens(a)["access_token"] for a in (first, second)}
    fake.reset_stats()
    calls = [(first, "/api/v3/athlete")] * 20 + [(second, "/api/v3/athlete/activities")] * 12
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda call: _get(fake, call[1], tokens[call[0]]).status_code, calls))
    assert statuses == [200] * 32
    stats = fake.stats
    assert stats.requests_total == 32
    assert stats.by_path == {"/api/v3/athlete": 20, "/api/v3/athlete/activities": 12}
    assert stats.by_route["GET /api/v3/athlete/activities"] == 12
    assert stats.by_athlete == {first: 20, second: 12}
    assert fake.rate_usage()["read_15min"] == 32
