"""The inactive app (API.md §6) as stravalib meets it over HTTP: one translation, in
`coaching/strava/errors.py`, for resource calls and the token endpoint alike, and one request per
run however many threads ask."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from coaching.strava.budget import RequestBudget
from coaching.strava.client import StravalibSource
from coaching.strava.errors import REACTIVATE_APP, ApplicationInactive
from coaching.strava.gate import ApplicationGate
from tests.strava.conftest import CLIENT_ID, CLIENT_SECRET


def _source(fake, gate: ApplicationGate) -> StravalibSource:
    return StravalibSource(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, api_url=fake.base_url,
                           budget=RequestBudget(), timeout_s=3.0, gate=gate)


def test_every_call_of_an_inactive_app_is_translated_to_application_inactive(fake):
    tokens = fake.issue_tokens(fake.athlete_ids[0])
    fake.set_app_inactive()
    for call in (lambda s: s.list_activities(tokens["access_token"]), lambda s: s.refresh(tokens["refresh_token"]),
                 lambda s: s.get_athlete(tokens["access_token"])):
        with pytest.raises(ApplicationInactive) as raised:
            call(_source(fake, ApplicationGate()))
        assert REACTIVATE_APP in str(raised.value)
        assert tokens["access_token"] not in str(raised.value)


def test_eight_threads_sharing_a_gate_spend_one_request_on_an_inactive_app(fake):
    token = fake.issue_tokens(fake.athlete_ids[0])["access_token"]
    fake.set_app_inactive()
    fake.reset_stats()
    gate = ApplicationGate()

    def one(_: int) -> str:
        try:
            _source(fake, gate).list_activities(token)
        except ApplicationInactive:
            return "inactive"
        return "answered"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(one, range(40)))
    assert outcomes == ["inactive"] * 40
    assert fake.stats.requests_total == 1 and gate.inactive and not gate.answered


def test_a_long_lived_gate_asks_again_after_its_recheck_interval_and_sees_the_app_back(fake):
    token = fake.issue_tokens(fake.athlete_ids[0])["access_token"]
    seconds = [1000.0]
    gate = ApplicationGate(recheck_after_s=300, clock=lambda: seconds[0])
    fake.set_app_inactive()
    with pytest.raises(ApplicationInactive):
        _source(fake, gate).list_activities(token)
    fake.set_app_inactive(False)
    seconds[0] += 299
    with pytest.raises(ApplicationInactive):  # not asked: still within the interval
        _source(fake, gate).list_activities(token)
    seconds[0] += 1
    fake.reset_stats()
    assert isinstance(_source(fake, gate).list_activities(token), list)
    assert fake.stats.requests_total == 1 and gate.answered
