from __future__ import annotations

import math

import pytest

from coaching.domain.cadence import steps_per_min
from coaching.domain.model import Evidence, Finding, Severity
from coaching.domain.risk import risk_score


@pytest.mark.parametrize(
    ("raw", "spm"),
    [(80.0, 160.0), (90.5, 181.0), (120.0, 240.0), (120.1, 120.1), (172.0, 172.0), (None, None), (0.0, None), (math.nan, None)],
)
def test_strava_strides_per_minute_become_steps_unless_already_steps(raw: float | None, spm: float | None) -> None:
    assert steps_per_min(raw) == spm


def _finding(severity: Severity, evidence: Evidence) -> Finding:
    return Finding(rule="x", severity=severity, evidence=evidence, why="")


def test_risk_score_weighs_severity_by_evidence() -> None:
    findings = [
        _finding(Severity.WARNING, Evidence.A),  # 3 x 1.0
        _finding(Severity.CAUTION, Evidence.B),  # 2 x 0.6
        _finding(Severity.INFO, Evidence.C),  # 1 x 0.3
    ]
    assert risk_score(findings) == pytest.approx(4.5)
    assert risk_score([]) == 0.0


def test_two_shoes_have_two_finding_keys_and_runs_key_on_their_id() -> None:
    shoe_a = Finding("shoe-mileage", Severity.INFO, Evidence.B, "", subject="g1")
    shoe_b = Finding("shoe-mileage", Severity.INFO, Evidence.B, "", subject="g2")
    spike = Finding("long-run-spike", Severity.CAUTION, Evidence.A, "", activity_id=42)
    ramp = Finding("weekly-ramp", Severity.INFO, Evidence.A, "")
    assert shoe_a.key != shoe_b.key
    assert spike.key == "long-run-spike:42"
    assert ramp.key == "weekly-ramp:"
