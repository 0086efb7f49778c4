"""Strava-shaped records and a tiny Typer app around `coach evaluate` for the CLI tests."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

from coaching.cli.evaluate import register

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "strava"
RUNS_2025 = FIXTURES / "summary_activities_list.real_runs_2025.json"


def cli_app() -> typer.Typer:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    register(app)

    @app.command("version")  # a second command keeps `evaluate` a sub-command, as in `coach`
    def version() -> None:
        typer.echo("test")

    return app


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli_app(), ["evaluate", *args])


def strava_activity(
    activity_id: int,
    start_local: str,
    km: float,
    *,
    sport_type: str = "Run",
    utc_offset_h: float = 1.0,
    zone: str = "(GMT+01:00) Europe/Berlin",
    **extra: Any,
) -> dict[str, Any]:
    """A SummaryActivity as GET /athlete/activities returns it (start_date_local with its fake Z)."""
    local = datetime.fromisoformat(start_local)
    moving = int(km * 330)
    record = {
        "resource_state": 2, "athlete": {"id": 1, "resource_state": 1}, "name": sport_type,
        "distance": km * 1000, "moving_time": moving, "elapsed_time": moving + 30,
        "total_elevation_gain": 20.0, "type": sport_type, "sport_type": sport_type, "workout_type": None,
        "id": activity_id,
        "start_date": (local - timedelta(hours=utc_offset_h)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "start_date_local": local.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "timezone": zone, "utc_offset": utc_offset_h * 3600, "trainer": False, "commute": False,
        "manual": False, "private": False, "gear_id": None, "average_speed": km * 1000 / moving,
        "max_speed": 5.0, "average_cadence": 84.0, "has_heartrate": True, "average_heartrate": 140.0,
        "max_heartrate": 170.0,
    }
    record.update(extra)
    return record


def write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value), encoding="utf-8")
    return path
