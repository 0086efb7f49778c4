"""Operator commands: run the flows once, look at the state of things."""

from __future__ import annotations

import json

import typer

from coaching.cli import app, guarded, preflight


@app.command()
def nightly(athlete: list[int] = typer.Option(None, help="Only these athlete ids (default: all connected).")) -> None:
    """Sync, evaluate and alert now (what the nightly deployment runs)."""
    guarded(lambda: preflight(needs_strava=True))
    from flows.nightly import nightly as nightly_flow

    typer.echo(json.dumps(guarded(lambda: nightly_flow(athlete_ids=athlete or None)), indent=2))


@app.command()
def weekly() -> None:
    """Queue and send every runner's summary of the week just ended."""
    guarded(preflight)
    from flows.weekly import weekly_summaries

    typer.echo(json.dumps(guarded(lambda: weekly_summaries()), indent=2))


@app.command()
def digest(coach: list[int] = typer.Option(None, help="Only these coach ids (default: all).")) -> None:
    """Queue and send the coach digest now (also runs weekly)."""
    guarded(preflight)
    from flows.weekly import coach_digests

    typer.echo(json.dumps(guarded(lambda: coach_digests(coach_ids=coach or None)), indent=2))
