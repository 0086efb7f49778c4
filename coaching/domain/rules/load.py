"""Running-load rules: long-run spikes, returns after a break, weekly ramps, ACWR."""

from __future__ import annotations

from bisect import bisect_left

from coaching.domain.model import Evidence, Finding, Severity
from coaching.domain.rules.base import (
    ACWR,
    LONG_RUN_SPIKE,
    RETURN_AFTER_BREAK,
    WEEKLY_RAMP,
    RuleContext,
    RuleOutcome,
    skipped,
)
from coaching.domain.stats import median, pct_change, ratio, round_km


def find_long_run_spikes(ctx: RuleContext) -> RuleOutcome:
    """Frandsen 2025: a run longer than the longest of the previous 30 days, by > 10 % or > 100 %."""
    t = ctx.thresholds.long_run_spike
    h = ctx.history
    outcome = RuleOutcome()
    for run in h.runs_between(h.day(t.recent_days - 1), h.last_day):
        if run.km < t.min_run_km:
            continue
        first_day = run.day - t.lookback_days
        if not h.covers(first_day):
            outcome.skip(LONG_RUN_SPIKE, f"run {run.id}: needs {t.lookback_days} days of history before it")
            continue
        previous = h.runs_between(first_day, run.day - 1)
        longest_km = max((r.km for r in previous), default=0.0)
        if longest_km <= 0:
            outcome.skip(LONG_RUN_SPIKE, f"run {run.id}: no run in the {t.lookback_days} days before it to compare with")
            continue
        spike_pct = pct_change(run.km, longest_km)
        if spike_pct > t.warning_pct:
            severity = Severity.WARNING
        elif spike_pct > t.caution_pct:
            severity = Severity.CAUTION
        else:
            continue
        budget_km = t.budget_factor * longest_km  # the spike itself is not yet a base
        outcome.findings.append(
            Finding(
                rule=LONG_RUN_SPIKE,
                severity=severity,
                evidence=Evidence.A,
                activity_id=run.id,
                why=(
                    f"This run was {spike_pct:.0f} % longer than your longest run of the previous "
                    f"{t.lookback_days} days; a sudden jump in long-run distance is the best-documented "
                    "running-injury risk, and the knee carries much of it."
                ),
                metrics={
                    "run_km": round_km(run.km),
                    "longest_previous_km": round_km(longest_km),
                    "spike_pct": round(spike_pct, 1),
                    "next_long_run_max_km": round_km(budget_km),
                },
            )
        )
    return outcome


def find_returns_after_break(ctx: RuleContext) -> RuleOutcome:
    """A first run after >= 14 run-free days that is over half the usual pre-break run."""
    t = ctx.thresholds.return_after_break
    h = ctx.history
    outcome = RuleOutcome()
    for run in h.runs_between(h.day(t.recent_days - 1), h.last_day):
        before = bisect_left(h.run_days, run.day)
        if before == 0:
            if h.covers(run.day - t.break_days):
                outcome.skip(RETURN_AFTER_BREAK, f"run {run.id}: no earlier run to compare with")
            else:
                outcome.skip(RETURN_AFTER_BREAK, f"run {run.id}: needs {t.break_days} days of history before it")
            continue
        last_before = h.runs[before - 1]
        free_days = run.day - last_before.day - 1
        if free_days < t.break_days:
            continue
        baseline_first = last_before.day - 7 * t.baseline_weeks + 1
        if not h.covers(baseline_first):
            outcome.skip(
                RETURN_AFTER_BREAK,
                f"run {run.id}: needs {t.baseline_weeks} weeks of history before the break",
            )
            continue
        usual_km = median([r.km for r in h.runs_between(baseline_first, last_before.day)]) or 0.0
        if run.km <= t.median_fraction * usual_km:
            continue
        outcome.findings.append(
            Finding(
                rule=RETURN_AFTER_BREAK,
                severity=Severity.WARNING,
                evidence=Evidence.C,
                activity_id=run.id,
                why=(
                    f"Your first run after {free_days} days off was more than "
                    f"{t.median_fraction * 100:.0f} % of your usual run; muscles and tendons around "
                    "the knee lose tolerance faster than fitness during a break."
                ),
                metrics={
                    "run_km": round_km(run.km),
                    "break_days": free_days,
                    "usual_run_km": round_km(usual_km),
                    "restart_run_max_km": round_km(t.median_fraction * usual_km),
                    "swap_cross_training_min": ctx.minutes_for_km(run.km / 2.0),
                },
            )
        )
    return outcome


