"""The entry point's contract, the domain's purity, and the real recorded runs."""

from __future__ import annotations

import ast
import json
from datetime import date
from pathlib import Path

from domain_builders import AS_OF, run, steady_weeks

import coaching.domain
from coaching.domain.evaluate import evaluate
from coaching.domain.model import Evaluation, Gear, Severity
from coaching.domain.risk import risk_score
from coaching.domain.thresholds import DEFAULT_THRESHOLDS, Thresholds
from coaching.evaluate_export import activities_from_strava_json, athlete_from_strava_json

DOMAIN = Path(coaching.domain.__file__).parent
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "strava"
FORBIDDEN_IMPORTS = {
    "sqlalchemy", "stravalib", "apprise", "jinja2", "prefect", "requests", "httpx", "fastapi",
    "urllib", "socket", "os", "io", "pathlib", "time", "zoneinfo", "sqlite3", "subprocess", "random",
}


def test_the_domain_imports_no_io_library_and_nothing_outside_the_domain() -> None:
    for path in DOMAIN.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top not in FORBIDDEN_IMPORTS, f"{path.name} imports {name}"
                if top == "coaching":
                    assert name.startswith("coaching.domain"), f"{path.name} imports {name}"


def test_the_domain_has_no_clock_and_opens_no_file() -> None:
    for path in DOMAIN.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                assert name not in {"open", "now", "today", "utcnow", "time", "perf_counter"}, f"{path.name} calls {name}()"


def test_evaluate_takes_the_documented_arguments_and_returns_an_evaluation() -> None:
    history = steady_weeks(6, 10.0, first_days_before=2) + [run(0, 21.0, gear_id="g1")]
    evaluation = evaluate(
        history, AS_OF, gear=[Gear("g1", "Pegasus", 100_000.0)], checkins=(), thresholds=DEFAULT_THRESHOLDS,
        units="imperial",
    )
    assert isinstance(evaluation, Evaluation)
    assert evaluation.as_of == AS_OF
    spike = next(f for f in evaluation.findings if f.rule == "long-run-spike")
    assert spike.metrics["next_long_run_max_km"] == 11.0  # 1.1 x the pre-spike 10 km; metrics stay metric ...
    assert evaluation.plan is not None
    assert "6.2 mi" in evaluation.plan.max_run_km.why  # ... text is in the runner's miles (10 km before the spike)
    assert all(f.why and "\n" not in f.why for f in evaluation.findings)
    assert risk_score(evaluation.findings) > 0


def test_units_accept_stravas_measurement_preference_names() -> None:
    history = steady_weeks(6, 10.0, first_days_before=2) + [run(0, 21.0)]
    feet = evaluate(history, AS_OF, units="feet")
    imperial = evaluate(history, AS_OF, units="imperial")
    meters = evaluate(history, AS_OF, units="meters")
    assert feet.findings == imperial.findings and feet.plan == imperial.plan
    assert meters.plan is not None and "10.0 km" in meters.plan.max_run_km.why


def test_an_empty_history_evaluates_to_no_findings_and_skips_the_history_rules() -> None:
    evaluation = evaluate([], AS_OF)
    assert evaluation.findings == ()
    skipped_rules = {s.rule for s in evaluation.skipped}
    assert {"weekly-ramp", "acwr", "monotony", "strength-missing", "pain-reported"} <= skipped_rules
    assert evaluation.metrics["weekly_run_km"] == [0.0] * 12


def test_a_declared_history_start_lets_rules_trust_empty_weeks() -> None:
    # A runner synced since January whose first run is today: the weeks before are known empty.
    evaluation = evaluate([run(0, 5.0)], AS_OF, history_start=date(2025, 1, 1))
    assert "weekly-ramp" not in {s.rule for s in evaluation.skipped if "history" in s.reason}
    assert "strength-missing" in {f.rule for f in evaluation.findings}


def test_a_custom_thresholds_object_changes_the_outcome() -> None:
    history = steady_weeks(6, 10.0, first_days_before=2) + [run(0, 12.0)]
    assert any(f.rule == "long-run-spike" for f in evaluate(history, AS_OF).findings)
    loose = Thresholds().with_overrides({"long_run_spike.caution_pct": 30})
    assert not any(f.rule == "long-run-spike" for f in evaluate(history, AS_OF, thresholds=loose).findings)


def test_the_real_recorded_runs_evaluate_with_a_plausible_steps_per_minute_cadence() -> None:
    records = json.loads((FIXTURES / "summary_activities_list.real_runs_2025.json").read_text())
    activities, problems = activities_from_strava_json(records)
    assert len(activities) == 30 and problems == []
    athlete = athlete_from_strava_json({"measurement_preference": "feet", "shoes": [
        {"id": "g19999385", "name": "Adidas Switch FWD 2", "distance": 752427, "retired": False}]})
    evaluation = evaluate(activities, date(2025, 10, 18), gear=athlete.gear, units=athlete.units)
    metrics = evaluation.metrics
    assert 150 <= metrics["median_cadence_spm"] <= 200  # 78-80 strides/min doubled
    assert metrics["weekly_run_km"][-1] == 58.52  # 22.6 + 12.9 + 12.9 + 10.1 km, Oct 12-18
    assert metrics["longest_run_30d_km"] == 35.44
    assert metrics["rest_days_7d"] == 3
    shoe = next(f for f in evaluation.findings if f.rule == "shoe-mileage" and f.subject == "g19999385")
    assert shoe.severity is Severity.INFO and "467.5 mi" in shoe.suggestions[0].text
    assert json.loads(json.dumps(metrics)) == metrics
