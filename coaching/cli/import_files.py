"""`coach import --athlete EMAIL_OR_STRAVA_ID FILE...`: activity files as a second way in."""

from __future__ import annotations

from pathlib import Path

import typer

from coaching.cli import app, fail, guarded

MAX_COMMAND_BYTES = 2 * 1024 * 1024 * 1024  # what one command reads into memory at most


@app.command("import")
def import_files(
    athlete: str = typer.Option(..., "--athlete", help="The runner's email address or Strava athlete id; "
                                "an address nobody has yet adds a runner who joins with files alone."),
    files: list[Path] = typer.Argument(..., help="FIT, GPX or TCX files (.gz too), or zip exports (Strava, Garmin)."),
) -> None:
    """Import activity files into a runner's training (the same store, checks and rules as Strava's)."""
    from coaching.activity_files.archive import MAX_FILE_BYTES
    from coaching.activity_files.importer import ImportRefused, import_files as run_import
    from coaching.runtime import Runtime
    from coaching.settings import Settings
    from coaching.store.db import check_schema

    loaded: list[tuple[str, bytes]] = []
    total = 0
    for path in files:
        if not path.is_file():
            fail(f"{path}: no such file")
        size = path.stat().st_size
        limit = MAX_COMMAND_BYTES if path.suffix.lower() == ".zip" else MAX_FILE_BYTES
        total += size
        if size > limit or total > MAX_COMMAND_BYTES:
            fail(f"{path.name} is too large to import ({size / 1024 ** 2:.0f} MB); nothing was imported")
        loaded.append((path.name, path.read_bytes()))

    def run() -> str:
        runtime = Runtime(Settings())
        try:
            check_schema(runtime.engine)
            try:
                report = run_import(runtime, athlete, loaded, runtime.clock())
            except ImportRefused as error:
                fail(str(error))
                raise AssertionError("unreachable")
            joined = " (a new runner, with files alone)" if report.runner_created else ""
            return (f"runner {report.athlete_id}{joined}: {report.stored} activities stored, "
                    f"{report.already_stored} already stored, {report.same_run_stored} already stored from "
                    f"another source, {len(report.ignored)} other files ignored")
        finally:
            runtime.close()

    typer.echo(guarded(run))
