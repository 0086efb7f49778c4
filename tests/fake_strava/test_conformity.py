"""Every JSON object the fake generates has the keys and value types of the real recordings in
tests/fixtures/strava/ (copies of shared/strava/fixtures/). A key that is null in a recording may
hold any type; ints and floats must match the recording (activity distance is a float, gear
distance an int)."""

from __future__ import annotations

from typing import Any, Callable, Iterable

import pytest
import requests

from coaching.fake_strava import FakeStrava, PERSONAS

from fake_strava_helpers import CLIENT_ID, SECRET, load_fixture

GPS_RUNS = ("Run", "TrailRun")
# Real Strava leaves out what no sensor measured: cadence on swims and strength sessions,
# elevation extremes without a GPS or barometric track (treadmill, pool, gym).
SENSOR_KEYS = frozenset({"average_cadence", "elev_high", "elev_low"})
# The recorded 2018 detail came from a Fitbit that recorded neither; the 2025 summaries have both.
DETAIL_EXTRAS = frozenset({"average_cadence", "average_temp"})
# workout_type is null in some of the 2025 summaries (the 2018 detail happens to hold a 1); an
# activity without shoes or bike has "gear_id": null.
RUN_NULLABLE = frozenset({"workout_type"})
NULLABLE = RUN_NULLABLE | {"gear_id"}
# Detail parts Strava computes only for runs (best efforts, similar activities), for runs and
# walks (splits), or when the activity has gear.
RUN_ONLY_DETAIL = frozenset({"splits_metric", "splits_standard", "best_efforts", "similar_activities", "gear"})


def _prototype(items: Iterable[dict]) -> dict[str, list[Any]]:
    """Every value each key takes across a recorded list, to compare generated items with."""
    seen: dict[str, list[Any]] = {}
    for item in items:
        for key, value in item.items():
            seen.setdefault(key, []).append(value)
    return seen


def assert_same_shape(
    generated: Any,
    recorded: Any,
    path: str = "$",
    *,
    optional: frozenset[str] = frozenset(),
    extra: frozenset[str] = frozenset(),
    nullable: frozenset[str] = frozenset(),
) -> None:
    """`optional`: recorded keys the generated object may leave out; `extra`: keys it may add;
    `nullable`: keys that may be null. All three apply at the top level only."""
    if recorded is None:
        return
    if isinstance(recorded, dict):
        assert isinstance(generated, dict), f"{path}: {type(generated).__name__}, recorded an object"
        missing = set(recorded) - set(generated) - optional
        added = set(generated) - set(recorded) - extra
        assert not missing, f"{path}: missing keys {sorted(missing)}"
        assert not added, f"{path}: keys the recording lacks {sorted(added)}"
        for key, value in recorded.items():
            if key in generated and not (key in nullable and generated[key] is None):
                assert_same_shape(generated[key], value, f"{path}.{key}")
        return
    if isinstance(recorded, list):
        assert isinstance(generated, list), f"{path}: {type(generated).__name__}, recorded a list"
        if recorded and generated and all(isinstance(r, dict) for r in recorded):
            proto = _prototype(recorded)
            for index, item in enumerate(generated):
                assert isinstance(item, dict) and set(item) == set(proto), f"{path}[{index}]: keys {sorted(item)}"
                for key, values in proto.items():
                    _assert_matches_one(item[key], values, f"{path}[{index}].{key}")
        elif recorded and generated:
            for index, item in enumerate(generated):
                _assert_matches_one(item, recorded, f"{path}[{index}]")
        return
    assert type(generated) is type(recorded), f"{path}: {type(generated).__name__}, recorded {type(recorded).__name__}"


def _assert_matches_one(generated: Any, candidates: list[Any], path: str) -> None:
    if any(c is None for c in candidates):
        return
    failures = []
    for candidate in candidates:
        try:
            assert_same_shape(generated, candidate, path)
            return
        except AssertionError as error:
            failures.append(str(error))
    raise AssertionError(failures[0])


@pytest.fixture(scope="module")
def every_persona() -> Iterable[FakeStrava]:
    """One athlete per persona, served: the widest spread of sports, gear and visibility."""
    fake = FakeStrava()
    fake.seed(count=len(PERSONAS), personas=list(PERSONAS), end_date=None, seed=7, days=120)
    with fake:
        yield fake


def _all_activities(fake: FakeStrava) -> list:
    return [a for athlete_id in fake.athlete_ids for a in fake.activities(athlete_id)]


def test_every_summary_activity_has_the_recorded_keys_and_types(every_persona: FakeStrava) -> None:
    recorded = load_fixture("summary_activities_list.real_runs_2025.json")
    proto = recorded[0]
    activities = _all_activities(every_persona)
    assert {a.sport_type for a in activities} >= {"Run", "TrailRun", "Ride", "WeightTraining", "Walk"}
    for activity in activities:
        doc = every_persona.activity_json(activity.id)
        run = activity.sport_type in GPS_RUNS
        optional, nullable = (frozenset(), RUN_NULLABLE) if run else (SENSOR_KEYS, NULLABLE)
        assert_same_shape(doc, proto, f"activity {activity.id} ({activity.sport_type})", optional=optional, nullable=nullable)


def test_detailed_activities_of_every_sport_have_the_recorded_keys_and_types(every_persona: FakeStrava) -> None:
    recorded = load_fixture("detailed_activity.real_run_2018.json")
    by_sport = {}
    for activity in _all_activities(every_persona):
        by_sport.setdefault(activity.sport_type, activity)
    for sport, activity in by_sport.items():
        doc = every_persona.activity_json(activity.id, detailed=True)
        run = sport in GPS_RUNS
        optional, nullable = (frozenset(), RUN_NULLABLE) if run else (SENSOR_KEYS | RUN_ONLY_DETAIL, NULLABLE)
        assert_same_shape(
            doc, recorded, f"detail of a {sport}", optional=optional, extra=DETAIL_EXTRAS, nullable=nullable
        )


