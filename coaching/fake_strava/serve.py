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
LISTED_ATHLETES = 10  # authorize links printed; a dry run of 1,000 athletes connects them with --connect-into


def budget_option(text: str) -> tuple[int, int]:
    """'15MIN,DAILY' as Strava's X-RateLimit-Limit header writes it, e.g. '100,1000'."""
    parts = text.split(",")
    if len(parts) != 2 or not all(part.strip().isdigit() and int(part) > 0 for part in parts):
        raise ValueError(f"a budget is two positive whole numbers, 15-minute and daily, like 100,1000 (not {text!r})")
    return int(parts[0]), int(parts[1])


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
    read_limit: tuple[int, int] | None = None,
    overall_limit: tuple[int, int] | None = None,
    new_share: float = 0.05,
    on_start: Callable[[FakeStrava, list[int]], None] | None = None,
) -> None:
    """Seed, start, print how to connect, then serve until Ctrl-C (or until `stop` is set).

    `read_limit` and `overall_limit` are (15-minute, daily) budgets, Strava's default when None.
    `on_start` runs once the fake answers, before the latency applies and with the counters
    reset after it (e.g. connecting the athletes into a database without a browser).
    `new_share` is the share of the athletes that POST /_fake/new-day gives a new activity."""
    defaults = FakeStravaConfig()
    read = read_limit or (defaults.read_limit_15min, defaults.read_limit_daily)
    overall = overall_limit or (max(read[0], defaults.overall_limit_15min), max(read[1], defaults.overall_limit_daily))
    config = FakeStravaConfig(client_id=client_id, client_secret=client_secret, host=host, port=port,
                              read_limit_15min=read[0], read_limit_daily=read[1],
                              overall_limit_15min=overall[0], overall_limit_daily=overall[1])
    fake = FakeStrava(config)
    fake.control.new_share, fake.control.seed = new_share, seed
    athlete_ids = fake.seed(count=athletes, end_date=end_date, personas=personas, seed=seed, days=days)
    with fake:
        if on_start is not None:
            on_start(fake, athlete_ids)
            fake.reset_stats()
        fake.set_latency(latency_s)
        echo(f"Fake Strava at {fake.base_url}")
        echo(f"  client id: {client_id}  client secret: {client_secret}")
        echo(f"  env: COACH_STRAVA_API_URL={fake.base_url} COACH_STRAVA_CLIENT_ID={client_id} "
             f"COACH_STRAVA_CLIENT_SECRET={client_secret}")
        echo(f"  budget: reads {read[0]}/15 min, {read[1]}/day; all requests {overall[0]}/15 min, {overall[1]}/day; "
             f"latency {latency_s * 1000:.0f} ms")
        echo(f"  counters: curl {fake.base_url}/_fake/stats   a new day ({new_share:.0%} of the athletes upload): "
             f"curl -X POST {fake.base_url}/_fake/new-day")
        for athlete_id in athlete_ids[:LISTED_ATHLETES]:
            athlete = fake.athlete(athlete_id)
            echo(f"  {athlete.firstname} {athlete.lastname} ({athlete.persona}, {athlete.city}, id {athlete_id}):")
            echo(f"    {fake.authorize_url(redirect_uri, athlete_id=athlete_id, state='demo')}")
        if len(athlete_ids) > LISTED_ATHLETES:
            echo(f"  ... and {len(athlete_ids) - LISTED_ATHLETES} more athletes")
        waiter = stop or threading.Event()
        try:
            while not waiter.wait(0.5):
                pass
        except KeyboardInterrupt:
            echo("stopping")
