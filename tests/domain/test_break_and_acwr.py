from __future__ import annotations

import pytest
from domain_builders import AS_OF, run

from coaching.domain.evaluate import evaluate
from coaching.domain.model import Evidence, Severity


def _findings(history, rule: str):
    evaluation = evaluate(history, AS_OF)
    return [f for f in evaluation.findings if f.rule == rule], evaluation


def _before_break(last_run_days_before: int) -> list:
    # Runs every third day for ten weeks up to the last run before the break: 6, 10, 10, 10 ... km.
    return [run(d, 6.0 if d == last_run_days_before + 57 else 10.0) for d in range(last_run_days_before, last_run_days_before + 72, 3)]


def test_a_run_after_a_break_of_exactly_14_days_is_a_warning() -> None:
    comeback = run(0, 6.0)
    findings, _ = _findings(_before_break(15) + [comeback], "return-after-break")  # D-14..D-1 empty
    assert len(findings) == 1
    finding = findings[0]
    assert (finding.severity, finding.evidence, finding.activity_id) == (Severity.WARNING, Evidence.C, comeback.id)
    assert finding.metrics["break_days"] == 14
    assert finding.metrics["usual_run_km"] == 10.0
    assert finding.metrics["restart_run_max_km"] == 5.0
    assert {s.category for s in finding.suggestions} == {"recovery", "cross-training"}


def test_a_break_of_13_days_is_not_a_break() -> None:
    findings, _ = _findings(_before_break(14) + [run(0, 6.0)], "return-after-break")
    assert findings == []


def test_a_comeback_run_of_exactly_half_the_usual_run_is_fine() -> None:
    findings, _ = _findings(_before_break(15) + [run(0, 5.0)], "return-after-break")
    assert findings == []


def test_only_the_first_run_after_the_break_is_flagged() -> None:
    first, second = run(2, 8.0), run(0, 8.0)
    findings, _ = _findings(_before_break(17) + [first, second], "return-after-break")
    assert [f.activity_id for f in findings] == [first.id]


def test_a_break_without_eight_weeks_of_history_before_it_is_skipped() -> None:
    findings, evaluation = _findings([run(20, 10.0), run(0, 8.0)], "return-after-break")
    assert findings == []
    assert any(s.rule == "return-after-break" and "8 weeks" in s.reason for s in evaluation.skipped)


def _acwr_history(acute_km: list[float]) -> list:
    # D-27..D-7: nine 10 km runs = 90 km over 21 days -> chronic 30/7 km a day. Acute runs on
    # D-6, D-4, D-2 and D.
    chronic = [run(d, 10.0) for d in (27, 25, 23, 20, 18, 16, 13, 11, 9)]
    return chronic + [run(d, km) for d, km in zip((6, 4, 2, 0), acute_km) if km]


@pytest.mark.parametrize(
    ("acute_week_km", "severity"),
    [
        (39.0, Severity.CAUTION),  # ratio exactly 1.30
        (45.0, Severity.CAUTION),  # exactly 1.50
        (45.3, Severity.WARNING),  # 1.51
        (38.7, None),  # 1.29
        (24.0, None),  # exactly 0.80
        (23.7, Severity.INFO),  # 0.79: detraining
    ],
)
def test_acwr_bands(acute_week_km: float, severity: Severity | None) -> None:
    split = [acute_week_km / 3] * 3
    findings, evaluation = _findings(_acwr_history(split), "acwr")
    assert evaluation.metrics["acwr"] == round(acute_week_km / 30, 2)
    assert [f.severity for f in findings] == ([severity] if severity else [])
    if findings:
        assert findings[0].evidence is Evidence.C
        assert findings[0].metrics["chronic_weekly_km"] == 30.0


def test_detraining_is_labelled_and_suggests_rebuilding_gradually() -> None:
    findings, _ = _findings(_acwr_history([5.0, 5.0]), "acwr")
    assert findings[0].metrics["label"] == "detraining"
    assert "Rebuild gradually" in findings[0].suggestions[0].text


def test_acwr_needs_28_days_of_history() -> None:
    findings, evaluation = _findings([run(20, 10.0), run(0, 30.0)], "acwr")
    assert findings == []
    assert any(s.rule == "acwr" and "28 days" in s.reason for s in evaluation.skipped)


def test_acwr_with_no_chronic_running_is_undefined_and_skipped() -> None:
    findings, evaluation = _findings([run(27, 0.0, moving_s=600), run(0, 10.0)], "acwr")
    assert findings == []
    assert any(s.rule == "acwr" and "undefined" in s.reason for s in evaluation.skipped)
