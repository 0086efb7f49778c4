"""`coach`: the command line. User mistakes get one line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import sys
from typing import Callable, TypeVar

import typer

from coaching.settings import ConfigError

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


def guarded(fn: Callable[[], T]) -> T:
    """Run a command body, turning known user-facing errors into one line and exit code 2."""
    try:
        return fn()
    except ConfigError as error:
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


def _register_optional_commands() -> None:
    from coaching.cli import demo, pipeline  # noqa: F401  (commands register themselves on `app`)

    try:
        from coaching.cli.evaluate import register as register_evaluate
    except ImportError:
        return
    register_evaluate(app)


def main() -> None:
    _register_optional_commands()
    app(prog_name="coach")


if __name__ == "__main__":
    sys.exit(main())
