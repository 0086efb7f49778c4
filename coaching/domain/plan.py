"""The plan for the next 7 days (RULES.md): one set of numbers, reconciled across every finding.

Findings explain; the plan tells the runner what to do on D+1 .. D+7. Each field starts at its
baseline and each finding (and the latest knee-pain check-in) may only tighten it: where two set
the same limit, the stricter wins and the field records which one set it (`set_by`: a rule id,
`baseline` or `pain`). Suggestions and messages refer to the plan and name no cap of their own.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Sequence

from coaching.domain.model import Evidence, Finding, Severity, Skipped
from coaching.domain.plan_model import (  # noqa: F401 - the plan's names, importable from here
    BASELINE,
    HOLD,
    NORMAL,
    PAIN,
    PLAN,
    PLAN_DAYS,
    STOP,
    Limit,
    Plan,
    ceil_1,
    floor_1,
)
from coaching.domain.rules import base as r
from coaching.domain.rules.base import RuleContext, up_to_5_min
from coaching.domain.rules.load import acute_chronic_ratio
from coaching.domain.rules.pain import valid_checkin
from coaching.domain.stats import median
from coaching.domain.units import format_distance_km, format_elevation_m


def make_plan(ctx: RuleContext, findings: Sequence[Finding]) -> Plan | Skipped:
    """The plan for D+1 .. D+7 from the evaluation of D (its context and findings)."""
    t = ctx.thresholds.plan
    h = ctx.history
    if not h.covers(h.day(t.history_days - 1)):
        return Skipped(PLAN, f"needs {t.history_days} days of history")
    return _Planner(ctx, findings).plan()


class _Planner:
    def __init__(self, ctx: RuleContext, findings: Sequence[Finding]) -> None:
        self.ctx = ctx
        self.t = ctx.thresholds.plan
        self.h = ctx.history
        self.units = ctx.units
        self.by_rule: dict[str, list[Finding]] = {}
        for finding in findings:
            self.by_rule.setdefault(finding.rule, []).append(finding)
        h = self.h
        self.w0 = h.run_km_between(h.day(6), h.last_day)
        self.w1 = h.run_km_between(h.day(13), h.day(7))
        self.w2 = h.run_km_between(h.day(20), h.day(14))
        pain = self.by_rule.get(r.PAIN_REPORTED, [])
        worst = max(pain, key=lambda f: f.severity) if pain else None
        self.pain = worst
        self.mode = NORMAL if worst is None else (STOP if worst.severity >= Severity.WARNING else HOLD)

    def km(self, value: float) -> str:
        return format_distance_km(value, self.units)

    def plan(self) -> Plan:
        weekly = self._weekly_km()
        return Plan(
            first_day=self.h.as_of + timedelta(days=1),
            last_day=self.h.as_of + timedelta(days=PLAN_DAYS),
            running=self._running(),
            max_run_km=self._max_run_km(),
            weekly_km=weekly,
            rest_days_min=self._rest_days(),
            hard_runs_max=self._hard_runs(),
            climb_m_max=self._climb(),
            cross_training_min=self._cross_training(weekly),
            strength_sessions=self._strength(),
            pain_score=self._pain_score(),
        )

    def _pain_score(self) -> int | None:
        """The latest knee-pain score the pain rule still trusts (its recent window)."""
        h = self.h
        first = h.day(self.ctx.thresholds.pain_reported.recent_days - 1)
        recent = [c for c in self.ctx.checkins if valid_checkin(c) and first <= c.day.toordinal() <= h.last_day]
        return max(recent, key=lambda c: c.day).score if recent else None

    def _pain_words(self) -> str:
        return f"Knee pain {self._pain_score()}/10" if self._pain_score() is not None else "Knee pain"

    def _running(self) -> Limit:
        if self.mode == STOP:
            return Limit(
                STOP, PAIN,
                f"{self._pain_words()}: stop running and cycle or swim instead; see a physiotherapist "
                "if the pain lasts beyond two weeks.",
                Evidence.C,
            )
        if self.mode == HOLD:
            return Limit(
                HOLD, PAIN,
                f"{self._pain_words()}: hold, no longer runs, no more distance and no hard runs until it settles.",
                Evidence.C,
            )
        return Limit(NORMAL, BASELINE, "No knee pain that asks for less; let pain be your guide and check in if it hurts.", Evidence.C)

    def _max_run_km(self) -> Limit:
        h = self.h
        longest = max((run.km for run in h.runs_between(h.day(29), h.last_day)), default=0.0)
        # Below the spike rule's shortest run no run is a spike: a runner with no recent run may
        # still start again with a short one.
        floor_km = self.ctx.thresholds.long_run_spike.min_run_km
        limit = Limit(
            floor_1(max(self.t.longest_run_factor * longest, floor_km)), BASELINE,
            f"No run more than 10 % longer than your longest of the last 30 days ({self.km(longest)}).",
            Evidence.A,
        )
        recent_ids = {run.id for run in h.runs_between(h.day(6), h.last_day)}
        for f in self.by_rule.get(r.LONG_RUN_SPIKE, []):
            budget = _number(f, "next_long_run_max_km")
            if budget is not None and f.activity_id in recent_ids:
                limit = _lower(limit, floor_1(budget), r.LONG_RUN_SPIKE, (
                    f"Your {self.km(_number(f, 'run_km') or 0.0)} run was a spike: stay within 10 % of "
                    f"your longest run before it ({self.km(_number(f, 'longest_previous_km') or 0.0)})."
                ), Evidence.A)
        for f in self.by_rule.get(r.RETURN_AFTER_BREAK, []):
            restart = _number(f, "restart_run_max_km")
            if restart is not None:
                limit = _lower(limit, floor_1(restart), r.RETURN_AFTER_BREAK, (
                    f"Back after {int(_number(f, 'break_days') or 0)} days off: runs of at most half "
                    f"your usual {self.km(_number(f, 'usual_run_km') or 0.0)}."
                ), Evidence.C)
        if self.mode == HOLD:
            median_km = median([run.km for run in h.runs_between(h.day(27), h.last_day)]) or 0.0
            limit = _lower(limit, floor_1(median_km), PAIN, (
                f"{self._pain_words()}: no run longer than your usual {self.km(median_km)} until it settles."
            ), Evidence.C)
        if self.mode == STOP:
            limit = _lower(limit, 0.0, PAIN, f"{self._pain_words()}: no running until it settles.", Evidence.C, ties=True)
        return limit

    def _weekly_km(self) -> Limit:
        t = self.t
        h = self.h
        # Under the ramp rule's smallest base a week is not ramp-checked: a runner who barely ran
        # may still build up to it.
        floor_km = self.ctx.thresholds.weekly_ramp.min_base_km
        high = Limit(
            floor_1(max(t.weekly_high_factor * self.w0, floor_km)), BASELINE,
            f"Between 80 % and 110 % of the last 7 days' {self.km(self.w0)}: steady, no jump.",
            Evidence.C,
        )
        if r.WEEKLY_RAMP in self.by_rule:
            base = max(self.w1, self.w2 if h.covers(h.day(20)) else 0.0)
            high = _lower(high, floor_1(t.ramp_high_factor * base), r.WEEKLY_RAMP, (
                f"Your weekly distance jumped: stay within 10 % of the weeks before ({self.km(base)})."
            ), Evidence.A)
        acwr = [f for f in self.by_rule.get(r.ACWR, []) if f.severity >= Severity.CAUTION]
        ratio = acute_chronic_ratio(self.ctx) if acwr else None
        if ratio is not None:
            chronic = ratio[1]  # mean daily km of the chronic window (D-27..D-7 by default)
            high = _lower(high, floor_1(t.acwr_high_factor * 7 * chronic), r.ACWR, (
                f"This week was well above your usual load: stay within 10 % of your usual "
                f"{self.km(7 * chronic)} a week."
            ), Evidence.C)
        for f in self.by_rule.get(r.RETURN_AFTER_BREAK, []):
            restart = _number(f, "restart_run_max_km")
            if restart is not None:
                high = _lower(high, floor_1(t.restart_weekly_runs * restart), r.RETURN_AFTER_BREAK, (
                    f"Coming back from a break: no more than {t.restart_weekly_runs:g} short restart runs this week."
                ), Evidence.C)
        if self.mode == HOLD:
            high = _lower(high, floor_1(self.w0), PAIN, (
                f"{self._pain_words()}: no more than the last 7 days' {self.km(self.w0)}."
            ), Evidence.C)
        if self.mode == STOP:
            high = _lower(high, 0.0, PAIN, f"{self._pain_words()}: no running until it settles.", Evidence.C, ties=True)
        high_km = float(high.value)  # type: ignore[arg-type]
        low_km = min(ceil_1(t.weekly_low_factor * self.w0), high_km)  # low <= high always
        return Limit((low_km, high_km), high.set_by, high.why, high.evidence)

    def _rest_days(self) -> Limit:
        t = self.t
        limit = Limit(t.rest_days, BASELINE, "At least one rest day: the knee's tissues adapt on the days off.", Evidence.C)
        for f in self.by_rule.get(r.NO_REST_DAY, []):
            limit = _raise(limit, t.rest_days_recovery, r.NO_REST_DAY, (
                f"You ran {int(_number(f, 'run_streak_days') or 0)} days in a row: take at least "
                f"{t.rest_days_recovery} rest days."
            ), Evidence.C)
        if r.MONOTONY in self.by_rule:
            limit = _raise(limit, t.rest_days_recovery, r.MONOTONY, (
                f"Your days were all alike: take at least {t.rest_days_recovery} rest days and make the others differ."
            ), Evidence.C)
        if r.RETURN_AFTER_BREAK in self.by_rule:
            limit = _raise(limit, t.rest_days_return, r.RETURN_AFTER_BREAK, (
                "Coming back from a break: leave a day between runs."
            ), Evidence.C)
        return limit

    def _hard_runs(self) -> Limit:
        t = self.t
        limit = Limit(t.hard_runs, BASELINE, f"At most {t.hard_runs} hard runs (races, workouts, fast runs).", Evidence.C)
        if r.INTENSITY_JUMP in self.by_rule:
            limit = _lower(limit, t.hard_runs_jump, r.INTENSITY_JUMP, (
                f"Your hard running rose faster than your base: at most {t.hard_runs_jump}, with easy days around it."
            ), Evidence.C)
        if self.mode in (HOLD, STOP):
            limit = _lower(limit, 0, PAIN, f"{self._pain_words()}: no hard runs while the knee hurts.", Evidence.C)
        return limit

    def _climb(self) -> Limit | None:
        limit: Limit | None = None
        for f in self.by_rule.get(r.HILL_JUMP, []):
            usual = _number(f, "usual_weekly_gain_m") or 0.0
            value = float(math.floor(round(self.t.climb_factor * usual, 6)))
            if limit is None or value < float(limit.value):  # type: ignore[arg-type]
                limit = Limit(value, r.HILL_JUMP, (
                    f"Much more climbing than usual: at most 10 % over your usual "
                    f"{format_elevation_m(usual, self.units)} a week."
                ), Evidence.B)
        return limit

    def _cross_training(self, weekly: Limit) -> Limit:
        cut_km = round(self.w0 - weekly.value[1], 6)  # type: ignore[index]
        minutes = self.ctx.minutes_for_km(cut_km) if cut_km > 0 else 0
        if self.mode == STOP:
            h = self.h
            run_s = sum(run.activity.moving_s for run in h.runs_between(h.day(6), h.last_day))
            minutes = max(minutes, up_to_5_min(run_s / 60.0))
            return Limit(minutes, PAIN, (
                f"Swap your running time of the last 7 days (about {minutes} min) for cycling or "
                "swimming while the knee settles."
            ), Evidence.B)
        if minutes > 0:
            return Limit(minutes, weekly.set_by, (
                f"Make up the {self.km(cut_km)} cut from your running with about {minutes} minutes of "
                "cycling or swimming."
            ), Evidence.B)
        return Limit(0, BASELINE, "No running to replace this week; cycling or swimming still builds fitness without impact.", Evidence.B)

    def _strength(self) -> Limit:
        t = self.t
        limit = Limit(t.strength_sessions, BASELINE, (
            f"{t.strength_sessions} strength sessions for the hips and thighs: they steady the knee."
        ), Evidence.A)
        if any(f.severity >= Severity.CAUTION for f in self.by_rule.get(r.STRENGTH_MISSING, [])):
            limit = _raise(limit, t.strength_sessions_caution, r.STRENGTH_MISSING, (
                f"{t.strength_sessions_caution} strength sessions: your knee load is rising and you do few."
            ), Evidence.A)
        return limit


def _number(finding: Finding, key: str) -> float | None:
    value = finding.metrics.get(key)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _lower(current: Limit, value: float, set_by: str, why: str, evidence: Evidence, ties: bool = False) -> Limit:
    """The stricter of two upper limits; on a tie the earlier keeps the credit (unless `ties`)."""
    kept = float(current.value)  # type: ignore[arg-type]
    if value < kept or (ties and value == kept):
        return Limit(value, set_by, why, evidence)
    return current


def _raise(current: Limit, value: int, set_by: str, why: str, evidence: Evidence) -> Limit:
    """The stricter of two lower limits (at least N)."""
    return Limit(value, set_by, why, evidence) if value > current.value else current  # type: ignore[operator]
