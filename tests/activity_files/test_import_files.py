"""Activity files as a second way in: FIT (Garmin's SDK), GPX and TCX, alone or in a Strava export
zip; the same store with the source recorded, the same duplicate guard, the same rules; a runner
may join with an email address and files alone. On SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from coaching.activity_files.importer import ImportRefused, import_files
from coaching.crypto import generate_key
from coaching.domain.model import Activity as DomainActivity
from coaching.runtime import Runtime
from coaching.settings import Settings
from coaching.store.activities import ActivityRepository
from coaching.store.models import Activity, Athlete, EvaluationRecord
from device_files import START, fit_run, gpx_run, strava_export, tcx_run

NOW = datetime(2026, 11, 21, 4, 0, tzinfo=timezone.utc)


@pytest.fixture
def runtime(engine) -> Iterator[Runtime]:
    runtime = Runtime(Settings(database_url="sqlite://", token_key=generate_key(), link_secret="files-secret"))
    runtime.__dict__["engine"] = engine
    yield runtime


def _activities(runtime: Runtime) -> list[Activity]:
    with runtime.sessions.begin() as session:
        rows = session.scalars(select(Activity).order_by(Activity.start_utc)).all()
        session.expunge_all()
        return rows


def test_a_runner_joins_with_an_email_and_a_fit_file_alone_and_is_evaluated(runtime):
    report = import_files(runtime, "new.runner@example.org", [("Morning_Run.fit", fit_run())], NOW)
    assert report.runner_created and report.stored == 1
    [row] = _activities(runtime)
    assert (row.source, row.sport_type, row.distance_m, row.moving_s) == ("fit", "Run", 10_000.0, 2970)
    assert row.start_local == datetime(2026, 11, 20, 8, 0)  # the watch's own offset, +1 h
    assert row.id < 0 and row.average_cadence_raw == 86.0
    assert set(row.raw) == {"source", "file"}  # no track, no position
    with runtime.sessions.begin() as session:
        athlete = session.get(Athlete, report.athlete_id)
        assert (athlete.email, athlete.connected) == ("new.runner@example.org", False)
        assert athlete.display_name == "new.runner@example.org"
        assert session.get(EvaluationRecord, athlete.id) is not None  # the same rules ran


def test_a_rerun_with_the_same_files_stores_nothing_new(runtime):
    files = [("a.fit", fit_run()), ("b.gpx", gpx_run(START + timedelta(days=1))),
             ("c.tcx.gz", gzip.compress(tcx_run(START + timedelta(days=2))))]
    first = import_files(runtime, "r@example.org", files, NOW + timedelta(days=3))
    again = import_files(runtime, "r@example.org", files, NOW + timedelta(days=3))
    assert (first.stored, again.stored, again.already_stored) == (3, 0, 3)
    assert not again.runner_created and again.athlete_id == first.athlete_id
    assert [row.source for row in _activities(runtime)] == ["fit", "gpx", "tcx"]


def test_a_file_of_a_run_already_stored_from_strava_is_the_same_activity(runtime):
    with runtime.sessions.begin() as session:
        athlete = Athlete(strava_id=4242, email="ana@example.org", threshold_overrides={})
        session.add(athlete)
        session.flush()
        ActivityRepository(session).upsert(athlete.id, DomainActivity(
            id=16_181_809_559, sport_type="Run", start_local=datetime(2026, 11, 20, 8, 0), start_utc=START + timedelta(seconds=20),
            distance_m=10_120.0, moving_s=2960), private=False, raw={"id": 16_181_809_559})
    report = import_files(runtime, "4242", [("watch.fit", fit_run())], NOW)
    assert (report.stored, report.same_run_stored) == (0, 1)
    assert [row.source for row in _activities(runtime)] == ["strava"]


def test_a_strava_export_zip_brings_names_types_and_strava_ids(runtime):
    export = strava_export([(16_000_000_001, "Long run", fit_run(START, distance_m=21_000, seconds=7200)),
                            (16_000_000_002, "Easy", fit_run(START + timedelta(days=1), distance_m=6000, seconds=2100))])
    report = import_files(runtime, "exporter@example.org", [("export_123.zip", export)], NOW + timedelta(days=2))
    assert report.stored == 2 and sorted(report.ignored) == ["media/photo.jpg", "profile.csv"]
    rows = _activities(runtime)
    assert [(r.id, r.name, r.source) for r in rows] == [(16_000_000_001, "Long run", "fit"), (16_000_000_002, "Easy", "fit")]


def test_a_runner_named_by_an_unknown_strava_id_is_refused(runtime):
    with pytest.raises(ImportRefused, match="no runner with Strava id 999"):
        import_files(runtime, "999", [("a.fit", fit_run())], NOW)
    assert _activities(runtime) == []


def test_a_garmin_export_of_plain_fit_files_is_decoded_on_every_core_and_stored_once(runtime):
    from device_files import zip_of

    files = {f"DI_CONNECT/DI-Connect-Uploaded-Files/run_{day}.fit": fit_run(START + timedelta(days=day))
             for day in range(16)}  # as many as go to the process pool
    report = import_files(runtime, "garmin@example.org", [("garmin_export.zip", zip_of(files))], NOW + timedelta(days=17))
    assert report.stored == 16 and report.ignored == []
    rerun = import_files(runtime, "garmin@example.org", [("garmin_export.zip", zip_of(files))], NOW + timedelta(days=17))
    assert (rerun.stored, rerun.already_stored) == (0, 16)
