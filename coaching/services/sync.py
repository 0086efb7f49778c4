"""Pull an athlete's activities from Strava into the store.

Nightly cost when nothing is new: exactly one list call. First connect: a back-fill that walks
backwards with `before=` one page at a time, committing each page with its cursor, so a run that
stops (budget spent, Strava down, process killed) resumes where it stopped and never stores an
activity twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy.orm import Session, sessionmaker

from coaching.crypto import SecretBox
from coaching.services.tokens import fresh_access_token
from coaching.store.activities import ActivityRepository, GearRepository
from coaching.store.athletes import AthleteRepository
from coaching.strava.client import StravalibSource
from coaching.strava.errors import ApplicationInactive, AuthRevoked, MissingScope, NotFound
from coaching.strava.parse import parse_activities, parse_gear

log = logging.getLogger(__name__)

PAGE_SIZE = 200  # Strava's maximum per_page


@dataclass
class SyncResult:
    athlete_id: int
    new_activities: int = 0
    updated_activities: int = 0
    requests: int = 0
    backfill_done: bool = False
    problems: list[str] = field(default_factory=list)
    gear_ids: set[str] = field(default_factory=set)  # used by the activities stored this run


@dataclass(frozen=True)
class SyncPolicy:
    history_days: int = 400  # enough for every rule window and a year of weekly charts
    page_size: int = PAGE_SIZE


def sync_athlete(
    sessions: sessionmaker[Session],
    source: StravalibSource,
    box: SecretBox,
    athlete_id: int,
    now: datetime,
    policy: SyncPolicy = SyncPolicy(),
) -> SyncResult:
    """Raises our StravaError subclasses; the caller decides what a failure means for the run."""
    result = SyncResult(athlete_id)
    requests_before = source.budget.requests_made
    try:
        token = fresh_access_token(sessions, source, box, athlete_id, now.timestamp())
        with sessions.begin() as session:
            state = AthleteRepository(session).sync_state(athlete_id)
            newest, backfill_done = state.newest_start_utc, state.backfill_done
            if newest is not None and newest > now:
                # Stored before the cursor was capped: start again from the newest real start.
                newest = ActivityRepository(session).newest_start_utc(athlete_id, at_most=now) or (
                    now - timedelta(days=policy.history_days))
        if newest is not None:
            _sync_new(sessions, source, token, athlete_id, newest, now, policy, result)
        if not backfill_done:
            _backfill(sessions, source, token, athlete_id, now, policy, result)
        with sessions.begin() as session:
            # Gear whose fetch an earlier run never finished (a fault, a killed process): the
            # activities using it are stored, so no later run would see them as new.
            gear_ids = result.gear_ids | GearRepository(session).never_fetched(athlete_id)
        if gear_ids:
            # Gear distances only change when activities do, so a quiet night costs nothing here.
            # GET /athlete lists shoes only with profile:read_all, which we do not ask for.
            _refresh_gear(sessions, source, token, athlete_id, sorted(gear_ids))
        with sessions.begin() as session:
            state = AthleteRepository(session).sync_state(athlete_id)
            state.last_success_at = state.last_attempt_at = now
            state.last_error = None
            result.backfill_done = state.backfill_done
    except ApplicationInactive:
        # The app's state, not the runner's: nothing recorded, so they stay due for the next run.
        raise
    except (AuthRevoked, MissingScope) as error:
        with sessions.begin() as session:
            athletes = AthleteRepository(session)
            athletes.mark_disconnected(athlete_id, str(error))
            athletes.sync_state(athlete_id).last_error = str(error)[:500]
        raise
    except Exception as error:
        with sessions.begin() as session:
            state = AthleteRepository(session).sync_state(athlete_id)
            state.last_attempt_at = now
            state.last_error = f"{type(error).__name__}: {error}"[:500]
        raise
    finally:
        result.requests = source.budget.requests_made - requests_before
    return result


def newest_real_start(starts: list[datetime], now: datetime) -> datetime | None:
    """A watch with a wrong clock can upload a run that "starts" next year: as the `after=` cursor
    it would hide every real activity until then. So the cursor is the newest start that is not
    after the run's `now` (not `now` itself: a run that started before `now` but is uploaded after
    this sync must still be found)."""
    return max((start for start in starts if start <= now), default=None)


def _store_page(
    sessions: sessionmaker[Session], athlete_id: int, page: list[dict], result: SyncResult
) -> list[datetime]:
    parsed, problems = parse_activities(page)
    result.problems.extend(problems)
    if not parsed:
        return []
    with sessions.begin() as session:
        athlete = AthleteRepository(session).get(athlete_id)
        zones = [item.timezone_name for item in parsed if item.timezone_name]
        if athlete is not None and zones and athlete.timezone == "UTC":
            # Strava's athlete has no time zone; its activities do. The newest one wins until the
            # runner picks one on the preferences page.
            athlete.timezone = zones[0]
        activities = ActivityRepository(session)
        for item in parsed:
            try:
                is_new = activities.upsert(athlete_id, item.activity, private=item.private, raw=item.raw)
            except ValueError as error:  # another runner's id: one odd record must not block the page
                result.problems.append(f"activity {item.activity.id} skipped: {error}")
                continue
            if is_new:
                result.new_activities += 1
                if item.activity.gear_id:
                    result.gear_ids.add(item.activity.gear_id)
            else:
                result.updated_activities += 1
    return [item.activity.start_utc for item in parsed]


def _sync_new(
    sessions: sessionmaker[Session], source: StravalibSource, token: str, athlete_id: int,
    newest: datetime, now: datetime, policy: SyncPolicy, result: SyncResult,
) -> None:
    starts: list[datetime] = []
    seen: set[str] = set()
    page_number = 1
    while True:
        page = source.list_activities(token, after=newest, page=page_number, per_page=policy.page_size)
        starts += _store_page(sessions, athlete_id, page, result)
        ids = {str(item.get("id")) for item in page if isinstance(item, dict)}
        # A full page of nothing new means the answer ignores `page`: asking for the next one
        # would repeat it until the application's whole request budget is spent.
        if len(page) < policy.page_size or ids <= seen:
            break
        seen |= ids
        page_number += 1
    # Advance the cursor only once every page is stored: a run that stops half-way re-reads the same
    # range next time (stored by id, so nothing doubles) instead of skipping the older pages.
    if starts:
        with sessions.begin() as session:
            state = AthleteRepository(session).sync_state(athlete_id)
            state.newest_start_utc = newest_real_start([*starts, newest], now) or newest


def _backfill(
    sessions: sessionmaker[Session], source: StravalibSource, token: str, athlete_id: int,
    now: datetime, policy: SyncPolicy, result: SyncResult,
) -> None:
    history_start = now - timedelta(days=policy.history_days)
    with sessions.begin() as session:
        state = AthleteRepository(session).sync_state(athlete_id)
        cursor = state.backfill_before_utc or now
    while True:
        page = source.list_activities(token, before=cursor, after=history_start, per_page=policy.page_size)
        starts = _store_page(sessions, athlete_id, page, result)
        done = len(page) < policy.page_size or not starts
        with sessions.begin() as session:
            state = AthleteRepository(session).sync_state(athlete_id)
            if starts:
                newest = newest_real_start(starts, now)
                if newest is not None and (state.newest_start_utc is None or newest > state.newest_start_utc):
                    state.newest_start_utc = newest
                # One second past the oldest: `before` is exclusive and two activities may share a
                # second; the store dedupes by id.
                next_cursor = min(starts) + timedelta(seconds=1)
                done = done or next_cursor >= cursor  # no progress possible: stop, never loop
                cursor = next_cursor if not done else cursor
            state.backfill_before_utc = cursor
            if done:
                state.backfill_done = True
                if state.newest_start_utc is None:
                    # Nothing in the history window: sync from now on.
                    state.newest_start_utc = now.astimezone(timezone.utc)
                return


def _refresh_gear(
    sessions: sessionmaker[Session], source: StravalibSource, token: str, athlete_id: int, gear_ids: list[str]
) -> None:
    gear = []
    for gear_id in gear_ids:
        try:
            item = parse_gear(source.get_gear(token, gear_id))
        except NotFound:  # gone from Strava: nothing to refresh, and no reason to fail the sync
            log.info("gear %s of athlete %s is not on Strava any more", gear_id, athlete_id)
            continue
        if item is not None:
            gear.append(item)
    with sessions.begin() as session:
        GearRepository(session).upsert_many(athlete_id, gear)
