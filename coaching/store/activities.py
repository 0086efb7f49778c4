"""Activities and gear: stored by Strava id, so storing the same page twice changes nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Iterable, Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from coaching.domain import model as domain
from coaching.store.models import Activity, Gear


# Columns the domain needs, in the domain Activity's field order (a test checks it), read with Core:
# building ORM objects for a year of activities per athlete costs more than the evaluation itself.
_DOMAIN_COLUMNS = (
    Activity.athlete_id, Activity.id, Activity.sport_type, Activity.start_local, Activity.start_utc,
    Activity.distance_m, Activity.moving_s, Activity.elapsed_s, Activity.elevation_gain_m,
    Activity.average_speed_mps, Activity.average_heartrate_bpm, Activity.max_heartrate_bpm,
    Activity.average_cadence_raw, Activity.workout_type, Activity.gear_id, Activity.manual,
    Activity.trainer, Activity.name,
)


def to_domain_activity(row: Activity) -> domain.Activity:
    return domain.Activity(
        id=row.id,
        sport_type=row.sport_type,
        start_local=row.start_local,
        start_utc=row.start_utc,
        distance_m=row.distance_m,
        moving_s=row.moving_s,
        elapsed_s=row.elapsed_s,
        elevation_gain_m=row.elevation_gain_m,
        average_speed_mps=row.average_speed_mps,
        average_heartrate_bpm=row.average_heartrate_bpm,
        max_heartrate_bpm=row.max_heartrate_bpm,
        average_cadence_raw=row.average_cadence_raw,
        workout_type=row.workout_type,
        gear_id=row.gear_id,
        manual=row.manual,
        trainer=row.trainer,
        name=row.name,
    )


class ActivityRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def upsert(self, athlete_id: int, item: domain.Activity, *, private: bool, raw: dict,
               source: str = "strava") -> bool:
        """Insert or update one activity; True when it was new."""
        row = self.session.get(Activity, item.id)
        is_new = row is None
        if row is None:
            row = Activity(id=item.id, athlete_id=athlete_id)
            self.session.add(row)
        elif row.athlete_id != athlete_id:
            # Strava ids are global; an id owned by someone else is never reassigned silently.
            raise ValueError(f"activity {item.id} belongs to another athlete")
        row.name = item.name
        row.sport_type = item.sport_type
        row.start_utc = item.start_utc
        row.start_local = item.start_local
        row.distance_m = item.distance_m
        row.moving_s = item.moving_s
        row.elapsed_s = item.elapsed_s
        row.elevation_gain_m = item.elevation_gain_m
        row.average_speed_mps = item.average_speed_mps
        row.average_heartrate_bpm = item.average_heartrate_bpm
        row.max_heartrate_bpm = item.max_heartrate_bpm
        row.average_cadence_raw = item.average_cadence_raw
        row.workout_type = item.workout_type
        row.gear_id = item.gear_id
        row.manual = item.manual
        row.trainer = item.trainer
        row.private = private
        row.source = source
        row.raw = raw
        return is_new

    def delete(self, activity_id: int) -> bool:
        return bool(self.session.execute(delete(Activity).where(Activity.id == activity_id)).rowcount)

    def for_athlete(self, athlete_id: int, since_local: datetime | None = None) -> list[domain.Activity]:
        return self.for_athletes([athlete_id], since_local)[athlete_id]

    def for_athletes(
        self, athlete_ids: Sequence[int], since_local: datetime | None = None
    ) -> dict[int, list[domain.Activity]]:
        """One query for a whole batch of athletes, oldest first."""
        result: dict[int, list[domain.Activity]] = {athlete_id: [] for athlete_id in athlete_ids}
        if not athlete_ids:
            return result
        # The athlete id goes last, so `from_values` takes the row as it is (it zips the domain
        # fields, in order, and stops before the extra column): slicing each of a batch's ~20,000
        # rows cost a fifth of the load. The session's connection skips the ORM layer, which
        # Core rows do not need.
        query = select(*_DOMAIN_COLUMNS[1:], Activity.athlete_id).where(Activity.athlete_id.in_(list(athlete_ids)))
        if since_local is not None:
            query = query.where(Activity.start_local >= since_local)
        from_values = domain.Activity.from_values
        rows = self.session.connection().execute(query.order_by(Activity.athlete_id, Activity.start_local))
        for row in rows:
            result[row[-1]].append(from_values(row))
        return result

    def count(self, athlete_id: int | None = None) -> int:
        query = select(func.count()).select_from(Activity)
        if athlete_id is not None:
            query = query.where(Activity.athlete_id == athlete_id)
        return int(self.session.scalar(query) or 0)

    def newest_start_utc(self, athlete_id: int, at_most: datetime | None = None) -> datetime | None:
        query = select(func.max(Activity.start_utc)).where(Activity.athlete_id == athlete_id)
        if at_most is not None:
            query = query.where(Activity.start_utc <= at_most)
        return self.session.scalar(query)


class GearRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def upsert_many(self, athlete_id: int, items: Iterable[domain.Gear]) -> None:
        for item in items:
            row = self.session.get(Gear, item.id)
            if row is None:
                row = Gear(id=item.id, athlete_id=athlete_id)
                self.session.add(row)
            row.name, row.distance_m, row.retired = item.name, item.distance_m, item.retired

    def never_fetched(self, athlete_id: int) -> set[str]:
        """Gear ids the athlete's stored activities use but the gear table lacks (one indexed query)."""
        stored = select(Gear.id).where(Gear.athlete_id == athlete_id)
        used = select(Activity.gear_id).where(Activity.athlete_id == athlete_id, Activity.gear_id.is_not(None))
        return set(self.session.scalars(used.where(Activity.gear_id.not_in(stored)).distinct()))

    def for_athlete(self, athlete_id: int) -> list[domain.Gear]:
        rows = self.session.scalars(select(Gear).where(Gear.athlete_id == athlete_id).order_by(Gear.id))
        return [domain.Gear(id=r.id, name=r.name, distance_m=r.distance_m, retired=r.retired) for r in rows]
