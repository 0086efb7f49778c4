"""Bad answers from Strava, through real HTTP, stravalib, the parser and the store (SQLite and
PostgreSQL): a body that is not a JSON list fails the run as retryable and stores nothing; odd
records are skipped with a reason naming the field, or stored with safe values, and never take the
rest of the page down with them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from coaching.services.evaluation import evaluate_athlete, evaluation_day
from coaching.services.sync import SyncPolicy, sync_athlete
from coaching.store.activities import ActivityRepository
from coaching.store.athletes import AthleteRepository
from coaching.store.models import Activity
from coaching.strava.errors import StravaUnavailable
from coaching.strava.parse import parse_activity
from tests.bad_input.bad_records import CATEGORIES, TIME_ZONES, Case
from tests.bad_input.hostile_strava import NOW, STRAVA_ID, body, run

ONE_PAGE = SyncPolicy(page_size=1000)  # every scripted page is the last one

BAD_BODIES = {
    "an HTML error page answered with 200": b"<html><body>502 Bad Gateway</body></html>",
    "an empty body": b"",
    "half a JSON page": body([run(1), run(2)])[:150],
    "a JSON object instead of a list": b'{"message": "Authorization Error", "errors": []}',
    "JSON null": b"null",
    "a list cut in the middle of a number": b"[1,2",
    "bytes that are not UTF-8": b"\xc3\x28\xa0\xa1",
    "a JSON string": b'"activities"',
}


def _rows(sessions, athlete_id: int) -> dict[int, dict]:  # noqa: ANN001
    with sessions.begin() as s:
        rows = s.execute(select(Activity.__table__).where(Activity.athlete_id == athlete_id)).mappings().all()
    return {row["id"]: dict(row) for row in rows}


def _problem_of(problems: list[str], index: int) -> str | None:
    return next((p for p in problems if p.startswith((f"activity #{index} ", f"activity #{index}:"))), None)


@pytest.mark.parametrize("label", BAD_BODIES)
def test_a_body_that_is_not_a_json_list_fails_the_run_as_retryable_and_stores_nothing(
    label, hostile, source, sqlite_sessions, box, sqlite_athlete_id
):
    hostile.script = [(200, BAD_BODIES[label])]
    with pytest.raises(StravaUnavailable) as failure:
        sync_athlete(sqlite_sessions, source, box, sqlite_athlete_id, NOW, ONE_PAGE)
    assert failure.value.retryable
    assert _rows(sqlite_sessions, sqlite_athlete_id) == {}
    with sqlite_sessions.begin() as s:
        state = AthleteRepository(s).sync_state(sqlite_athlete_id)
        assert (state.backfill_done, state.backfill_before_utc, state.newest_start_utc) == (False, None, None)
        assert state.last_error.startswith("StravaUnavailable: list activities")
        assert "Bad Gateway" not in state.last_error and "Authorization" not in state.last_error

    hostile.pages([run(1)])
    assert sync_athlete(sqlite_sessions, source, box, sqlite_athlete_id, NOW, ONE_PAGE).new_activities == 1


@pytest.mark.parametrize("category", CATEGORIES)
def test_odd_records_are_skipped_with_their_reason_or_stored_safely_and_the_rest_of_the_page_goes_in(
    category, hostile, source, sessions, box, athlete_id
):
    cases: list[Case] = CATEGORIES[category]
    records = [case.record(n) for n, case in enumerate(cases, start=1)]
    hostile.pages(records)

    result = sync_athlete(sessions, source, box, athlete_id, NOW, ONE_PAGE)

    rows = _rows(sessions, athlete_id)
    skipped = [case for case in cases if case.skipped_because]
    assert result.backfill_done and len(result.problems) == len(skipped), result.problems
    assert len(rows) == result.new_activities == len(cases) - len(skipped)
    for index, case in enumerate(cases):
        problem = _problem_of(result.problems, index)
        if case.skipped_because:
            assert problem is not None and case.skipped_because in problem, (case.label, problem)
            continue
        assert problem is None, (case.label, problem)
        row = rows[case.stored.get("id", 10**10 + index + 1)]
        for column, expected in case.stored.items():
            value = row["raw"][column[4:]] if column.startswith("raw.") else row[column]
            assert value == expected, (case.label, column, value)


def test_absurd_values_that_could_be_stored_are_excluded_by_the_evaluation_not_by_a_crash(
    hostile, source, sqlite_sessions, box, sqlite_athlete_id
):
    hostile.pages([run(1, distance=-5.0), run(2, distance=1e12), run(3, average_heartrate=10_000.0),
                   run(4, elapsed_time=-1), run(5, day=2)])
    sync_athlete(sqlite_sessions, source, box, sqlite_athlete_id, NOW, ONE_PAGE)
    with sqlite_sessions.begin() as s:
        athlete = AthleteRepository(s).get(sqlite_athlete_id)
        evaluation = evaluate_athlete(s, athlete, evaluation_day(NOW, athlete.timezone)).evaluation
    excluded = [note for note in evaluation.data_quality if "excluded" in note]
    assert len(excluded) >= 2, evaluation.data_quality


def test_activity_ids_above_2_to_the_53_written_as_numbers_are_stored_exactly(
    hostile, source, sessions, box, athlete_id
):
    exact = [2**53 + 1, 2**53 + 3, 2**62 + 7, 2**63 - 1]
    page = [run(n, id=activity_id) for n, activity_id in enumerate(exact, start=1)]
    page += [run(7, id=2**63), run(8, id=2**64 + 1), run(9, id=float(2**53 + 2))]
    hostile.pages(page)
    assert b"9007199254740993" in hostile.script[0][1]  # a JSON number, not a string

    result = sync_athlete(sessions, source, box, athlete_id, NOW, ONE_PAGE)

    rows = _rows(sessions, athlete_id)
    assert sorted(rows) == exact
    assert all(row["raw"]["id"] == activity_id for activity_id, row in rows.items())  # JSON column too
    assert [p.split(" skipped: ")[1] for p in result.problems] == [
        "id is outside the BIGINT range", "id is outside the BIGINT range", "id is a float too large to be exact"]


@pytest.mark.parametrize("written, kept", TIME_ZONES)
def test_a_time_zone_spelled_oddly_keeps_the_written_local_time_and_a_real_zone_or_none(written, kept):
    parsed = parse_activity(run(1, timezone=written, start_date="2026-10-01T06:00:00Z",
                                start_date_local="2026-10-01T08:00:00Z"))
    assert parsed.timezone_name == kept
    assert parsed.activity.start_local == datetime(2026, 10, 1, 8, 0)
    assert parsed.activity.start_utc == datetime(2026, 10, 1, 6, 0, tzinfo=timezone.utc)


def test_only_a_real_zone_ever_becomes_the_runner_s_time_zone(hostile, source, sessions, box, athlete_id):
    odd = [written for written, kept in TIME_ZONES if kept is None]
    hostile.pages([run(n, timezone=written) for n, written in enumerate(odd, start=1)])
    sync_athlete(sessions, source, box, athlete_id, NOW, ONE_PAGE)
    with sessions.begin() as s:
        assert AthleteRepository(s).get(athlete_id).timezone == "UTC"

    hostile.pages([run(50, day=20, timezone="(GMT-03:30) America/St_Johns")] + [run(51, day=19, timezone=odd[0])])
    sync_athlete(sessions, source, box, athlete_id, NOW, ONE_PAGE)
    with sessions.begin() as s:
        assert AthleteRepository(s).get(athlete_id).timezone == "America/St_Johns"


def test_an_activity_repeated_in_a_page_and_across_runs_is_stored_once_with_its_latest_data(
    hostile, source, sessions, box, athlete_id
):
    first, second = run(1), run(2)
    renamed = run(1, name="Run 1, renamed")
    hostile.pages([first, second, first, renamed])
    result = sync_athlete(sessions, source, box, athlete_id, NOW, ONE_PAGE)
    assert (result.new_activities, result.updated_activities) == (2, 2)

    hostile.pages([renamed, second])  # the nightly list repeats them
    again = sync_athlete(sessions, source, box, athlete_id, NOW, ONE_PAGE)
    assert (again.new_activities, again.updated_activities) == (0, 2)
    rows = _rows(sessions, athlete_id)
    assert sorted(rows) == [first["id"], second["id"]] and rows[first["id"]]["name"] == "Run 1, renamed"


def test_an_activity_another_runner_owns_is_skipped_and_reported_and_does_not_block_the_page(
    hostile, source, sessions, box, athlete_id
):
    theirs = parse_activity(run(1, athlete={"id": STRAVA_ID + 1}))
    with sessions.begin() as s:
        other = AthleteRepository(s).upsert_from_strava(STRAVA_ID + 1, first_name="Ola", last_name="",
                                                        timezone=None, units=None).id
        ActivityRepository(s).upsert(other, theirs.activity, private=False, raw=theirs.raw)

    hostile.pages([run(2), run(1), run(3)])
    result = sync_athlete(sessions, source, box, athlete_id, NOW, ONE_PAGE)
    assert sorted(_rows(sessions, athlete_id)) == [run(2)["id"], run(3)["id"]]
    assert _rows(sessions, other) and len(result.problems) == 1 and "another athlete" in result.problems[0]


def test_a_huge_page_that_ignores_per_page_is_stored_whole_and_the_back_fill_ends(
    hostile, source, sqlite_sessions, box, sqlite_athlete_id
):
    start = datetime(2026, 11, 1, 6, 0, tzinfo=timezone.utc)
    huge = [run(n, start_date=(start - timedelta(hours=n)).strftime("%Y-%m-%dT%H:%M:%SZ"), start_date_local=None)
            for n in range(1, 601)]
    hostile.pages(huge)  # and then [] for the page before the oldest

    result = sync_athlete(sqlite_sessions, source, box, sqlite_athlete_id, NOW, SyncPolicy(page_size=200))

    assert result.new_activities == 600 and result.backfill_done and len(hostile.list_calls) == 2
    assert len(_rows(sqlite_sessions, sqlite_athlete_id)) == 600


def test_a_nightly_list_that_ignores_page_costs_two_requests_not_the_whole_budget(
    hostile, source, sqlite_sessions, box, sqlite_athlete_id
):
    hostile.pages([run(1, day=1)])
    sync_athlete(sqlite_sessions, source, box, sqlite_athlete_id, NOW, SyncPolicy(page_size=5))
    news = [run(10 + n, day=20) for n in range(5)]
    hostile.answer_list = lambda query: (200, body(news))  # whatever `page` says

    result = sync_athlete(sqlite_sessions, source, box, sqlite_athlete_id, NOW, SyncPolicy(page_size=5))

    assert result.new_activities == 5 and len(hostile.list_calls) == 1 + 2
    assert [call.query["page"] for call in hostile.list_calls[1:]] == ["1", "2"]


def test_the_raw_record_keeps_every_field_strava_sent_even_unknown_ones(hostile, source, sessions, box, athlete_id):
    record = run(1, brand_new_field={"nested": [1, 2.5, "x"]}, upload_id=987654321234567891234)
    hostile.pages([record])
    sync_athlete(sessions, source, box, athlete_id, NOW, ONE_PAGE)
    [row] = _rows(sessions, athlete_id).values()
    assert row["raw"] == json.loads(json.dumps(record))
