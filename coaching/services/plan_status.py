"""Each athlete's plan as a coach sees it: the plan, the risk trend, and the last weeks' adherence.

Nothing about plans is stored: the domain is pure, so the plan of the latest evaluated day and
the checks of the weeks before are recomputed from the stored training and check-ins, each
week's check from the evaluation of that week's last day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Sequence

from sqlalchemy.orm import Session

from coaching.domain.plan_model import Plan
from coaching.domain.plan_check import PlanCheck
from coaching.domain.risk import risk_score
from coaching.messages.views.digest import BROKEN_WEEKS_FLAGGED
from coaching.services.evaluation import evaluate_stored
from coaching.store.athletes import CheckinRepository
from coaching.store.models import Athlete, EvaluationRecord


@dataclass(frozen=True)
class PlanStatus:
    as_of: date
    plan: Plan | None
    risk_now: float
    risk_week_ago: float | None
    checks: tuple[PlanCheck | None, ...]  # newest first: the week ending on as_of, then the one before...
    pain_score: int | None  # the latest check-in, whenever it was
    pain_day: date | None



def plan_status(session: Session, athlete: Athlete, as_of: date | None = None, *, weeks: int = BROKEN_WEEKS_FLAGGED) -> PlanStatus | None:
    """The plan of `as_of` (default: the latest evaluated day) and `weeks` weeks of plan checks;
    None before the athlete's first evaluation."""
    if as_of is None:
        record = session.get(EvaluationRecord, athlete.id)
        if record is None:
            return None
        as_of = record.as_of
    evaluations = [evaluate_stored(session, athlete, as_of - timedelta(days=7 * week)) for week in range(max(weeks, 1))]
    latest = evaluations[0]
    checkins = CheckinRepository(session).for_athlete(athlete.id)
    last = checkins[-1] if checkins else None
    return PlanStatus(
        as_of=as_of,
        plan=latest.plan,
        risk_now=risk_score(latest.findings),
        risk_week_ago=latest.risk_score_week_ago,
        checks=tuple(e.plan_check for e in evaluations),
        pain_score=None if last is None else last.score,
        pain_day=None if last is None else last.day,
    )


def plan_statuses(session: Session, athletes: Sequence[Athlete], *, weeks: int = BROKEN_WEEKS_FLAGGED) -> dict[int, PlanStatus]:
    statuses = {}
    for athlete in athletes:
        status = plan_status(session, athlete, weeks=weeks)
        if status is not None:
            statuses[athlete.id] = status
    return statuses
