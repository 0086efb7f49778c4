"""Sudden changes in what the running is like: intensity (races, workouts) and terrain."""

from __future__ import annotations

from typing import Sequence

from coaching.domain.daily import Run
from coaching.domain.model import Evidence, Finding, Severity
from coaching.domain.rules.base import HILL_JUMP, INTENSITY_JUMP, RuleContext, RuleOutcome, skipped
from coaching.domain.stats import median


def max_heartrate_seen(ctx: RuleContext) -> float | None:
    """The highest heart rate of the last 180 days; computed once per evaluated day (the rule
    and the plan check both ask)."""
    if "max_hr" not in ctx._cache:
        ctx._cache["max_hr"] = _max_heartrate_seen(ctx)  # type: ignore[assignment]
    return ctx._cache["max_hr"]


def _max_heartrate_seen(ctx: RuleContext) -> float | None:
    t = ctx.thresholds.intensity_jump
    h = ctx.history
    first = h.day(t.max_hr_days - 1)
    values = [
        a.max_heartrate_bpm or a.average_heartrate_bpm
        for a in h.activities
        if (a.max_heartrate_bpm or a.average_heartrate_bpm) and a.start_local.toordinal() >= first
    ]
    return max(values) if values else None  # type: ignore[type-var]


def hard_runs(ctx: RuleContext, runs: Sequence[Run], max_hr: float | None, usual_speed: float | None) -> list[Run]:
    """Races and workouts by Strava's workout_type, else >= 88 % of the max HR seen in 180 days,
    else (no HR) a pace 15 % faster than the runner's median of D-34..D-7 (`usual_speed`)."""
    t = ctx.thresholds.intensity_jump
    hard_types = (t.race_workout_type, t.workout_workout_type)
    result = []
    for run in runs:
        heartrate = run.activity.average_heartrate_bpm
        if run.activity.workout_type in hard_types:
            result.append(run)
        elif heartrate:
            if max_hr and heartrate >= t.hr_fraction_of_max * max_hr:
                result.append(run)
        elif usual_speed and run.speed_mps and run.speed_mps >= t.speed_factor * usual_speed:
            result.append(run)
    return result


def recent_hard_runs(ctx: RuleContext) -> list[Run]:
    """The hard runs of the recent window (D-6..D by default), judged against D-34..D-7's pace
    when the history reaches that far, else by workout type and heart rate only."""
    t = ctx.thresholds.intensity_jump
    h = ctx.history
    window = ctx.baseline_window(t.recent_days, t.baseline_days)
    usual_speed = None
    if window is not None:
        usual_speed = median([r.speed_mps for r in h.runs_between(*window) if r.speed_mps])
    return hard_runs(ctx, h.runs_between(h.day(t.recent_days - 1), h.last_day), max_heartrate_seen(ctx), usual_speed)


def find_intensity_jump(ctx: RuleContext) -> RuleOutcome:
    t = ctx.thresholds.intensity_jump
    h = ctx.history
    window = ctx.baseline_window(t.recent_days, t.baseline_days)
    if window is None:
        return skipped(INTENSITY_JUMP, f"needs {t.recent_days + t.baseline_days} days of history")
    baseline_first, baseline_last = window
    max_hr = max_heartrate_seen(ctx)
    baseline_runs = h.runs_between(baseline_first, baseline_last)
    usual_speed = median([r.speed_mps for r in baseline_runs if r.speed_mps])
    recent = hard_runs(ctx, h.runs_between(h.day(t.recent_days - 1), h.last_day), max_hr, usual_speed)
    before = hard_runs(ctx, baseline_runs, max_hr, usual_speed)
    per_week_before = len(before) / (t.baseline_days / 7.0)
    outcome = RuleOutcome()
    suggested = max(1, int(t.jump_factor * per_week_before))
    if len(recent) >= t.min_hard_runs and len(recent) > t.jump_factor * per_week_before:
        outcome.findings.append(
            Finding(
                rule=INTENSITY_JUMP,
                severity=Severity.CAUTION,
                evidence=Evidence.C,
                why=(
                    f"{len(recent)} hard runs this week against {per_week_before:.1f} a week before; "
                    "speed work and races load the kneecap more than easy running."
                ),
                metrics={
                    "hard_runs_7d": len(recent),
                    "hard_runs_per_week_before": round(per_week_before, 2),
                    "suggested_hard_runs_7d": suggested,
                },
            )
        )
    for earlier, later in zip(recent, recent[1:]):
        if later.day - earlier.day == 1:
            outcome.findings.append(
                Finding(
                    rule=INTENSITY_JUMP,
                    severity=Severity.CAUTION,
                    evidence=Evidence.C,
                    activity_id=later.id,
                    why=(
                        "Hard runs on consecutive days leave the knee no easy day to recover "
                        "between them."
                    ),
                    metrics={
                        "hard_runs_7d": len(recent),
                        "previous_hard_run_id": str(earlier.id),
                        "suggested_hard_runs_7d": suggested,
                    },
                )
            )
    return outcome


def find_hill_jump(ctx: RuleContext) -> RuleOutcome:
    """More climbing, or more trail, than the runner's recent norm (VirtualRun has no terrain)."""
    t = ctx.thresholds.hill_jump
    h = ctx.history
    window = ctx.baseline_window(t.recent_days, t.baseline_days)
    if window is None:
        return skipped(HILL_JUMP, f"needs {t.recent_days + t.baseline_days} days of history")
    baseline_first, baseline_last = window
    recent = [r for r in h.runs_between(h.day(t.recent_days - 1), h.last_day) if r.activity.sport_type != "VirtualRun"]
    before = [r for r in h.runs_between(baseline_first, baseline_last) if r.activity.sport_type != "VirtualRun"]
    weeks_before = t.baseline_days / 7.0
    gain_recent = sum(r.activity.elevation_gain_m for r in recent)
    gain_weekly_before = sum(r.activity.elevation_gain_m for r in before) / weeks_before
    climbing = gain_recent > t.gain_factor * gain_weekly_before and gain_recent > t.min_gain_m
    share_recent = _trail_share_pct(recent)
    share_before = _trail_share_pct(before)
    trail = (
        share_recent is not None
        and share_before is not None
        and round(share_recent - share_before, 6) > t.trail_share_points
    )
    if not (climbing or trail):
        return RuleOutcome()
    reasons = []
    if climbing:
        reasons.append("much more climbing than usual")
    if trail:
        reasons.append("a much larger share of trail running")
    return RuleOutcome(
        findings=[
            Finding(
                rule=HILL_JUMP,
                severity=Severity.CAUTION,
                evidence=Evidence.B,
                why=(
                    f"This week brought {' and '.join(reasons)}; downhill running in particular "
                    "raises the load on the front of the knee."
                ),
                metrics={
                    "gain_7d_m": round(gain_recent, 1),
                    "usual_weekly_gain_m": round(gain_weekly_before, 1),
                    "trail_share_7d_pct": None if share_recent is None else round(share_recent, 1),
                    "trail_share_before_pct": None if share_before is None else round(share_before, 1),
                },
            )
        ]
    )


def _trail_share_pct(runs: Sequence[Run]) -> float | None:
    total = sum(r.km for r in runs)
    if total <= 0:
        return None
    return 100.0 * sum(r.km for r in runs if r.activity.sport_type == "TrailRun") / total
