"""Evaluate an athlete's stored training with the pure domain and record what it found."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from coaching.domain.evaluate import evaluate
from coaching.domain.model import Evaluation, PainCheckin
from coaching.domain.risk import risk_score
from coaching.domain.thresholds import DEFAULT_THRESHOLDS
from coaching.store.activities import ActivityRepository, GearRepository
from coaching.store.athletes import AthleteRepository, CheckinRepository
from coaching.store.findings import FindingRepository
from coaching.store.models import Athlete, FindingRecord

# Every rule window (180 days of max heart rate, 8 weeks before a break, 12 weekly bars, a 42-day
# fitness constant) fits in this much history.
HISTORY_DAYS = 400


@dataclass(frozen=True)
class AthleteEvaluation:
    athlete_id: int
    evaluation: Evaluation
    risk_score: float
    to_alert: list[FindingRecord]


def evaluation_day(now_utc: datetime, tz_name: str) -> date:
    """The nightly run happens in the small hours: it evaluates the local day that just ended."""
    try:
        zone = ZoneInfo(tz_name)
    except Exception:  # an unknown zone name must not stop the night
        zone = ZoneInfo("UTC")
    return now_utc.astimezone(zone).date() - timedelta(days=1)


def evaluate_athlete(session: Session, athlete: Athlete, as_of: date,
                     evaluated_at: datetime | None = None) -> AthleteEvaluation:
    evaluation = evaluate_stored(session, athlete, as_of, evaluated_at)
    score = risk_score(evaluation.findings)
    to_alert = FindingRepository(session).record(athlete.id, evaluation, score, evaluated_at)
    return AthleteEvaluation(athlete.id, evaluation, score, to_alert)


def evaluate_stored(session: Session, athlete: Athlete, as_of: date, now: datetime | None = None) -> Evaluation:
    """The domain's evaluation of the athlete's stored training and check-ins on `as_of`,
    recording nothing (the coach page and the digest recompute past weeks' plans with it). With
    `now`, activities that start after it (a device's wrong clock) become data-quality notes."""
    since = datetime.combine(as_of - timedelta(days=HISTORY_DAYS), datetime.min.time())
    loaded = ActivityRepository(session).for_athlete(athlete.id, since_local=since)
    activities = [a for a in loaded if a.local_day <= as_of]
    gear = GearRepository(session).for_athlete(athlete.id)
    checkins = [
        PainCheckin(day=c.day, score=c.score)
        for c in CheckinRepository(session).for_athlete(athlete.id)
        if c.day <= as_of
    ]
    thresholds = DEFAULT_THRESHOLDS.with_overrides(athlete.threshold_overrides or {})
    # Once the back-fill is done every day of the loaded window is known: an empty day is a rest
    # day, not missing data. Before that, the record starts at the earliest stored activity.
    backfilled = AthleteRepository(session).sync_state(athlete.id).backfill_done
    evaluation = evaluate(
        activities, as_of, gear=gear, checkins=checkins, thresholds=thresholds, units=athlete.units,
        history_start=since.date() if backfilled else None,
    )
    if now is not None:
        evaluation = replace(evaluation, data_quality=(*evaluation.data_quality, *future_start_notes(loaded, now)))
    return evaluation


def future_start_notes(activities: list, now: datetime) -> list[str]:
    """Activities that start after `now`: a device with a wrong clock. They count only from the day
    they claim, so the runner is told rather than left wondering why a run is missing."""
    return [
        f"activity {a.id} starts {a.start_utc:%Y-%m-%d %H:%M} UTC, after this evaluation: the device's clock "
        "was probably wrong. It is left out until that day; correct its date on Strava to count it now."
        for a in sorted(activities, key=lambda a: a.start_utc) if a.start_utc > now
    ]
