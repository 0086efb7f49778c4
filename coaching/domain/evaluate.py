"""The one entry point: activities in, an Evaluation (findings, metrics, the plan for the next 7
days, whether last week's plan was kept, skipped, data quality) out."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Sequence

from coaching.domain.daily import build_history
from coaching.domain.metrics import compute_metrics
from coaching.domain.model import Activity, Evaluation, Finding, Gear, PainCheckin, Skipped
from coaching.domain.plan import make_plan
from coaching.domain.plan_model import Plan
from coaching.domain.plan_check import check_plan
from coaching.domain.quality import clean_activities
from coaching.domain.risk import risk_score
from coaching.domain.rules import RULES
from coaching.domain.rules.base import RuleContext
from coaching.domain.rules.load import acute_chronic_ratio
from coaching.domain.suggestions import suggest
from coaching.domain.thresholds import DEFAULT_THRESHOLDS, Thresholds
from coaching.domain.units import normalise_units

PLAN_CHECK = "plan-check"  # the id in `skipped` when last week's plan cannot be recomputed


def evaluate(
    activities: Sequence[Activity],
    as_of: date,
    *,
    gear: Sequence[Gear] = (),
    checkins: Sequence[PainCheckin] = (),
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    units: str = "metric",
    history_start: date | None = None,
) -> Evaluation:
    """Evaluate one athlete on local day `as_of`.

    Activities after `as_of` are ignored. `history_start` is the first day the record is known to be
    complete from (defaults to the earliest activity's day); rules that need more history than that
    are listed in `skipped` instead of guessing. `units` ("metric" | "imperial", or Strava's
    "meters" | "feet") only affects text (suggestions, the plan's reasons); numbers are always metric.

    The evaluation also recomputes the day a week earlier (nothing is stored): its plan, checked
    against the last 7 days, and its risk score, for the trend.
    """
    units = normalise_units(units)
    cleaned = clean_activities(activities, thresholds.quality)

    history = build_history(
        cleaned.activities, as_of, history_start=history_start,
        stride_guard_spm=thresholds.quality.stride_guard_spm,
    )

    def context(day: date) -> RuleContext:
        return RuleContext(history=history.until(day), thresholds=thresholds, gear=tuple(gear),
                           checkins=tuple(checkins), units=units)

    ctx = context(as_of)
    findings, skipped = _run_rules(ctx)
    findings = [replace(f, suggestions=suggest(f, units)) for f in findings]
    plan = make_plan(ctx, findings)
    if isinstance(plan, Skipped):
        skipped.append(plan)
        plan = None

    week_ago = as_of - timedelta(days=7)
    plan_check = risk_week_ago = None
    if ctx.history.covers(week_ago.toordinal()):
        ctx_week_ago = context(week_ago)
        findings_week_ago, _ = _run_rules(ctx_week_ago)
        risk_week_ago = risk_score(findings_week_ago)
        plan_week_ago = make_plan(ctx_week_ago, findings_week_ago)
        if isinstance(plan_week_ago, Plan):
            plan_check = check_plan(plan_week_ago, ctx)
    if plan_check is None:
        days = thresholds.plan.history_days + 7
        skipped.append(Skipped(PLAN_CHECK, f"needs {days} days of history (a plan made a week ago)"))

    ratio = acute_chronic_ratio(ctx)
    return Evaluation(
        as_of=as_of,
        metrics=compute_metrics(ctx.history, gear, None if ratio is None else ratio[2]),
        findings=tuple(findings),
        skipped=tuple(skipped),
        data_quality=cleaned.notes,
        plan=plan,
        plan_check=plan_check,
        risk_score_week_ago=risk_week_ago,
    )


def _run_rules(ctx: RuleContext) -> tuple[list[Finding], list[Skipped]]:
    findings: list[Finding] = []
    skipped: list[Skipped] = []
    for rule in RULES:
        outcome = rule(replace(ctx, earlier=tuple(findings)) if findings else ctx)
        findings.extend(outcome.findings)
        skipped.extend(outcome.skipped)
    return findings, skipped
