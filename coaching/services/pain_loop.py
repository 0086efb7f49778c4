"""The pain loop closes the same morning: a knee-pain check-in re-evaluates the runner at once.

The evaluation is recorded (so the coach's roster shows the athlete flagged, with the score, from
that moment), and when the plan's running mode changes (say normal to stop) the runner is sent the
new plan right away: one message a day at most (the outbox key is the runner, the kind and the
day), queued with the re-evaluation and delivered straight after it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coaching.messages.render import render_plan_change
from coaching.messages.views.plan_change import plan_change_view
from coaching.runtime import Runtime
from coaching.services.checkins import local_today, record_checkin
from coaching.services.evaluation import evaluate_athlete, evaluate_stored
from coaching.services.notify import _channels, deliver_messages, outbox_messages, recipient_for
from coaching.store.models import Athlete, OutboxMessage
from coaching.store.outbox import OutboxRepository

log = logging.getLogger(__name__)

KIND = "plan_change"


@dataclass(frozen=True)
class CheckinOutcome:
    day: date
    mode_before: str | None  # the plan's running mode without today's score (None: no plan)
    mode_after: str | None
    message_ids: tuple[int, ...]  # the plan-change messages queued now (at most one per channel)

    @property
    def changed(self) -> bool:
        return self.mode_before != self.mode_after


def record_and_replan(runtime: Runtime, athlete_id: int, score: int, now_utc: datetime) -> CheckinOutcome | None:
    """Store today's score, re-evaluate the runner on today (their local day) and queue the new
    plan if its running mode changed; None when the athlete is gone. The score is committed first,
    on its own: a re-evaluation that fails (logged) never loses the runner's answer."""
    with runtime.sessions.begin() as session:
        athlete = session.get(Athlete, athlete_id)
        if athlete is None:
            return None
        day = local_today(now_utc, athlete.timezone)
        before = _mode(session, athlete, day)
        record_checkin(session, athlete, score, now_utc)
    try:
        with runtime.sessions.begin() as session:
            athlete = session.get(Athlete, athlete_id)
            if athlete is None:
                return None
            return _replan(runtime, session, athlete, day, before, score, now_utc)
    except Exception as error:  # noqa: BLE001 - the nightly run evaluates again
        log.warning("re-evaluation after a check-in failed athlete_id=%s reason=%s", athlete_id, type(error).__name__)
        return CheckinOutcome(day, before, before, ())


def _mode(session: Session, athlete: Athlete, day: date) -> str | None:
    try:
        plan = evaluate_stored(session, athlete, day).plan
    except Exception:  # noqa: BLE001 - without the plan before, any plan after counts as a change
        return None
    return None if plan is None else str(plan.running.value)


def _replan(runtime: Runtime, session: Session, athlete: Athlete, day: date, before: str | None, score: int,
            now_utc: datetime) -> CheckinOutcome:
    after = evaluate_athlete(session, athlete, day, evaluated_at=now_utc).evaluation.plan
    mode_after = None if after is None else str(after.running.value)
    if mode_after == before or after is None or not athlete.alerts_enabled or athlete.unsubscribed_at is not None:
        return CheckinOutcome(day, before, mode_after, ())
    view = plan_change_view(recipient_for(runtime, athlete, now_utc), after, before or "none", score, now_utc=now_utc)
    outbox = OutboxRepository(session)
    for message in outbox_messages("athlete", athlete.id, KIND, day.isoformat(), _channels(athlete),
                                   render_plan_change(view)):
        outbox.enqueue(message, now_utc)
    ids = tuple(session.scalars(
        select(OutboxMessage.id).where(
            OutboxMessage.recipient_type == "athlete", OutboxMessage.recipient_id == athlete.id,
            OutboxMessage.kind == KIND, OutboxMessage.period == day.isoformat(), OutboxMessage.status == "queued",
        )
    ))
    return CheckinOutcome(day, before, mode_after, ids)


def deliver_new_plan(runtime: Runtime, outcome: CheckinOutcome | None, now_utc: datetime) -> int:
    """Send the queued plan change now; the scheduled delivery retries it if this fails."""
    if outcome is None or not outcome.message_ids:
        return 0
    return deliver_messages(runtime, now_utc, outcome.message_ids).sent
