"""The one entry point: activities in, an Evaluation (findings, metrics, skipped, data quality) out."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Sequence

from coaching.domain.daily import build_history
from coaching.domain.metrics import compute_metrics
from coaching.domain.model import Activity, Evaluation, Finding, Gear, PainCheckin, Skipped
from coaching.domain.quality import clean_activities
from coaching.domain.rules import RULES
from coaching.domain.rules.base import RuleContext
from coaching.domain.rules.load import acute_chronic_ratio
from coaching.domain.suggestions import suggest
from coaching.domain.thresholds import DEFAULT_THRESHOLDS, Thresholds
from coaching.domain.units import normalise_units


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
    "meters" | "feet") only affects suggestion text; metrics are always metric.
    """
    units = normalise_units(units)
    cleaned = clean_activities(activities, thresholds.quality)
    history = build_history(
        cleaned.activities,
        as_of,
        history_start=history_start,
        stride_guard_spm=thresholds.quality.stride_guard_spm,
    )
    ctx = RuleContext(
        history=history,
        thresholds=thresholds,
        gear=tuple(gear),
        checkins=tuple(checkins),
        units=units,
    )
    findings: list[Finding] = []
    skipped: list[Skipped] = []
    for rule in RULES:
        outcome = rule(replace(ctx, earlier=tuple(findings)) if findings else ctx)
        findings.extend(outcome.findings)
        skipped.extend(outcome.skipped)
    findings = [replace(f, suggestions=suggest(f, units)) for f in findings]
    ratio = acute_chronic_ratio(ctx)
    return Evaluation(
        as_of=as_of,
        metrics=compute_metrics(history, gear, None if ratio is None else ratio[2]),
        findings=tuple(findings),
        skipped=tuple(skipped),
        data_quality=cleaned.notes,
    )
