"""A Strava stand-in that answers whatever a test scripts: malformed bodies, odd records, pages
that ignore `page` and `per_page`. Real HTTP on 127.0.0.1, so the bytes go through stravalib and
requests exactly as Strava's would."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy.orm import Session, sessionmaker

from coaching.crypto import SecretBox
from coaching.store.athletes import AthleteRepository
from coaching.store.tokens import TokenRepository
from coaching.strava.budget import RequestBudget
from coaching.strava.client import StravalibSource

Answer = tuple[int, bytes]
STRAVA_ID = 4242
# The night these scripted answers are read: a fixed instant after every run they hold (October 2026).
NOW = datetime(2026, 11, 2, 12, 0, tzinfo=timezone.utc)


def body(value: Any) -> bytes:
    """JSON as Strava writes it; big integers stay integers (Python's json keeps them exact)."""
    return value if isinstance(value, bytes) else json.dumps(value).encode()


@dataclass
class ListCall:
    query: dict[str, str]


class HostileStrava:
    """`script` holds the answers to the list calls, in order ([] once it runs out), or
    `answer_list` decides from the query; `gear` answers GET /gear/{id}. After `max_requests`
    everything is a 500, so a client that loops forever fails instead of hanging the test."""

    def __init__(self, max_requests: int = 200) -> None:
        self.script: list[Answer] = []
        self.answer_list: Callable[[dict[str, str]], Answer] | None = None
        self.gear: dict[str, Answer] = {}
        self.list_calls: list[ListCall] = []
        self.max_requests = max_requests
        self.requests = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def pages(self, *pages: Any) -> None:
        self.script = [(200, body(page)) for page in pages]

    def __enter__(self) -> HostileStrava:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, path: str, query: dict[str, str]) -> Answer:
        with self._lock:
            self.requests += 1
            if self.requests > self.max_requests:
                return 500, b'{"message":"Internal Server Error","errors":[]}'
            if path == "/api/v3/athlete/activities":
                self.list_calls.append(ListCall(query))
                if self.answer_list is not None:
                    return self.answer_list(query)
                return self.script.pop(0) if self.script else (200, b"[]")
            if path.startswith("/api/v3/gear/"):
                gear_id = path.rsplit("/", 1)[1]
                return self.gear.get(gear_id, (200, body({"id": gear_id, "name": gear_id, "distance": 1000})))
        return 404, b'{"message":"Record Not Found","errors":[]}'

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hostile = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                status, payload = hostile._answer(parts.path, dict(parse_qsl(parts.query)))
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib signature)
                pass

        return Handler


def source_for(hostile: HostileStrava) -> StravalibSource:
    return StravalibSource(client_id=1, client_secret="hostile-secret", api_url=hostile.base_url,
                           budget=RequestBudget(), timeout_s=5.0)


def connected_athlete(sessions: sessionmaker[Session], box: SecretBox) -> int:
    """A runner connected earlier, with a token good for hours (no refresh needed)."""
    with sessions.begin() as session:
        athletes = AthleteRepository(session)
        athlete = athletes.upsert_from_strava(STRAVA_ID, first_name="Hana", last_name="", timezone=None, units=None)
        TokenRepository(session, box).save(athlete.id, access_token="hostile-access", refresh_token="hostile-refresh",
                                           expires_at=int(NOW.timestamp()) + 6 * 3600, scopes="read,activity:read_all")
        athletes.sync_state(athlete.id)
        return athlete.id


def run(n: int, day: int = 1, **fields: Any) -> dict:
    """A well-formed summary activity (a 10 km morning run in Berlin), `fields` overriding."""
    record = {
        "resource_state": 2, "athlete": {"id": STRAVA_ID, "resource_state": 1}, "name": f"Run {n}",
        "distance": 10000.0, "moving_time": 3000, "elapsed_time": 3100, "total_elevation_gain": 40.0,
        "type": "Run", "sport_type": "Run", "workout_type": 0, "id": 10**10 + n,
        "start_date": f"2026-10-{day:02d}T06:{n % 60:02d}:00Z",
        "start_date_local": f"2026-10-{day:02d}T08:{n % 60:02d}:00Z",
        "timezone": "(GMT+01:00) Europe/Berlin", "utc_offset": 7200.0, "gear_id": "g123", "private": False,
        "average_speed": 3.33, "average_cadence": 85.0, "average_heartrate": 150.0, "max_heartrate": 170.0,
    }
    record.update(fields)
    return record
