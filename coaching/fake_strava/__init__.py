"""A local stand-in for the Strava API v3, served over real HTTP for the demo and the tests.

    from coaching.fake_strava import FakeStrava, FakeStravaConfig
    with FakeStrava(FakeStravaConfig(client_id=1234, client_secret="fake-secret")) as fake:
        athlete_ids = fake.seed(count=5, end_date=date(2026, 11, 24), seed=42)
        ...  # point the client at fake.base_url
"""

from coaching.fake_strava.config import FakeStravaConfig
from coaching.fake_strava.counters import RequestStats
from coaching.fake_strava.fake import DEFAULT_SCOPES, FakeStrava
from coaching.fake_strava.faults import FAULT_KINDS
from coaching.fake_strava.personas import PERSONAS
from coaching.fake_strava.serve import serve_forever

__all__ = [
    "DEFAULT_SCOPES",
    "FAULT_KINDS",
    "PERSONAS",
    "FakeStrava",
    "FakeStravaConfig",
    "RequestStats",
    "serve_forever",
]
