"""`coach`: the command line. User mistakes get one line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from typing import Callable, TypeVar

import typer

from coaching.settings import ConfigError
from coaching.store.db import SchemaOutOfDate

T = TypeVar("T")

app = typer.Typer(
    name="coach",
    help="Runner's-knee coaching from Strava: sync, evaluate, and tell runners and coaches.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"coach: error: {message}", err=True)
    raise typer.Exit(code)


def parse_instant(text: str) -> datetime:
    """An ISO-8601 instant from the command line (UTC unless it names its offset)."""
    try:
        instant = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        fail(f"{text!r} is not an ISO-8601 instant (for example 2026-03-18T06:00:00Z)")
        raise
    return instant.replace(tzinfo=timezone.utc) if instant.tzinfo is None else instant.astimezone(timezone.utc)


def guarded(fn: Callable[[], T]) -> T:
    """Run a command body, turning known user-facing errors into one line and exit code 2."""
    try:
        return fn()
    except (ConfigError, SchemaOutOfDate) as error:
        fail(str(error))
    except ValueError as error:
        fail(str(error))
    raise AssertionError("unreachable")


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Alembic revision to upgrade to.")) -> None:
    """Create or migrate the database at COACH_DATABASE_URL."""
    from coaching.settings import Settings
    from coaching.store.db import current_revision, make_engine, upgrade

    def run() -> None:
        engine = make_engine(Settings().database_url)
        upgrade(engine, revision)
        typer.echo(f"database at revision {current_revision(engine)}")
        engine.dispose()

    guarded(run)


@app.command()
def keygen() -> None:
    """Print a new token-encryption key for COACH_TOKEN_KEY (prepend it to rotate keys)."""
    from coaching.crypto import generate_key

    typer.echo(generate_key())


@app.command("rotate-keys")
def rotate_keys() -> None:
    """Re-encrypt stored tokens and push URLs under the first key of COACH_TOKEN_KEY."""
    from coaching.runtime import Runtime
    from coaching.services.keys import rotate_secrets
    from coaching.settings import Settings
    from coaching.store.db import check_schema

    def run() -> int:
        runtime = Runtime(Settings())
        try:
            check_schema(runtime.engine)
            return rotate_secrets(runtime)
        finally:
            runtime.close()

    typer.echo(f"re-encrypted {guarded(run)} stored secrets under the newest key")


def _register_optional_commands() -> None:
    from coaching.cli import demo, fake_strava, import_files, pipeline, serve, status, strava, web  # noqa: F401  (they register on `app`)

    try:
        from coaching.cli.evaluate import register as register_evaluate
    except ImportError:
        return
    register_evaluate(app)


def preflight(*, needs_strava: bool = False) -> None:
    """Check configuration and schema before a flow starts, so a user mistake is one line here
    rather than a failed flow run with Prefect's traceback in the log."""
    from coaching.runtime import Runtime
    from coaching.settings import Settings
    from coaching.store.athletes import AthleteRepository
    from coaching.store.db import check_schema

    runtime = Runtime(Settings())
    try:
        check_schema(runtime.engine)
        with runtime.sessions.begin() as session:
            has_athletes = bool(AthleteRepository(session).connected())
        if has_athletes or runtime.settings.token_key is not None:
            runtime.box  # noqa: B018  (decodes and validates the keys)
        if has_athletes:
            runtime.settings.require_link_secret()
            if needs_strava:
                runtime.settings.require_strava_app()
    finally:
        runtime.close()


def _quiet_warnings() -> None:
    import warnings

    import stravalib  # noqa: F401  (its import turns every warning on, globally)

    # Libraries' deprecation notices are for their developers, not for someone running `coach`.
    warnings.filterwarnings("ignore", category=DeprecationWarning)


def main() -> None:
    _quiet_warnings()
    _register_optional_commands()
    app(prog_name="coach")


if __name__ == "__main__":
    sys.exit(main())
