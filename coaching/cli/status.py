"""`coach status`: the state of the pipeline from the database, on one screen."""

from __future__ import annotations

import json
from dataclasses import asdict

import typer

from coaching.cli import app, fail, guarded, parse_instant


@app.command()
def status(
    athletes: int = typer.Option(20, "--athletes", min=0, help="List this many athletes (failing ones first)."),
    probe_strava: bool = typer.Option(
        False, "--probe-strava", help="Spend one Strava read to show the application's remaining budget."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
    as_of: str = typer.Option("", "--as-of", metavar="ISO-8601",
                              help="Report as of this instant (\"synced in the last day\" counts back from it); default: now."),
) -> None:
    """Last successful sync per athlete, queued messages, open findings, the Strava budget
    (as the workers last counted it; --probe-strava asks Strava)."""
    from coaching.runtime import Runtime
    from coaching.services.status import format_status, pipeline_status, probe_budget, stored_budget
    from coaching.settings import Settings
    from coaching.store.db import check_schema

    at = parse_instant(as_of) if as_of else None

    def run() -> str:
        runtime = Runtime(Settings())
        try:
            check_schema(runtime.engine)
            now = at or runtime.clock()
            budget = None
            if probe_strava:
                from coaching.strava.errors import StravaError

                from coaching.services.app_status import remember_app_state

                try:
                    budget = probe_budget(runtime, now)
                except StravaError as error:  # translated messages carry no secrets
                    remember_app_state(runtime, now)  # an inactive app is recorded (and shown) all the same
                    fail(f"could not ask Strava for the budget: {error}")
                remember_app_state(runtime, now)
            with runtime.sessions.begin() as session:
                if budget is None and runtime.settings.strava_client_id is not None:
                    budget = stored_budget(session, runtime.settings.strava_client_id, now)
                state = pipeline_status(session, now, athletes, budget, runtime.settings.strava_client_id,
                                        runtime.settings.strava_athlete_capacity)
            if as_json:
                return json.dumps(asdict(state), default=str, indent=2)
            return format_status(state, runtime.settings.strava_budget_margin)
        finally:
            runtime.close()

    typer.echo(guarded(run))
