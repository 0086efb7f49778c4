"""`coach demo`: try the whole pipeline locally."""

from __future__ import annotations

from pathlib import Path

import typer

from coaching.cli import app, guarded, parse_instant


@app.command()
def demo(
    out: Path = typer.Option(Path("demo-out"), "--out", help="Where the database, emails and push messages go."),
    athletes: int = typer.Option(6, min=5, max=500, help="How many synthetic runners."),
    now: str = typer.Option("", "--now", metavar="ISO-8601",
                            help="Run as of this instant (UTC unless it says otherwise); default: now."),
) -> None:
    """Run the whole pipeline against a fake Strava and local mail/push sinks."""
    import time

    from coaching.demo import run_demo

    at = parse_instant(now) if now else None
    started = time.monotonic()
    result = guarded(lambda: run_demo(out, athletes=athletes, now=at, echo=typer.echo))
    typer.echo("")
    typer.echo(f"athletes: {result.athletes}   activities stored: {result.activities}   findings: {result.findings}")
    typer.echo(f"messages sent this run: {result.messages_sent}")
    typer.echo(f"emails:  {result.out / 'mail'}  ({result.mail_files} .eml files in all)")
    typer.echo(f"push:    {result.out / 'push'}  ({result.push_files} .json files in all)")
    typer.echo(f"database: {result.out / 'coach.db'}")
    typer.echo(f"done in {time.monotonic() - started:.1f} s")
