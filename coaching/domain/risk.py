"""Risk score for ranking athletes in a coach digest (RULES.md, Conventions)."""

from __future__ import annotations

from typing import Iterable

from coaching.domain.model import Evidence, Finding, Severity

SEVERITY_WEIGHT = {Severity.WARNING: 3.0, Severity.CAUTION: 2.0, Severity.INFO: 1.0}
EVIDENCE_WEIGHT = {Evidence.A: 1.0, Evidence.B: 0.6, Evidence.C: 0.3}


# The weight of the lightest finding (info, grade C): a smaller change is no trend.
STEADY_BAND = 0.3


def risk_score(findings: Iterable[Finding]) -> float:
    total = sum(SEVERITY_WEIGHT[f.severity] * EVIDENCE_WEIGHT[f.evidence] for f in findings)
    return round(total, 6)


def risk_trend(now: float, week_ago: float | None) -> str | None:
    """rising, steady or falling against the risk score of a week ago (None without one)."""
    if week_ago is None:
        return None
    change = round(now - week_ago, 6)
    if change >= STEADY_BAND:
        return "rising"
    if change <= -STEADY_BAND:
        return "falling"
    return "steady"
