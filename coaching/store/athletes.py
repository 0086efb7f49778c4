"""Athletes, coaches and consent. Repositories take a session and never commit."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coaching.store.models import Athlete, Coach, CoachAthlete, PainCheckin, SyncState, utcnow


class AthleteRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, athlete_id: int) -> Athlete | None:
        return self.session.get(Athlete, athlete_id)

    def many(self, athlete_ids: list[int]) -> list[Athlete]:
        return list(self.session.scalars(select(Athlete).where(Athlete.id.in_(athlete_ids)).order_by(Athlete.id)))

    def by_strava_id(self, strava_id: int) -> Athlete | None:
        return self.session.scalar(select(Athlete).where(Athlete.strava_id == strava_id))

    def upsert_from_strava(
        self, strava_id: int, *, first_name: str, last_name: str, timezone: str | None, units: str | None,
        now: datetime | None = None,
    ) -> Athlete:
        """Reconnecting the same Strava athlete updates the row, never duplicates it. `now` is
        when a new row was created (signed links older than that are refused): the caller's
        clock, else the wall clock."""
        athlete = self.by_strava_id(strava_id)
        if athlete is None:
            athlete = Athlete(strava_id=strava_id, threshold_overrides={}, created_at=now or utcnow())
            self.session.add(athlete)
        athlete.first_name = first_name[:100]
        athlete.last_name = last_name[:100]
        if timezone:
            athlete.timezone = timezone
        if units:
            athlete.units = units
        athlete.connected = True
        athlete.disconnected_reason = None
        self.session.flush()
        return athlete

    def connected(self) -> list[Athlete]:
        return list(self.session.scalars(select(Athlete).where(Athlete.connected.is_(True)).order_by(Athlete.id)))

    def due_for_sync(self) -> list[Athlete]:
        """Connected athletes, the longest-waiting first: when the Strava budget runs out part-way,
        the next run starts with those the last one did not reach."""
        return list(
            self.session.scalars(
                select(Athlete)
                .outerjoin(SyncState, SyncState.athlete_id == Athlete.id)
                .where(Athlete.connected.is_(True))
                .order_by(SyncState.last_success_at.is_not(None), SyncState.last_success_at, Athlete.id)
            )
        )

    def all(self) -> list[Athlete]:
        return list(self.session.scalars(select(Athlete).order_by(Athlete.id)))

    def ids_wanting_summaries(self) -> list[int]:
        """Ids only: loading 10,000 whole rows to read one column each cost more than a batch."""
        return list(
            self.session.scalars(
                select(Athlete.id)
                .where(Athlete.summaries_enabled.is_(True), Athlete.unsubscribed_at.is_(None))
                .order_by(Athlete.id)
            )
        )

    def sync_state(self, athlete_id: int) -> SyncState:
        state = self.session.get(SyncState, athlete_id)
        if state is None:
            state = SyncState(athlete_id=athlete_id)
            self.session.add(state)
            self.session.flush()
        return state

    def mark_disconnected(self, athlete_id: int, reason: str) -> None:
        athlete = self.session.get(Athlete, athlete_id)
        if athlete is not None:
            athlete.connected = False
            athlete.disconnected_reason = reason[:200]


class CoachRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, coach_id: int) -> Coach | None:
        return self.session.get(Coach, coach_id)

    def all(self) -> list[Coach]:
        return list(self.session.scalars(select(Coach).order_by(Coach.id)))

    def upsert(self, *, name: str, email: str, timezone: str = "UTC", now: datetime | None = None) -> Coach:
        """`now`: when a new coach's row was made (their digest links older than that are
        refused); the caller's clock, else the wall clock."""
        coach = self.session.scalar(select(Coach).where(Coach.email == email))
        if coach is None:
            coach = Coach(name=name, email=email, timezone=timezone, created_at=now or utcnow())
            self.session.add(coach)
        coach.name, coach.timezone = name, timezone
        self.session.flush()
        return coach

    def grant_consent(self, coach_id: int, athlete_id: int, at: datetime | None = None) -> None:
        link = self.session.get(CoachAthlete, (coach_id, athlete_id))
        if link is None:
            link = CoachAthlete(coach_id=coach_id, athlete_id=athlete_id)
            self.session.add(link)
        if not link.consent_active:
            link.consented_at, link.withdrawn_at = at or utcnow(), None
        self.session.flush()

    def withdraw_consent(self, coach_id: int, athlete_id: int, at: datetime | None = None) -> None:
        link = self.session.get(CoachAthlete, (coach_id, athlete_id))
        if link is not None and link.withdrawn_at is None:
            link.withdrawn_at = at or utcnow()

    def consenting_athletes(self, coach_id: int) -> list[Athlete]:
        """Only athletes whose consent stands: the coach sees nobody else."""
        return list(
            self.session.scalars(
                select(Athlete)
                .join(CoachAthlete, CoachAthlete.athlete_id == Athlete.id)
                .where(
                    CoachAthlete.coach_id == coach_id,
                    CoachAthlete.consented_at.is_not(None),
                    CoachAthlete.withdrawn_at.is_(None),
                )
                .order_by(Athlete.id)
            )
        )


class CheckinRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, athlete_id: int, day: object, score: int) -> PainCheckin:
        if not 0 <= score <= 10:
            raise ValueError("pain score must be between 0 and 10")
        checkin = self.session.scalar(
            select(PainCheckin).where(PainCheckin.athlete_id == athlete_id, PainCheckin.day == day)
        )
        if checkin is None:
            checkin = PainCheckin(athlete_id=athlete_id, day=day, score=score)
            self.session.add(checkin)
        checkin.score = score
        self.session.flush()
        return checkin

    def for_athlete(self, athlete_id: int) -> list[PainCheckin]:
        return list(
            self.session.scalars(
                select(PainCheckin).where(PainCheckin.athlete_id == athlete_id).order_by(PainCheckin.day)
            )
        )

    def for_athletes(self, athlete_ids: list[int], since: date) -> dict[int, list[PainCheckin]]:
        """`for_athlete` for a batch, from `since` on, in one query."""
        result: dict[int, list[PainCheckin]] = {athlete_id: [] for athlete_id in athlete_ids}
        if athlete_ids:
            rows = self.session.scalars(
                select(PainCheckin)
                .where(PainCheckin.athlete_id.in_(athlete_ids), PainCheckin.day >= since)
                .order_by(PainCheckin.day)
            )
            for row in rows:
                result[row.athlete_id].append(row)
        return result
