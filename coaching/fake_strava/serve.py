"""Run the fake on a fixed port until interrupted: what `coach fake-strava` and
`python -m coaching.fake_strava` call."""

from __future__ import annotations

import functools
import threading
from datetime import date
from typing import Callable, Sequence

from coaching.fake_strava.config import FakeStravaConfig
from coaching.fake_strava.fake import FakeStrava

DEFAULT_REDIRECT_URI = "http://127.0.0.1:8000/strava/callback"


def serve_forever(
    port: int,
    athletes: int,
    seed: int,
    end_date: date | None,
    *,
    days: int = 182,
    personas: Sequence[str] | None = None,
    client_id: int = 1234,
    client_secret: str = "fake-secret",
    host: str = "127.0.0.1",
    latency_s: float = 0.0,
    redirect_uri: str = DEFAULT_REDIRECT_URI,
    stop: threading.Event | None = None,
    echo: Callable[[str], None] = functools.partial(print, flush=True),
) -> None:
    """Seed, start, print how to connect, then serve until Ctrl-C (or until `stop` is set)."""
    config = FakeStravaConfig(client_id=client_id, client_secret=client_secret, host=host, port=port, latency_s=latency_s)
    fake = FakeStrava(config)
    athlete_ids = fake.seed(count=athletes, end_date=end_date, personas=personas, seed=seed, days=days)
    with fake:
        echo(f"Fake Strava at {fake.base_url}")
        echo(f"  client id: {client_id}  client secret: {client_secret}")
        echo(f"  env: COACH_STRAVA_API_URL={fake.base_url} COACH_STRAVA_CLIENT_ID={client_id} "
             f"COACH_STRAVA_CLIENT_SECRET={client_secret}")
        for athlete_id in athlete_ids:
            athlete = fake.athlete(athlete_id)
            echo(f"  {athlete.firstname} {athlete.lastname} ({athlete.persona}, {athlete.city}, id {athlete_id}):")
            echo(f"    {fake.authorize_url(redirect_uri, athlete_id=athlete_id, state='demo')}")
        waiter = stop or threading.Event()
        try:
            while not waiter.wait(0.5):
                pass
        except KeyboardInterrupt:
            echo("stopping")
