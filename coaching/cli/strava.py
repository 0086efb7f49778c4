"""`coach strava ...`: the push subscription, queued webhook events, and history back-fills."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Callable, Optional, TypeVar

import typer

from coaching.cli import app, fail, guarded

if TYPE_CHECKING:
    from coaching.runtime import Runtime

T = TypeVar("T")

strava_app = typer.Typer(help="Strava: push subscription, webhook events, history back-fill.", no_args_is_help=True)
app.add_typer(strava_app, name="strava")


def _runtime() -> Runtime:
    """The runtime, once the configuration and the database schema are known to be usable."""
    from coaching.runtime import Runtime
    from coaching.settings import Settings
    from coaching.store.db import check_schema

    runtime = Runtime(Settings())
    runtime.settings.require_strava_app()
    check_schema(runtime.engine)
    return runtime


def _strava_guarded(fn: Callable[[], T]) -> T:
    """Like `guarded`, and Strava's refusals also become one line (they never carry secrets)."""
    from coaching.strava.errors import StravaError

    def run() -> T:
        try:
            return fn()
        except StravaError as error:
            fail(str(error))
        raise AssertionError("unreachable")

    return guarded(run)


@strava_app.command("subscribe")
def subscribe(
    callback_url: Optional[str] = typer.Option(
        None, "--callback-url", help="Where Strava posts events (default: COACH_PUBLIC_URL + /strava/webhook)."
    ),
) -> None:
    """Create the app's push subscription. `coach web` must already answer at the callback URL."""
    from coaching.services.subscriptions import subscribe as create

    info = _strava_guarded(lambda: create(_runtime(), callback_url))
    typer.echo(f"subscribed: id {info.id}, events go to {info.callback_url}")


@strava_app.command("show")
def show() -> None:
    """Show the push subscription Strava has for this app."""
    from coaching.services.subscriptions import show as listing

    items = _strava_guarded(lambda: listing(_runtime()))
    if not items:
        typer.echo("no push subscription")
    for info in items:
        known = "" if info.stored_here else "  (not stored in this database: its events are dropped)"
        typer.echo(f"subscription {info.id}: {info.callback_url}{known}")


@strava_app.command("unsubscribe")
def unsubscribe() -> None:
    """Delete the app's push subscription (on Strava and here)."""
    from coaching.services.subscriptions import unsubscribe as remove

    deleted = _strava_guarded(lambda: remove(_runtime()))
    typer.echo(f"deleted subscription {', '.join(map(str, deleted))}" if deleted else "no push subscription to delete")


@strava_app.command("process-events")
def process_events(limit: int = typer.Option(500, "--limit", min=1, help="At most this many events.")) -> None:
    """Apply queued webhook events (re-fetching each activity from Strava)."""
    from coaching.services.webhooks import process_webhook_events

    def run() -> object:
        runtime = _runtime()
        try:
            return process_webhook_events(runtime, runtime.clock(), limit)
        finally:
            runtime.close()

    report = guarded(run)
    typer.echo(
        f"processed {report.processed}, ignored {report.ignored}, failed {report.failed}, "  # type: ignore[attr-defined]
        f"left for later {report.deferred}, athletes erased {report.erased_athletes}"  # type: ignore[attr-defined]
        + ("; Strava budget spent" if report.budget_exhausted else "")  # type: ignore[attr-defined]
    )


@strava_app.command("backfill")
def backfill(
    athlete_id: Optional[int] = typer.Option(None, "--athlete-id", help="One athlete (our id); default: all pending."),
) -> None:
    """Import the training history of runners whose back-fill is not finished, with a progress bar."""
    from coaching.store.athletes import AthleteRepository

    runtime = guarded(_runtime)
    try:
        with runtime.sessions.begin() as session:
            athletes = AthleteRepository(session)
            chosen = [athletes.get(athlete_id)] if athlete_id is not None else athletes.connected()
            pending = [(a.id, a.display_name) for a in chosen if a is not None
                       and (athlete_id is not None or not athletes.sync_state(a.id).backfill_done)]
        if athlete_id is not None and not pending:
            fail(f"no athlete with id {athlete_id}")
        if not pending:
            typer.echo("every connected athlete's history is imported")
        for one_id, name in pending:
            _backfill_one(runtime, one_id, name)
    finally:
        runtime.close()


def _backfill_one(runtime: Runtime, athlete_id: int, name: str) -> None:
    from coaching.services.sync import sync_athlete
    from coaching.web.backfill import backfill_progress

    now = runtime.clock()
    outcome: dict[str, object] = {}

    def work() -> None:
        try:
            outcome["result"] = sync_athlete(runtime.sessions, runtime.strava, runtime.box, athlete_id, now)
        except Exception as error:  # shown below, in one line
            outcome["error"] = error

    worker = threading.Thread(target=work, name=f"backfill-{athlete_id}", daemon=True)
    worker.start()
    shown = 0
    with typer.progressbar(length=100, label=f"{name} (#{athlete_id})", show_percent=True) as bar:
        while True:
            finished = not worker.is_alive()
            with runtime.sessions.begin() as session:
                progress = backfill_progress(session, athlete_id, now)
            percent = 100 if progress.done else round(progress.fraction * 100)
            bar.update(max(percent - shown, 0))
            shown = max(shown, percent)
            if finished:
                break
            time.sleep(0.2)
    if "error" in outcome:
        error = outcome["error"]
        typer.echo(f"  stopped: {error if _is_strava_error(error) else type(error).__name__}; "
                   "the next run carries on where this one stopped", err=True)
    else:
        typer.echo(f"  {progress.activities} activities stored" + ("" if progress.done else ", history not complete"))


def _is_strava_error(error: object) -> bool:
    from coaching.strava.errors import StravaError

    return isinstance(error, StravaError)
