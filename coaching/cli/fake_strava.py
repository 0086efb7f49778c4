"""`coach fake-strava`: the local stand-in for Strava, good enough for a dry run of the real
deployment: its credentials, budget and latency as options, its athletes connected into a
database without a browser, its counters at GET /_fake/stats."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from coaching.cli import app, fail, guarded

if TYPE_CHECKING:
    from coaching.fake_strava import FakeStrava

DRY_RUN_REDIRECT = "http://127.0.0.1/strava/callback"


def parse_budget(text: str | None, option: str) -> tuple[int, int] | None:
    from coaching.fake_strava.serve import budget_option

    try:
        return budget_option(text) if text is not None else None
    except ValueError as error:
        fail(f"{option}: {error}")
        raise


def check_connect_target(database_url: str) -> None:
    """The key the tokens will be encrypted under, and a database at the current schema."""
    from coaching.settings import Settings
    from coaching.store.db import check_schema, make_engine

    from sqlalchemy.exc import SQLAlchemyError

    Settings(database_url=database_url).require_token_keys()
    try:
        engine = make_engine(database_url)
        try:
            check_schema(engine)
        finally:
            engine.dispose()
    except SQLAlchemyError as error:  # never echo the URL: it may hold a password
        raise ValueError(f"--connect-into: cannot open that database ({type(error).__name__})") from None


def connect_into(database_url: str, fake: FakeStrava, strava_ids: list[int], client_id: int,
                 client_secret: str, echo=typer.echo) -> int:  # noqa: ANN001 (a print function)
    """Connect every athlete as `coach web`'s callback does, without the browser: the fake's OAuth
    approves for the athlete named, our Strava client exchanges the code, and the connect service
    stores the athlete and its tokens, encrypted under COACH_TOKEN_KEY. Returns how many are new."""
    from coaching.fake_strava.testing import follow_authorize
    from coaching.runtime import Runtime
    from coaching.services.connect import connect_athlete
    from coaching.settings import Settings
    from coaching.store.db import check_schema
    from coaching.strava.client import REQUESTED_SCOPES

    runtime = Runtime(Settings(database_url=database_url, strava_api_url=fake.base_url,
                               strava_client_id=client_id, strava_client_secret=client_secret))
    try:
        check_schema(runtime.engine)
        box, source, created = runtime.box, runtime.strava, 0
        for count, strava_id in enumerate(strava_ids, start=1):
            grant = follow_authorize(fake.authorize_url(DRY_RUN_REDIRECT, athlete_id=strava_id,
                                                        scopes=REQUESTED_SCOPES, state="dry-run"))
            with runtime.sessions.begin() as session:
                created += connect_athlete(session, source, box, code=grant["code"], granted_scope=grant["scope"],
                                           email=f"runner{strava_id}@example.org",
                                           timezone=fake.athlete(strava_id).timezone).created
            if count % 500 == 0:
                echo(f"  connected {count} of {len(strava_ids)}")
        return created
    finally:
        runtime.close()


@app.command("fake-strava")
def fake_strava(
    port: int = typer.Option(8765, help="Port on --host."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    athletes: int = typer.Option(6, min=0, help="How many synthetic runners to seed."),
    seed: int = typer.Option(42, help="Random seed for the synthetic histories."),
    days: int = typer.Option(182, min=1, help="Days of history per runner, ending yesterday."),
    client_id: int = typer.Option(1234, help="The Strava app id it accepts (COACH_STRAVA_CLIENT_ID)."),
    client_secret: str = typer.Option("fake-secret", help="The app secret it accepts (COACH_STRAVA_CLIENT_SECRET)."),
    read_limit: str = typer.Option(None, help="Read budget '15MIN,DAILY' (Strava's default: 100,1000)."),
    overall_limit: str = typer.Option(None, help="Budget for all requests '15MIN,DAILY' (default: 200,2000, "
                                                 "or the read budget if larger)."),
    latency_ms: float = typer.Option(0.0, min=0.0, help="Delay added to every API answer."),
    new_share: float = typer.Option(0.05, min=0.0, max=1.0,
                                    help="Share of the runners who upload a new activity on POST /_fake/new-day."),
    connect_into_url: str = typer.Option(None, "--connect-into", metavar="DATABASE_URL",
                                         help="Connect every runner into this migrated database (tokens "
                                              "encrypted under COACH_TOKEN_KEY), without a browser."),
) -> None:
    """Run the local stand-in for the Strava API (for trying things out, or a dry run of the
    deployment, without a Strava app)."""
    from coaching.fake_strava import serve_forever
    from coaching.settings import ConfigError
    from coaching.store.db import SchemaOutOfDate
    from sqlalchemy.exc import SQLAlchemyError

    read, overall = parse_budget(read_limit, "--read-limit"), parse_budget(overall_limit, "--overall-limit")
    if connect_into_url:  # before seeding: a thousand runners take a while to make
        guarded(lambda: check_connect_target(connect_into_url))

    def connect(fake: FakeStrava, strava_ids: list[int]) -> None:
        typer.echo(f"connecting {len(strava_ids)} runners into the database ...")
        try:
            created = connect_into(connect_into_url, fake, strava_ids, client_id, client_secret)
        except (ConfigError, SchemaOutOfDate, ValueError) as error:
            fail(str(error))  # (serve_forever stops the fake on the way out)
        except SQLAlchemyError as error:
            fail(f"cannot connect the runners into {connect_into_url.split('@')[-1]}: {type(error).__name__}")
        typer.echo(f"connected {len(strava_ids)} runners ({created} new) into the database")

    try:
        serve_forever(
            port=port, athletes=athletes, seed=seed, end_date=None, days=days,  # each runner's own yesterday
            client_id=client_id, client_secret=client_secret, host=host, latency_s=latency_ms / 1000.0,
            read_limit=read, overall_limit=overall, new_share=new_share,
            on_start=connect if connect_into_url else None,
        )
    except OSError as error:  # the port is taken, or the address is not ours
        fail(f"cannot listen on {host}:{port}: {error.strerror or error}")
