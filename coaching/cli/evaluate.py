"""`coach evaluate`: run the knee rules on a Strava JSON list (or an account export) from disk.

    coach evaluate ACTIVITIES.json --as-of 2025-10-18 [--athlete ATHLETE.json] [--tz ZONE]
                   [--checkins CHECKINS.json] [--format json|text]
    coach evaluate --strava-export EXPORT.zip --as-of 2025-10-18

CHECKINS.json: a JSON list of {"day": "YYYY-MM-DD", "pain": 0-10}, the runner's knee-pain check-ins,
the day in the runner's local calendar.

JSON output, one object (numbers always metric; text in the athlete's units):
  as_of, units, risk_score, risk_score_week_ago (as of as_of - 7; null when the record starts later),
  plan: the next 7 days (null without 28 days of history; skipped says why):
        {from, to, running (normal|hold|stop), running_why, pain_score, max_run_km, weekly_km
        ([low, high]), rest_days_min, hard_runs_max, climb_m_max (null: no limit),
        cross_training_min, strength_sessions}, each field {value, set_by (rule id|baseline|pain),
        why, evidence (A|B|C)},
  plan_check: the plan of as_of - 7 against as_of - 6 .. as_of (null until a plan existed then):
        {from, to, kept, broken [field], fields {field: {planned, done, kept}}},
  metrics: weekly_run_km (12 rolling 7-day blocks ending on as_of, oldest first), ctl, atl, tsb
           (exponentially weighted daily run km, 42/7 days), acwr (uncoupled, null without 28 days;
           these four to 4 decimals),
           rest_days_7d, runs_7d, longest_run_30d_km, cross_training_min_7d, strength_sessions_7d,
           median_cadence_spm (steps/min, 28 days), shoes [{id, name, km, retired}],
  findings: [{rule, severity (info|caution|warning), evidence (A|B|C), activity_id, subject, key,
              metrics (unit-suffixed), why, suggestions [{category, text}]}], most serious first,
  skipped: [{rule, reason}] (rules without the history they need),
  data_quality: [str] (records excluded, merged or unreadable, and why).
Text output is a report for a person in the athlete's units. Bad input: one line on stderr, exit 2.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any, Optional

import typer

from coaching.domain.evaluate import evaluate
from coaching.domain.model import Evaluation, PainCheckin
from coaching.domain.risk import risk_score, risk_trend
from coaching.domain.units import KM_PER_MILE, distance_unit, format_distance_km
from coaching.messages.plan_text import check_lines, check_summary, plan_lines, running_words
from coaching.evaluate_export import (
    activities_from_export_csv,
    activities_from_strava_json,
    athlete_from_strava_json,
    export_csv_from_zip,
    parse_timezone,
)


class InputError(Exception):
    """Bad input the user can fix: reported in one line, exit code 2."""


def evaluate_command(
    activities_file: Optional[Path] = typer.Argument(None, metavar="ACTIVITIES.json", help="GET /athlete/activities JSON (pages may be concatenated)."),
    as_of: str = typer.Option(..., "--as-of", help="Evaluation day, YYYY-MM-DD, in the athlete's time zone."),
    athlete_file: Optional[Path] = typer.Option(None, "--athlete", help="GET /athlete JSON: shoes and units."),
    tz: Optional[str] = typer.Option(None, "--tz", help="Time zone for local days (default: each activity's own)."),
    output_format: str = typer.Option("json", "--format", help="json or text."),
    strava_export: Optional[Path] = typer.Option(None, "--strava-export", help="Strava account export zip (activities.csv)."),
    checkins_file: Optional[Path] = typer.Option(None, "--checkins", help='Knee-pain check-ins: [{"day": "YYYY-MM-DD", "pain": 0-10}].'),
) -> None:
    """Evaluate one athlete's activities against the runner's-knee rules."""
    try:
        report = run_evaluation(activities_file, as_of, athlete_file, tz, output_format, strava_export, checkins_file)
    except InputError as error:
        typer.echo(f"coach: error: {error}", err=True)
        raise typer.Exit(code=2) from None
    typer.echo(report)


def run_evaluation(
    activities_file: Path | None,
    as_of_text: str,
    athlete_file: Path | None = None,
    tz: str | None = None,
    output_format: str = "json",
    strava_export: Path | None = None,
    checkins_file: Path | None = None,
) -> str:
    if output_format not in ("json", "text"):
        raise InputError(f"--format must be json or text, not {output_format!r}")
    try:
        as_of = date.fromisoformat(as_of_text)
    except ValueError:
        raise InputError(f"--as-of must be a date like 2025-10-18, not {as_of_text!r}") from None
    zone = None
    if tz is not None:
        zone = parse_timezone(tz)
        if zone is None:
            raise InputError(f"unknown time zone {tz!r}")
    if (activities_file is None) == (strava_export is None):
        raise InputError("give either ACTIVITIES.json or --strava-export EXPORT.zip")
    if strava_export is not None:
        activities, problems = _read_export(strava_export, zone)
    else:
        assert activities_file is not None
        records = _read_json(activities_file)
        records = _flatten_pages(records)
        if not isinstance(records, list) or (records and not any(isinstance(r, dict) for r in records)):
            raise InputError(f"{activities_file}: not a JSON list of activities")
        activities, problems = activities_from_strava_json(records, zone=zone)
    gear, units = (), "metric"
    if athlete_file is not None:
        record = _read_json(athlete_file)
        if not isinstance(record, dict):
            raise InputError(f"{athlete_file}: not a JSON athlete object")
        athlete = athlete_from_strava_json(record)
        gear, units = athlete.gear, athlete.units
        problems.extend(athlete.problems)
    checkins = read_checkins(checkins_file) if checkins_file is not None else []
    evaluation = evaluate(activities, as_of, gear=gear, units=units, checkins=checkins)
    document = evaluation_document(evaluation, units, problems)
    if output_format == "json":
        return json.dumps(document, indent=2, ensure_ascii=False)
    return render_text(document, units, evaluation)


def read_checkins(path: Path) -> list[PainCheckin]:
    """The runner's knee-pain check-ins; anything odd is the user's to fix (one line, exit 2)."""
    records = _read_json(path)
    if not isinstance(records, list):
        raise InputError(f'{path}: not a JSON list of check-ins like [{{"day": "2026-03-14", "pain": 3}}]')
    checkins: list[PainCheckin] = []
    seen: set[date] = set()
    for index, record in enumerate(records):
        if not isinstance(record, dict) or set(record) != {"day", "pain"}:
            raise InputError(f'{path}: item {index}: expected {{"day": "YYYY-MM-DD", "pain": 0-10}}')
        try:
            day = date.fromisoformat(record["day"]) if isinstance(record["day"], str) else None
        except ValueError:
            day = None
        if day is None:
            raise InputError(f"{path}: item {index}: day must be a date like 2026-03-14, not {record['day']!r}")
        pain = record["pain"]
        if isinstance(pain, bool) or not isinstance(pain, int) or not 0 <= pain <= 10:
            raise InputError(f"{path}: item {index}: pain must be a whole number from 0 to 10, not {pain!r}")
        if day in seen:
            raise InputError(f"{path}: item {index}: a second check-in for {day.isoformat()}")
        seen.add(day)
        checkins.append(PainCheckin(day=day, score=pain))
    return checkins


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror or error})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    decoder = json.JSONDecoder()
    values, position = [], 0
    # Pages saved one after another ("[...][...]") are read as one list.
    while position < len(text):
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            break
        try:
            value, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise InputError(f"{path}: not valid JSON ({error.msg} at line {error.lineno})") from None
        values.append(value)
    if not values:
        raise InputError(f"{path}: empty file")
    if len(values) == 1:
        return values[0]
    if all(isinstance(v, list) for v in values):
        return [item for v in values for item in v]
    raise InputError(f"{path}: several JSON values that are not all lists")


def _flatten_pages(records: Any) -> Any:
    if isinstance(records, list) and records and all(isinstance(r, list) for r in records):
        return [item for page in records for item in page]
    return records


def _read_export(path: Path, zone: Any) -> tuple[list, list[str]]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror or error})") from None
    try:
        text = export_csv_from_zip(data) if data[:2] == b"PK" else data.decode("utf-8-sig", errors="replace")
    except Exception as error:  # noqa: BLE001 - a broken zip is a user error, not a crash
        raise InputError(f"{path}: not a Strava export zip ({error})") from None
    activities, problems = activities_from_export_csv(text, zone=zone)
    if not activities and problems and problems[0].startswith("not a Strava"):
        raise InputError(f"{path}: {problems[0]}")
    return activities, problems


def evaluation_document(evaluation: Evaluation, units: str, input_problems: list[str]) -> dict[str, Any]:
    findings = sorted(evaluation.findings, key=lambda f: -f.severity)
    return {
        "as_of": evaluation.as_of.isoformat(),
        "units": units,
        "risk_score": risk_score(evaluation.findings),
        "risk_score_week_ago": evaluation.risk_score_week_ago,
        "plan": None if evaluation.plan is None else evaluation.plan.as_dict(),
        "plan_check": None if evaluation.plan_check is None else evaluation.plan_check.as_dict(),
        "metrics": dict(evaluation.metrics),
        "findings": [
            {
                "rule": f.rule,
                "severity": f.severity.name.lower(),
                "evidence": f.evidence.value,
                "activity_id": f.activity_id,
                "subject": f.subject,
                "key": f.key,
                "metrics": dict(f.metrics),
                "why": f.why,
                "suggestions": [{"category": s.category, "text": s.text} for s in f.suggestions],
            }
            for f in findings
        ],
        "skipped": [{"rule": s.rule, "reason": s.reason} for s in evaluation.skipped],
        "data_quality": list(input_problems) + list(evaluation.data_quality),
    }


def plan_text(evaluation: Evaluation, units: str) -> list[str]:
    """The plan first: what to do in the next 7 days, then whether last week's was kept."""
    plan = evaluation.plan
    if plan is None:
        reason = next((s.reason for s in evaluation.skipped if s.rule == "plan"), "not enough history")
        return [f"Your next 7 days: no plan yet ({reason})", ""]
    lines = [
        f"Your next 7 days ({plan.first_day.isoformat()} to {plan.last_day.isoformat()}): {running_words(plan)}",
        f"  {plan.running.why}",
    ]
    for line in plan_lines(plan, units):
        lines.append(f"  {line.label}: {line.value} ({line.set_by})")
        lines.append(f"    {line.why}")
    check = evaluation.plan_check
    if check is not None:
        lines.append(f"Last week's plan ({check.first_day.isoformat()} to {check.last_day.isoformat()}): {check_summary(check)}")
        for c in check_lines(check, units):
            lines.append(f"  {'kept' if c.kept else 'NOT kept'}: {c.label.lower()} {c.planned}, done {c.done}")
    return lines + [""]


