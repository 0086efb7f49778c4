"""Findings of every kind the domain produces (their metric keys copied from coaching/domain/rules),
with the numbers each must show, and ready-made recipients, summaries and views."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timezone

from coaching.domain.model import Evaluation, Evidence, Finding, Severity
from coaching.domain.suggestions import suggest
from coaching.domain.summary import NextWeekGuidance, WeeklySummary
from coaching.messages.views import (
    AlertView,
    CoachDigestView,
    DigestAthlete,
    Recipient,
    WeeklySummaryView,
    alert_view,
    coach_digest_view,
    weekly_summary_view,
)

AS_OF = date(2025, 3, 4)  # a Tuesday
NOW_UTC = datetime(2025, 3, 4, 5, 30, tzinfo=timezone.utc)
PREFERENCES_URL = "https://coach.example/preferences?t=1.1767225600.c2lnbmF0dXJl&a=1"
CHECKIN_URL = "https://coach.example/checkin?t=1.1767225600.Y2hlY2tpbg&score={score}"


@dataclass(frozen=True)
class Sample:
    """`shows` are strings the rendered message must contain for a metric-units reader."""

    finding: Finding
    shows: tuple[str, ...]

    @property
    def id(self) -> str:
        f = self.finding
        parts = [f.rule, f.severity.name.lower(), f.metrics.get("reason") or f.metrics.get("label"), f.activity_id]
        return "-".join(str(part) for part in parts if part)


def _finding(rule: str, severity: Severity, evidence: Evidence, metrics: dict, **extra: object) -> Finding:
    finding = Finding(rule, severity, evidence, why=f"Why {rule} matters for the knee.", metrics=metrics, **extra)
    return replace(finding, suggestions=suggest(finding, "metric"))


W, C, I = Severity.WARNING, Severity.CAUTION, Severity.INFO

SAMPLES: tuple[Sample, ...] = (
    Sample(
        _finding("long-run-spike", W, Evidence.A, {"run_km": 21.1, "longest_previous_km": 10.0, "spike_pct": 111.0, "next_long_run_max_km": 11.0}, activity_id=111),
        # The cap for the next runs is the plan's (RULES.md): a finding's message names none.
        ("21.1 km", "10.0 km", "111%"),
    ),
    Sample(
        _finding("long-run-spike", C, Evidence.A, {"run_km": 13.2, "longest_previous_km": 11.0, "spike_pct": 20.0, "next_long_run_max_km": 12.1}, activity_id=112),
        ("13.2 km", "11.0 km", "20%"),
    ),
    Sample(
        _finding("return-after-break", W, Evidence.C, {"run_km": 9.0, "break_days": 16, "usual_run_km": 8.0, "restart_run_max_km": 4.0, "swap_cross_training_min": 30}, activity_id=113),
        ("9.0 km", "16 days", "8.0 km"),
    ),
    Sample(
        _finding("weekly-ramp", I, Evidence.A, {"week_km": 33.0, "previous_week_km": 29.0, "two_weeks_ago_km": 30.0, "ramp_1w_pct": 13.8, "ramp_2w_pct": 10.0, "excess_km": 1.1, "swap_cross_training_min": 10, "label": "guideline, weak evidence"}),
        ("33.0 km", "29.0 km", "14%", "weak evidence"),
    ),
    Sample(
        _finding("weekly-ramp", C, Evidence.A, {"week_km": 42.0, "previous_week_km": 30.0, "two_weeks_ago_km": None, "ramp_1w_pct": 40.0, "ramp_2w_pct": None, "excess_km": 9.0, "swap_cross_training_min": 55, "label": ""}),
        ("42.0 km", "30.0 km", "40%"),
    ),
    Sample(
        _finding("acwr", W, Evidence.C, {"acwr": 1.62, "acute_daily_km": 6.5, "chronic_daily_km": 4.0, "chronic_weekly_km": 28.0, "label": ""}),
        ("1.62", "6.5 km", "4.0 km"),
    ),
    Sample(
        _finding("acwr", I, Evidence.C, {"acwr": 0.61, "acute_daily_km": 2.4, "chronic_daily_km": 4.0, "chronic_weekly_km": 28.0, "label": "detraining"}),
        ("0.61", "2.4 km", "detraining"),
    ),
    Sample(_finding("no-rest-day", C, Evidence.C, {"run_streak_days": 8, "swap_cross_training_min": 40}), ("8 days",)),
    Sample(_finding("no-rest-day", W, Evidence.C, {"run_streak_days": 11, "swap_cross_training_min": 40}), ("11 days",)),
    Sample(
        _finding("monotony", C, Evidence.C, {"monotony": 1.74, "weekly_load_km": 35.0, "strain_km": 60.9, "identical_daily_load": ""}),
        ("1.74", "35.0 km"),
    ),
    Sample(
        _finding("monotony", W, Evidence.C, {"monotony": None, "weekly_load_km": 35.0, "strain_km": None, "identical_daily_load": "yes"}),
        ("same load every day", "35.0 km"),
    ),
    Sample(
        _finding("intensity-jump", C, Evidence.C, {"hard_runs_7d": 3, "hard_runs_per_week_before": 0.75, "suggested_hard_runs_7d": 1}),
        ("3 hard runs", "0.75 a week"),
    ),
    Sample(
        _finding("intensity-jump", C, Evidence.C, {"hard_runs_7d": 2, "previous_hard_run_id": "114", "suggested_hard_runs_7d": 1}, activity_id=115),
        ("consecutive days", "2 hard runs"),
    ),
    Sample(
        _finding("hill-jump", C, Evidence.B, {"gain_7d_m": 640.0, "usual_weekly_gain_m": 210.0, "trail_share_7d_pct": 45.0, "trail_share_before_pct": 5.0}),
        ("640 m", "210 m", "45%", "5%"),
    ),
    Sample(
        _finding("low-cadence", I, Evidence.B, {"cadence_spm": 158.0, "target_cadence_spm": 165.9, "median_cadence_28d_spm": 160.0, "runs_below_baseline": 2}),
        ("158 spm", "166 spm", "160 spm"),
    ),
    Sample(
        _finding("shoe-mileage", I, Evidence.B, {"shoe_id": "g1", "shoe_name": "Pegasus 40", "shoe_km": 640.0, "reason": "mileage"}, subject="g1"),
        ("Pegasus 40", "640.0 km"),
    ),
    Sample(
        _finding("shoe-mileage", C, Evidence.B, {"shoe_id": "g2", "shoe_name": "Clifton 9", "shoe_km": 820.0, "reason": "mileage"}, subject="g2"),
        ("Clifton 9", "820.0 km"),
    ),
    Sample(
        _finding("shoe-mileage", I, Evidence.B, {"shoe_id": "g1", "shoe_name": "Pegasus 40", "shoe_km": 500.0, "weekly_km": 32.0, "reason": "single shoe"}, subject="g1:rotation"),
        ("Pegasus 40", "500.0 km", "32.0 km"),
    ),
    Sample(
        _finding("no-cross-training", I, Evidence.B, {"cross_training_min_7d": 0, "suggested_cross_training_min": 45}),
        ("45 min",),
    ),
    Sample(
        _finding("strength-missing", I, Evidence.A, {"strength_sessions_28d": 2, "strength_sessions_per_week": 0.5}),
        ("0.5 strength sessions a week", "2 in all"),
    ),
    Sample(
        _finding("strength-missing", C, Evidence.A, {"strength_sessions_28d": 0, "strength_sessions_per_week": 0.0}),
        ("0 strength sessions a week",),
    ),
    Sample(
        _finding("pain-reported", C, Evidence.C, {"pain_score": 4, "previous_pain_score": 2, "checkin_day": "2025-03-04", "rose_after_run": "yes", "swap_cross_training_min": 40}),
        ("4/10", "2/10", "Tue 4 Mar", "after a run"),
    ),
    Sample(
        _finding("pain-reported", W, Evidence.C, {"pain_score": 6, "previous_pain_score": None, "checkin_day": "2025-03-03", "rose_after_run": "no", "swap_cross_training_min": 40}),
        ("6/10", "Mon 3 Mar"),
    ),
)


def recipient(**changes: object) -> Recipient:
    base = Recipient(
        athlete_id=1,
        first_name="Anna",
        units="metric",
        tz="Europe/Paris",
        preferences_url=PREFERENCES_URL,
        checkin_url_template=CHECKIN_URL,
        web_url="https://coach.example/athletes/1",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def summary(**changes: object) -> WeeklySummary:
    base = WeeklySummary(
        week_start=date(2025, 2, 24),
        week_end=date(2025, 3, 2),
        run_km=42.1,
        runs=5,
        longest_run_km=18.0,
        run_moving_s=15_000,
        run_elevation_gain_m=350.0,
        median_cadence_spm=168.0,
        cross_training_min=60.0,
        strength_sessions=1,
        weekly_run_km=(20.0, 25.0, 0.0, 30.0, 32.0, 28.0, 35.0, 38.0, 30.0, 40.0, 36.0, 42.1),
        longest_run_30d_km=18.0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


GUIDANCE = NextWeekGuidance(min_km=37.9, max_km=46.3, next_long_run_max_km=19.8)


def alert_for(*findings: Finding, who: Recipient | None = None) -> AlertView:
    evaluation = Evaluation(as_of=AS_OF, metrics={}, findings=tuple(findings))
    return alert_view(who or recipient(), findings, evaluation, now_utc=NOW_UTC)


def summary_for(*findings: Finding, who: Recipient | None = None) -> WeeklySummaryView:
    return weekly_summary_view(who or recipient(), summary(), findings, GUIDANCE, now_utc=NOW_UTC)


def digest_for(*findings: Finding) -> CoachDigestView:
    athletes = [
        DigestAthlete.from_findings("Anna", findings, 42.0, "https://coach.example/athletes/1"),
        DigestAthlete.from_findings("Ben", (), 25.0, None),
    ]
    return coach_digest_view("Carla", athletes, preferences_url=PREFERENCES_URL, now_utc=NOW_UTC)
