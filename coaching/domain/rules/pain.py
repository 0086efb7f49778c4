"""The article's "let pain be your guide": the runner's own 0-10 knee-pain check-ins."""

from __future__ import annotations

from datetime import date

from coaching.domain.model import Evidence, Finding, PainCheckin, Severity
from coaching.domain.rules.base import PAIN_REPORTED, RuleContext, RuleOutcome, skipped


def valid_checkin(checkin: PainCheckin) -> bool:
    score = getattr(checkin, "score", None)
    return (
        isinstance(getattr(checkin, "day", None), date)
        and isinstance(score, int)
        and not isinstance(score, bool)
        and 0 <= score <= 10
    )


def find_reported_pain(ctx: RuleContext) -> RuleOutcome:
    t = ctx.thresholds.pain_reported
    h = ctx.history
    history = sorted((c for c in ctx.checkins if valid_checkin(c) and c.day <= h.as_of), key=lambda c: c.day)
    first = h.day(t.recent_days - 1)
    recent = [c for c in history if c.day.toordinal() >= first]
    if not recent:
        return skipped(PAIN_REPORTED, f"no knee-pain check-in in the last {t.recent_days} days")
    latest = recent[-1]
    previous = history[-2] if len(history) >= 2 else None
    run_days = set(h.run_days)
    rose_after_run = (
        previous is not None
        and latest.score > previous.score
        and latest.day.toordinal() - 1 in run_days
    )
    last_few = recent[-t.persistent_checkins :]
    persistent = len(last_few) == t.persistent_checkins and all(c.score > t.persistent_above for c in last_few)
    if latest.score >= t.warning_score or persistent:
        severity = Severity.WARNING
    elif latest.score >= t.caution_score or rose_after_run:
        severity = Severity.CAUTION
    else:
        return RuleOutcome()
    if persistent and latest.score < t.warning_score:
        why = f"Your knee pain has stayed above {t.persistent_above}/10 for {t.persistent_checkins} check-ins in a row."
    elif rose_after_run and latest.score < t.caution_score:
        why = f"Your knee pain rose to {latest.score}/10 the morning after a run; pain that follows runs is the knee asking for less load."
    else:
        why = f"You reported knee pain of {latest.score}/10; pain is the knee's own signal that the load is more than it can take."
    swap = ctx.usual_run_minutes(28)
    return RuleOutcome(
        findings=[
            Finding(
                rule=PAIN_REPORTED,
                severity=severity,
                evidence=Evidence.C,
                subject=latest.day.isoformat(),
                why=why,
                metrics={
                    "pain_score": latest.score,
                    "previous_pain_score": None if previous is None else previous.score,
                    "checkin_day": latest.day.isoformat(),
                    "rose_after_run": "yes" if rose_after_run else "no",
                    "swap_cross_training_min": swap,
                },
            )
        ]
    )