def find_weekly_ramp(ctx: RuleContext) -> RuleOutcome:
    """The 10 % rule (weak evidence) and Nielsen 2014's 30 % over two weeks, on rolling weeks."""
    t = ctx.thresholds.weekly_ramp
    h = ctx.history
    if not h.covers(h.day(13)):
        return skipped(WEEKLY_RAMP, "needs 2 weeks of history")
    w0 = h.run_km_between(h.day(6), h.last_day)
    w1 = h.run_km_between(h.day(13), h.day(7))
    w2 = h.run_km_between(h.day(20), h.day(14)) if h.covers(h.day(20)) else None
    ramp_1w = pct_change(w0, w1) if w1 >= t.min_base_km else None
    ramp_2w = pct_change(w0, w2) if w2 is not None and w2 >= t.min_base_km else None
    if ramp_1w is None and ramp_2w is None:
        return skipped(WEEKLY_RAMP, f"the base weeks are under {t.min_base_km:g} km")
    over_1w = ramp_1w is not None and ramp_1w > t.caution_1w_pct
    over_2w = ramp_2w is not None and ramp_2w > t.caution_2w_pct
    if over_1w or over_2w:
        severity = Severity.CAUTION
    elif ramp_1w is not None and ramp_1w > t.info_1w_pct:
        severity = Severity.INFO
    else:
        return RuleOutcome()
    # The part of this week above what the guidelines allow, offered as cross-training minutes.
    allowed = [w1 * (1 + t.info_1w_pct / 100)] if ramp_1w is not None else []
    if ramp_2w is not None and w2 is not None:
        allowed.append(w2 * (1 + t.caution_2w_pct / 100))
    excess_km = max(w0 - min(allowed), 0.0)
    if severity is Severity.INFO:
        why = (
            f"You ran {ramp_1w:.0f} % more than the week before (the 10 % rule is a guideline, weak "
            "evidence); distance that rises faster than tissues adapt loads the kneecap."
        )
    else:
        parts = []
        if over_1w:
            parts.append(f"{ramp_1w:.0f} % more than last week")
        if over_2w:
            parts.append(f"{ramp_2w:.0f} % more than two weeks ago")
        why = (
            f"This week's distance is {' and '.join(parts)}; runners who raised distance by more "
            "than 30 % over two weeks had more distance-related injuries, patellofemoral pain among them."
        )
    return RuleOutcome(
        findings=[
            Finding(
                rule=WEEKLY_RAMP,
                severity=severity,
                evidence=Evidence.A,
                why=why,
                metrics={
                    "week_km": round_km(w0),
                    "previous_week_km": round_km(w1),
                    "two_weeks_ago_km": None if w2 is None else round_km(w2),
                    "ramp_1w_pct": None if ramp_1w is None else round(ramp_1w, 1),
                    "ramp_2w_pct": None if ramp_2w is None else round(ramp_2w, 1),
                    "excess_km": round_km(excess_km),
                    "swap_cross_training_min": ctx.minutes_for_km(excess_km),
                    **({"label": "guideline, weak evidence"} if severity is Severity.INFO else {}),
                },
            )
        ]
    )


def acute_chronic_ratio(ctx: RuleContext) -> tuple[float, float, float | None] | None:
    """(acute km/day, chronic km/day, ratio) or None without enough history; ratio None when the
    chronic load is zero."""
    t = ctx.thresholds.acwr
    h = ctx.history
    span = t.acute_days + t.chronic_days
    if not h.covers(h.day(span - 1)):
        return None
    acute = h.run_km_between(h.day(t.acute_days - 1), h.last_day) / t.acute_days
    chronic = h.run_km_between(h.day(span - 1), h.day(t.acute_days)) / t.chronic_days
    return acute, chronic, (ratio(acute, chronic) if chronic > 0 else None)


def find_acwr(ctx: RuleContext) -> RuleOutcome:
    """Uncoupled acute:chronic ratio of daily run km: context for coaches (Gabbett 2016; weak for runners)."""
    t = ctx.thresholds.acwr
    values = acute_chronic_ratio(ctx)
    if values is None:
        return skipped(ACWR, f"needs {t.acute_days + t.chronic_days} days of history")
    acute, chronic, value = values
    if value is None:
        return skipped(ACWR, "no running in the chronic window: the ratio is undefined")
    if value > t.warning_ratio:
        severity, why = Severity.WARNING, "far above"
    elif value >= t.caution_ratio:
        severity, why = Severity.CAUTION, "above"
    elif value < t.detraining_ratio:
        severity, why = Severity.INFO, "below"
    else:
        return RuleOutcome()
    if severity is Severity.INFO:
        text = (
            f"This week's running is {value:.2f} times your usual (detraining); build back gradually "
            "so the knee is not surprised by a sudden return to full load."
        )
    else:
        text = (
            f"This week's running is {value:.2f} times your usual daily load, {why} the range where "
            "the knee's tissues keep up; a team-sport measure, weak evidence for runners."
        )
    return RuleOutcome(
        findings=[
            Finding(
                rule=ACWR,
                severity=severity,
                evidence=Evidence.C,
                why=text,
                metrics={
                    "acwr": round(value, 2),
                    "acute_daily_km": round_km(acute),
                    "chronic_daily_km": round_km(chronic),
                    "chronic_weekly_km": round_km(chronic * 7),
                    **({"label": "detraining"} if severity is Severity.INFO else {}),
                },
            )
        ]
    )