def render_text(document: dict[str, Any], units: str, evaluation: Evaluation | None = None) -> str:
    m = document["metrics"]
    unit = distance_unit(units)
    per_unit = KM_PER_MILE if units == "imperial" else 1.0
    km = lambda value: format_distance_km(value or 0.0, units)  # noqa: E731
    weeks = " ".join(f"{w / per_unit:.1f}" for w in m["weekly_run_km"])
    acwr = "n/a" if m["acwr"] is None else f"{m['acwr']:.2f}"
    cadence = "n/a" if m["median_cadence_spm"] is None else f"{m['median_cadence_spm']:.0f} steps/min"
    trend = risk_trend(document["risk_score"], document.get("risk_score_week_ago"))
    lines = [
        f"Knee-risk evaluation for {document['as_of']} (risk score {document['risk_score']:.1f}"
        + (f", {trend} from {document['risk_score_week_ago']:.1f} a week ago)" if trend else ")"),
        "",
        *(plan_text(evaluation, units) if evaluation is not None else []),
        f"Weekly running, last 12 weeks ({unit}, oldest first): {weeks}",
        f"Fitness {m['ctl'] / per_unit:.1f}, fatigue {m['atl'] / per_unit:.1f}, form {m['tsb'] / per_unit:+.1f} "
        f"({unit} a day); acute:chronic ratio {acwr}",
        f"Last 7 days: {m['rest_days_7d']} rest days, {m['cross_training_min_7d']:.0f} min cross-training, "
        f"{m['strength_sessions_7d']} strength sessions",
        f"Longest run in 30 days: {km(m['longest_run_30d_km'])}; median cadence (28 days): {cadence}",
    ]
    shoes = [f"{s['name']} {km(s['km'])}" for s in m["shoes"] if not s.get("retired")]
    if shoes:
        lines.append("Shoes: " + "; ".join(shoes))
    lines += ["", f"Findings: {len(document['findings']) or 'none'}"]
    for f in document["findings"]:
        about = f" (activity {f['activity_id']})" if f["activity_id"] else ""
        lines.append(f"  [{f['severity'].upper()}] {f['rule']}{about}, evidence {f['evidence']}")
        lines.append(f"    {f['why']}")
        lines += [f"    - {s['category']}: {s['text']}" for s in f["suggestions"]]
    if document["skipped"]:
        lines += ["", "Not evaluated:"] + [f"  - {s['rule']}: {s['reason']}" for s in document["skipped"]]
    if document["data_quality"]:
        lines += ["", "Data quality:"] + [f"  - {note}" for note in document["data_quality"]]
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Adds `evaluate` to the `coach` command line."""
    app.command("evaluate")(evaluate_command)


def main() -> None:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command()(evaluate_command)
    app()


if __name__ == "__main__":
    main()
