"""Athlete, activities, gear and stats through stravalib, as the sync will read them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Callable

import pytest
import requests
from stravalib import exc

from coaching.fake_strava import FakeStrava
from coaching.fake_strava.testing import stravalib_client

from fake_strava_helpers import END_DATE, connect


def _raw_list(fake: FakeStrava, token: str, **params: int) -> list[dict]:
    response = requests.get(
        f"{fake.base_url}/api/v3/athlete/activities",
        params=params,
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_get_athlete_with_profile_scope_is_detailed_with_shoes_and_bike(fake: FakeStrava) -> None:
    athlete_id = fake.athlete_ids[0]
    client, _ = connect(fake, athlete_id)
    athlete = client.get_athlete()
    active_shoes = {g.id for g, _ in fake.gear(athlete_id) if g.is_shoe and not g.retired}
    assert athlete.id == athlete_id
    assert {s.id for s in athlete.shoes} == active_shoes
    assert len(athlete.bikes) == 1 and athlete.bikes[0].distance > 800_000
    assert athlete.measurement_preference in ("feet", "meters")


def test_get_athlete_without_profile_scope_is_the_summary_without_gear(fake: FakeStrava) -> None:
    client, _ = connect(fake, fake.athlete_ids[0], scopes=("read", "activity:read_all"))
    athlete = client.get_athlete()
    assert athlete.resource_state == 2
    assert not athlete.shoes and not athlete.bikes


def test_activities_come_newest_first_in_pages_of_200(make_fake: Callable[..., FakeStrava]) -> None:
    fake = make_fake(count=1, days=182)
    athlete_id = fake.athlete_ids[0]
    client, access = connect(fake, athlete_id)
    expected = sorted(fake.activities(athlete_id), key=lambda a: a.start_utc, reverse=True)
    assert len(expected) > 200  # six months of a steady runner need two pages
    listed = list(client.get_activities())
    assert [a.id for a in listed] == [a.id for a in expected]
    first_page = _raw_list(fake, access["access_token"], page=1, per_page=200)
    second_page = _raw_list(fake, access["access_token"], page=2, per_page=200)
    assert len(first_page) == 200 and len(second_page) == len(expected) - 200
    assert fake.stats.by_route["GET /api/v3/athlete/activities"] == 4  # stravalib: 2 pages; we: 2


def test_per_page_defaults_to_30_and_is_capped_at_200(make_fake: Callable[..., FakeStrava]) -> None:
    fake = make_fake(count=1, days=182)
    token = fake.issue_tokens(fake.athlete_ids[0])["access_token"]
    assert len(_raw_list(fake, token)) == 30
    assert len(_raw_list(fake, token, per_page=500)) == 200


def test_after_and_before_filter_on_start_time(fake: FakeStrava) -> None:
    athlete_id = fake.athlete_ids[0]
    client, _ = connect(fake, athlete_id)
    after = datetime(2026, 11, 1, tzinfo=timezone.utc)
    before = datetime(2026, 11, 15, tzinfo=timezone.utc)
    listed = list(client.get_activities(after=after, before=before))
    expected = [a.id for a in fake.activities(athlete_id) if after < a.start_utc < before]
    assert sorted(a.id for a in listed) == sorted(expected) and expected
    assert all(after < a.start_date < before for a in listed)


def test_incremental_sync_with_after_sees_only_the_new_days(fake: FakeStrava) -> None:
    athlete_id = fake.athlete_ids[0]
    client, _ = connect(fake, athlete_id)
    newest = max(a.start_date for a in client.get_activities(limit=5))
    new_ids = fake.advance_days(3)
    mine = {a.id for a in fake.activities(athlete_id)} & set(new_ids)
    listed = [a.id for a in client.get_activities(after=newest)]
    assert mine and sorted(listed) == sorted(mine)
    assert min(listed) > max(a.id for a in fake.activities(athlete_id) if a.id not in mine)


def test_add_activity_appears_in_the_list_with_the_given_numbers(fake: FakeStrava) -> None:
    athlete_id = fake.athlete_ids[0]
    client, _ = connect(fake, athlete_id)
    activity_id = fake.add_activity(athlete_id, sport_type="Run", distance_m=30_000.0, cadence_raw=76.0)
    newest = next(iter(client.get_activities(limit=1)))
    assert newest.id == activity_id
    assert newest.distance == 30_000.0 and newest.average_cadence == 76.0
    assert newest.start_date_local.date() == END_DATE + timedelta(days=1)  # the day after the history


def test_private_activities_are_listed_only_with_activity_read_all(make_fake: Callable[..., FakeStrava]) -> None:
    fake = make_fake(count=1)
    athlete_id = fake.athlete_ids[0]
    private_id = fake.add_activity(athlete_id, sport_type="Run", visibility="only_me")
    full = fake.issue_tokens(athlete_id, ("read", "activity:read_all"))["access_token"]
    public = fake.issue_tokens(athlete_id, ("read", "activity:read"))["access_token"]
    assert private_id in {a.id for a in stravalib_client(fake.base_url, full).get_activities()}
    limited = stravalib_client(fake.base_url, public)
    assert private_id not in {a.id for a in limited.get_activities()}
    with pytest.raises(exc.ObjectNotFound):
        limited.get_activity(private_id)


def test_get_activity_is_detailed_with_splits_laps_and_gear(fake: FakeStrava) -> None:
    athlete_id = fake.athlete_ids[0]
    client, _ = connect(fake, athlete_id)
    run = next(a for a in reversed(fake.activities(athlete_id)) if a.sport_type == "Run" and a.distance_m > 5000)
    detailed = client.get_activity(run.id)
    assert detailed.distance == run.distance_m and detailed.calories > 0 and detailed.device_name
    assert abs(sum(s.distance for s in detailed.splits_metric) - run.distance_m) < 2.0 * len(detailed.splits_metric)
    assert detailed.laps[0].moving_time == run.moving_s
    assert detailed.gear.id == run.gear_id
    assert detailed.start_date_local.replace(tzinfo=None) == run.start_local


def test_someone_elses_activity_is_not_found_with_strava_body(fake: FakeStrava) -> None:
    mine, theirs = fake.athlete_ids
    client, _ = connect(fake, mine)
    other = fake.activities(theirs)[-1].id
    with pytest.raises(exc.ObjectNotFound) as caught:
        client.get_activity(other)
    assert caught.value.response.json()["message"] == "Record Not Found"


def test_get_gear_reports_the_distance_strava_keeps_for_the_shoe(fake: FakeStrava) -> None:
    athlete_id = fake.athlete_ids[0]
    client, _ = connect(fake, athlete_id)
    shoe, distance_m = next((g, d) for g, d in fake.gear(athlete_id) if g.is_shoe)
    gear = client.get_gear(shoe.id)
    assert gear.id == shoe.id and gear.brand_name == shoe.brand_name
    assert gear.distance == round(distance_m)
    with pytest.raises(exc.ObjectNotFound):
        client.get_gear("g1")


def test_athlete_stats_count_only_public_runs_of_the_last_four_weeks(fake: FakeStrava) -> None:
    athlete_id = fake.athlete_ids[0]
    client, _ = connect(fake, athlete_id)
    stats = client.get_athlete_stats()
    recent_from = datetime(2026, 11, 25, 8, tzinfo=timezone.utc) - timedelta(days=28)
    expected = [
        a for a in fake.activities(athlete_id)
        if a.sport_type in ("Run", "TrailRun", "VirtualRun") and a.visibility == "everyone" and a.start_utc >= recent_from
    ]
    assert stats.recent_run_totals.count == len(expected)
    assert stats.recent_run_totals.distance == pytest.approx(sum(a.distance_m for a in expected))


def test_stats_of_another_athlete_are_refused(fake: FakeStrava) -> None:
    mine, theirs = fake.athlete_ids
    client, _ = connect(fake, mine)
    with pytest.raises(exc.AccessUnauthorized):
        client.get_athlete_stats(theirs)
