"""Overstriding: a step rate below the runner's own norm at the same speed (Heiderscheit 2011)."""

from __future__ import annotations

from typing import Sequence

from coaching.domain.daily import Run
from coaching.domain.model import Evidence, Finding, Severity
from coaching.domain.rules.base import LOAD_RULES, LOW_CADENCE, RuleContext, RuleOutcome, skipped
from coaching.domain.stats import median, pct_change


def qualifying_runs(ctx: RuleContext, runs: Sequence[Run]) -> list[Run]:
    """Steady road or treadmill runs: over 15 min, faster than 2.2 m/s, with cadence. Trail
    running changes the step rate for reasons that are not overstriding."""
    t = ctx.thresholds.low_cadence
    return [
        r
        for r in runs
        if r.cadence_spm is not None
        and r.speed_mps is not None
        and r.speed_mps > t.min_speed_mps
        and r.activity.moving_s > t.min_moving_s
        and r.activity.sport_type != "TrailRun"
    ]


def cadence_baseline_spm(ctx: RuleContext, run: Run) -> float | None:
    """Median steps/min of the runner's qualifying runs in the 60 days before `run`, within
    +-0.3 m/s of its speed (cadence rises with speed, so only like is compared with like)."""
    t = ctx.thresholds.low_cadence
    h = ctx.history
    assert run.speed_mps is not None
    similar = [
        r.cadence_spm
        for r in qualifying_runs(ctx, h.runs_between(run.day - t.baseline_days, run.day - 1))
        if r.speed_mps is not None and abs(r.speed_mps - run.speed_mps) <= t.speed_band_mps + 1e-9
    ]
    if len(similar) < t.min_baseline_runs:
        return None
    return median(similar)  # type: ignore[arg-type]


def _load_rule_fired(findings: Sequence[Finding]) -> bool:
    # ACWR's "detraining" note is about too little load, not a load rising.
    return any(f.rule in LOAD_RULES and not (f.rule == "acwr" and f.severity is Severity.INFO) for f in findings)


def find_low_cadence(ctx: RuleContext) -> RuleOutcome:
    t = ctx.thresholds.low_cadence
    h = ctx.history
    recent = qualifying_runs(ctx, h.runs_between(h.day(t.recent_days - 1), h.last_day))
    if not recent:
        return skipped(LOW_CADENCE, f"no steady run with cadence in the last {t.recent_days} days")
    last = recent[-t.runs_considered :]
    drops: list[tuple[Run, float, float]] = []
    with_baseline = 0
    for run in last:
        baseline = cadence_baseline_spm(ctx, run)
        if baseline is None:
            continue
        with_baseline += 1
        drop_pct = -pct_change(run.cadence_spm or 0.0, baseline)
        if drop_pct >= t.drop_pct:
            drops.append((run, baseline, drop_pct))
    recent_median = median([r.cadence_spm for r in recent if r.cadence_spm is not None])
    assert recent_median is not None
    below_norm = len(drops) >= t.runs_low
    below_floor = recent_median < t.median_floor_spm and _load_rule_fired(ctx.earlier)
    if not (below_norm or below_floor):
        if with_baseline < t.runs_low:
            return skipped(
                LOW_CADENCE,
                f"fewer than {t.runs_low} recent runs have {t.min_baseline_runs} similar-speed runs "
                f"in the {t.baseline_days} days before them",
            )
        return RuleOutcome()
    current = drops[-1][0].cadence_spm if below_norm else recent_median
    assert current is not None
    target = current * (1 + t.suggested_increase_pct / 100.0)
    if below_norm:
        why = (
            f"{len(drops)} of your last {len(last)} steady runs had a step rate at least "
            f"{t.drop_pct:g} % below your usual at the same pace; longer strides load the knee more "
            "with every step."
        )
    else:
        why = (
            f"Your step rate ({recent_median:.0f} steps/min) is low while your load is rising; "
            "a 5-10 % higher step rate lowers the load on the knee."
        )
    metrics: dict[str, float | int | str | None] = {
        "cadence_spm": round(current, 1),
        "target_cadence_spm": round(target),  # a metronome takes whole steps per minute
        "median_cadence_28d_spm": round(recent_median, 1),
        "runs_below_baseline": len(drops),
    }
    if drops:
        run, baseline, drop_pct = drops[-1]
        metrics.update({"baseline_cadence_spm": round(baseline, 1), "drop_pct": round(drop_pct, 1)})
    return RuleOutcome(
        findings=[
            Finding(
                rule=LOW_CADENCE,
                severity=Severity.INFO,
                evidence=Evidence.B,
                why=why,
                metrics=metrics,
            )
        ]
    )
