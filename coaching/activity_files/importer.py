"""Import activity files for a runner: everything is read and checked first, so a refused file
stores nothing (and neither does the rest of that command); then one transaction stores what is
new, and the runner is evaluated by the same rules as after a Strava sync.

The same run twice is one activity: a file already imported has the same id (Strava's, from an
export's activities.csv, or one derived from the file's bytes), and a file whose run is already
stored from another source (same sport, start within 60 s, distance within 3 %: the data-quality
guard's near-duplicate rule) is not stored again.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from coaching.activity_files.archive import Member, open_file
from coaching.activity_files.readers import FileRefused, FileSummary, read_activity
from coaching.domain.model import Activity as DomainActivity
from coaching.domain.model import sport_category
from coaching.domain.thresholds import DEFAULT_THRESHOLDS
from coaching.runtime import Runtime
from coaching.store.activities import ActivityRepository
from coaching.store.models import Activity, Athlete

log = logging.getLogger(__name__)

_QUALITY = DEFAULT_THRESHOLDS.quality


class ImportRefused(ValueError):
    """One line for the runner or the operator; nothing was stored."""


@dataclass
class ImportReport:
    athlete_id: int = 0
    runner_created: bool = False
    stored: int = 0
    already_stored: int = 0  # the same file (or Strava's copy with its id) was stored before
    same_run_stored: int = 0  # the run is stored from another source
    ignored: list[str] = field(default_factory=list)  # not activity files (photos, profile.csv...)


def file_activity_id(data: bytes) -> int:
    """Negative, so that it never meets a Strava id; the same bytes give the same id."""
    return -(int.from_bytes(hashlib.sha256(data).digest()[:7], "big") + 1)


def placeholder_strava_id(email: str) -> int:
    """A runner who joined with files alone has no Strava id: a negative one stands in."""
    return -(int.from_bytes(hashlib.sha256(email.lower().encode()).digest()[:7], "big") + 1)


PARALLEL_FROM = 16  # files: below this a process pool costs more than it saves


def open_all(files: list[tuple[str, bytes]]) -> tuple[list[Member], list[str]]:
    members, ignored = [], []
    for name, data in files:
        try:
            opened = open_file(name, data)
        except FileRefused as error:
            raise ImportRefused(f"{error}; nothing was imported") from None
        members += opened.members
        ignored += opened.ignored
    return members, ignored


def _read(member: Member) -> FileSummary:
    try:
        return read_activity(member.name, member.data)
    except FileRefused as error:
        raise ImportRefused(f"{member.name}: {error}; nothing was imported") from None


def read_all(members: list[Member]) -> list[FileSummary]:
    """Decoding is the slow part (Garmin's FIT SDK is pure Python, ~100 ms for an hour's run):
    many files go to a process pool, one process per core."""
    if len(members) < PARALLEL_FROM:
        return [_read(member) for member in members]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(pool.map(_read, members, chunksize=8))


def member_id(member: Member) -> int:
    return member.strava_id or file_activity_id(member.data)


def _stored_owners(session: Session, ids: list[int]) -> dict[int, int]:
    owners: dict[int, int] = {}
    for start in range(0, len(ids), 500):
        owners.update(session.execute(select(Activity.id, Activity.athlete_id)
                                      .where(Activity.id.in_(ids[start:start + 500]))).tuples().all())
    return owners


def find_runner(session: Session, who: str, now: datetime) -> tuple[Athlete, bool]:
    """By Strava id (digits) or email; an email nobody has yet makes a runner who joins with files."""
    who = who.strip()
    if who.isdigit():
        athlete = session.scalar(select(Athlete).where(Athlete.strava_id == int(who)))
        if athlete is None:
            raise ImportRefused(f"no runner with Strava id {who}; give their email address to add one")
        return athlete, False
    if "@" not in who or len(who) > 320 or any(c.isspace() for c in who):
        raise ImportRefused(f"{who[:80]!r} is neither an email address nor a Strava athlete id")
    athlete = session.scalar(select(Athlete).where(Athlete.email == who).order_by(Athlete.id).limit(1))
    if athlete is not None:
        return athlete, False
    athlete = Athlete(strava_id=placeholder_strava_id(who), email=who, connected=False, threshold_overrides={},
                      created_at=now, updated_at=now)
    session.add(athlete)
    session.flush()
    return athlete, True


def _domain(member: Member, summary: FileSummary, zone: str) -> DomainActivity:
    if summary.utc_offset_s is not None:
        start_local = (summary.start_utc + timedelta(seconds=summary.utc_offset_s)).replace(tzinfo=None)
    else:
        try:
            start_local = summary.start_utc.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        except Exception:  # an unknown zone name: UTC wall time
            start_local = summary.start_utc.replace(tzinfo=None)
    moving_s = summary.moving_s or summary.elapsed_s
    return DomainActivity(
        id=member_id(member), sport_type=member.sport_type or summary.sport_type,
        start_local=start_local, start_utc=summary.start_utc, distance_m=summary.distance_m, moving_s=moving_s,
        elapsed_s=summary.elapsed_s, elevation_gain_m=summary.elevation_gain_m,
        average_speed_mps=summary.distance_m / moving_s if moving_s else None,
        average_heartrate_bpm=summary.average_heartrate_bpm, max_heartrate_bpm=summary.max_heartrate_bpm,
        average_cadence_raw=summary.average_cadence_raw, trainer=summary.trainer,
        name=(member.title or summary.name or f"{summary.sport_type} ({summary.source.upper()} file)")[:255],
    )


def _same_run_stored(session: Session, athlete_id: int, activity: DomainActivity) -> bool:
    window = timedelta(seconds=_QUALITY.near_duplicate_s)
    rows = session.execute(select(Activity.sport_type, Activity.distance_m).where(
        Activity.athlete_id == athlete_id, Activity.id != activity.id,
        Activity.start_utc >= activity.start_utc - window, Activity.start_utc <= activity.start_utc + window,
    )).all()
    tolerance = _QUALITY.near_duplicate_distance_pct / 100
    return any(
        sport_category(sport) == activity.category
        and abs(distance - activity.distance_m) <= tolerance * max(distance, activity.distance_m, 1.0)
        for sport, distance in rows
    )


def import_files(runtime: Runtime, who: str, files: list[tuple[str, bytes]], now: datetime) -> ImportReport:
    members, ignored = open_all(files)
    with runtime.sessions.begin() as session:
        owners = _stored_owners(session, sorted({member_id(m) for m in members}))
    # A file stored before needs no decoding: a rerun of a whole export costs a few queries.
    fresh = [m for m in members if member_id(m) not in owners]
    summaries = read_all(fresh)
    report = ImportReport(ignored=ignored, already_stored=len(members) - len(fresh))
    with runtime.sessions.begin() as session:
        athlete, report.runner_created = find_runner(session, who, now)
        report.athlete_id = athlete.id
        if any(owner != athlete.id for owner in owners.values()):
            raise ImportRefused("some of these activities belong to another runner; nothing was imported")
        repository = ActivityRepository(session)
        seen: set[int] = set()
        for member, summary in zip(fresh, summaries):
            activity = _domain(member, summary, athlete.timezone)
            if activity.id in seen or session.get(Activity, activity.id) is not None:
                report.already_stored += 1
                continue
            if _same_run_stored(session, athlete.id, activity):
                report.same_run_stored += 1
                continue
            seen.add(activity.id)
            raw = {"source": summary.source, "file": member.name.rsplit("/", 1)[-1][:200]}
            repository.upsert(athlete.id, activity, private=False, raw=raw, source=summary.source)
            report.stored += 1
    if report.stored:
        _evaluate(runtime, report.athlete_id, now)
    return report


def _evaluate(runtime: Runtime, athlete_id: int, now: datetime) -> None:
    """The same rules as after a night's sync; an alert is queued where links can be signed."""
    from coaching.services.evaluation import evaluate_athlete, evaluation_day
    from coaching.services.notify import queue_alert

    with runtime.sessions.begin() as session:
        athlete = session.get(Athlete, athlete_id)
        result = evaluate_athlete(session, athlete, evaluation_day(now, athlete.timezone), evaluated_at=now)
        if runtime.settings.link_secret is not None:
            queue_alert(runtime, session, athlete, result, now)