def test_the_detailed_athlete_matches_the_recording_down_to_shoes_and_clubs(every_persona: FakeStrava) -> None:
    recorded = load_fixture("detailed_athlete.real_2025.json")
    for athlete_id in every_persona.athlete_ids:
        doc = _get(every_persona, athlete_id, "/api/v3/athlete").json()
        assert_same_shape(doc, recorded, f"athlete {athlete_id}")
        assert doc["shoes"] and doc["bikes"]
        # The recording has no bike; a bike summary has the shape of a shoe summary.
        assert_same_shape(doc["bikes"], recorded["shoes"], "bikes")


def test_the_summary_athlete_matches_the_token_exchange_recording(every_persona: FakeStrava) -> None:
    recorded = load_fixture("token_exchange_response.real_2018.json")["athlete"]
    athlete_id = every_persona.athlete_ids[0]
    doc = _get(every_persona, athlete_id, "/api/v3/athlete", scopes=("read", "activity:read")).json()
    assert_same_shape(doc, recorded)


def test_shoes_and_bikes_match_the_gear_recordings(every_persona: FakeStrava) -> None:
    athlete_id = every_persona.athlete_ids[0]
    for gear, _ in every_persona.gear(athlete_id):
        doc = _get(every_persona, athlete_id, f"/api/v3/gear/{gear.id}").json()
        recorded = load_fixture("gear_shoe.real_2025.json" if gear.is_shoe else "gear_bike.real_2025.json")
        assert_same_shape(doc, recorded, gear.id)


def test_token_answers_match_the_recordings(every_persona: FakeStrava) -> None:
    athlete_id = every_persona.athlete_ids[1]
    url = every_persona.authorize_url("http://127.0.0.1:9/cb", athlete_id=athlete_id)
    location = requests.get(url, allow_redirects=False, timeout=5).headers["Location"]
    code = location.split("code=")[1].split("&")[0]
    form = {"client_id": CLIENT_ID, "client_secret": "fake-secret", "grant_type": "authorization_code", "code": code}
    exchange = requests.post(f"{every_persona.base_url}/oauth/token", data=form, timeout=5).json()
    assert_same_shape(exchange, load_fixture("token_exchange_response.real_2018.json"))
    form = {
        "client_id": CLIENT_ID, "client_secret": SECRET, "grant_type": "refresh_token",
        "refresh_token": exchange["refresh_token"],
    }
    refresh = requests.post(f"{every_persona.base_url}/oauth/token", data=form, timeout=5).json()
    assert_same_shape(refresh, load_fixture("token_refresh_response.real_2018.json"))


def test_stats_have_the_recorded_totals(every_persona: FakeStrava) -> None:
    recorded = load_fixture("athlete_stats.real_2025.json")
    athlete_id = every_persona.athlete_ids[0]
    doc = _get(every_persona, athlete_id, f"/api/v3/athletes/{athlete_id}/stats").json()
    assert set(doc) == set(recorded)
    for key, totals in recorded.items():
        # The recording itself mixes 0 and 0.0, 474287.0 and 3176916 for the same fields.
        assert set(doc[key]) == set(totals), key
        assert all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in doc[key].values()), key


def test_deauthorize_answers_like_the_recording(every_persona: FakeStrava) -> None:
    athlete_id = every_persona.athlete_ids[2]
    token = every_persona.issue_tokens(athlete_id)["access_token"]
    response = requests.post(
        f"{every_persona.base_url}/oauth/deauthorize", headers={"Authorization": f"Bearer {token}"}, timeout=5
    )
    assert_same_shape(response.json(), load_fixture("deauthorize_response.real_2025.json"))


def test_rate_limit_header_names_are_the_recorded_ones(every_persona: FakeStrava) -> None:
    recorded = load_fixture("rate_limit_headers.real_2025.json")
    response = _get(every_persona, every_persona.athlete_ids[0], "/api/v3/athlete")
    sent = set(response.headers.keys())
    assert {name for name in recorded if name.startswith("X-")} <= sent
    assert response.headers["Content-Type"] == recorded["Content-Type"]


def _get(
    fake: FakeStrava, athlete_id: int, path: str, scopes: tuple[str, ...] = ("read", "activity:read_all", "profile:read_all")
) -> requests.Response:
    token = fake.issue_tokens(athlete_id, scopes)["access_token"]
    response = requests.get(f"{fake.base_url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert response.status_code == 200, response.text
    return response


def test_the_shape_check_itself_catches_a_wrong_type_and_a_missing_key() -> None:
    recorded = {"distance": 1.5, "athlete": {"id": 1}, "gear_id": None, "laps": [{"n": 1}]}
    assert_same_shape({"distance": 2.0, "athlete": {"id": 2}, "gear_id": 7, "laps": [{"n": 3}]}, recorded)
    failing: list[Callable[[], None]] = [
        lambda: assert_same_shape({"distance": 2, "athlete": {"id": 2}, "gear_id": None, "laps": []}, recorded),
        lambda: assert_same_shape({"distance": 2.0, "athlete": {}, "gear_id": None, "laps": []}, recorded),
        lambda: assert_same_shape({"distance": 2.0, "athlete": {"id": 2}, "gear_id": None, "laps": [{"n": 1.0}]}, recorded),
        lambda: assert_same_shape({"distance": 2.0, "athlete": {"id": 2}, "laps": []}, recorded),
    ]
    for check in failing:
        with pytest.raises(AssertionError):
            check()
