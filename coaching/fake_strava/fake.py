"""FakeStrava: a local stand-in for the Strava API v3 over real HTTP, for the demo and the tests.

Everything here is thread-safe: one lock guards the data, the tokens, the budget, the counters
and the fault queue, whether they are touched by the server's threads or by the test.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Callable, Sequence
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from coaching.fake_strava import documents
from coaching.fake_strava.api import Api, SeenRequest
from coaching.fake_strava.changes import ActivityChanges
from coaching.fake_strava.config import FakeStravaConfig
from coaching.fake_strava.control import Control
from coaching.fake_strava.counters import RequestCounters, RequestStats
from coaching.fake_strava.faults import FaultPlan
from coaching.fake_strava.oauth import OAuthState
from coaching.fake_strava.ratelimit import RateBudget
from coaching.fake_strava.records import ActivityRecord, AthleteRecord, GearRecord
from coaching.fake_strava.seed import DEFAULT_DAYS, generate_athlete, personas_for
from coaching.fake_strava.server import FakeHttpServer, HttpFront
from coaching.fake_strava.store import FakeStore
from coaching.fake_strava.webhooks import Delivery, WebhookHub

DEFAULT_SCOPES = ("read", "activity:read_all", "profile:read_all")


class FakeStrava:
    def __init__(self, config: FakeStravaConfig | None = None, now: Callable[[], float] = time.time) -> None:
        self.config = config or FakeStravaConfig()
        self.now = now
        self._lock = threading.RLock()
        self._store = FakeStore()
        self._oauth = OAuthState(self.config, now)
        self._budget = RateBudget.with_limits(
            self.config.read_limit_15min, self.config.read_limit_daily,
            self.config.overall_limit_15min, self.config.overall_limit_daily,
        )
        self._counters = RequestCounters()
        self._faults = FaultPlan()
        self._webhooks = WebhookHub(self.config, now)
        self._latency_s = self.config.latency_s
        self._athlete_order: list[int] = []
        self._api = Api(
            config=self.config, now=now, lock=self._lock, store=self._store, oauth=self._oauth,
            budget=self._budget, counters=self._counters, webhooks=self._webhooks, athlete_order=self._athlete_order,
        )
        self._changes = ActivityChanges(self._store, self._oauth, self._webhooks)
        self._server: FakeHttpServer | None = None
        self._thread: threading.Thread | None = None
        self.control = Control(self)  # GET /_fake/stats and friends, for a dry run from outside

    # Lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeStrava:
        if self._server is not None:
            return self
        front = HttpFront(
            self._api, lock=self._lock, counters=self._counters, faults=self._faults, oauth=self._oauth,
            latency_s=lambda: self._latency_s, timeout_fault_s=self.config.timeout_fault_s,
            control=self.control.handle,
        )
        self._server = FakeHttpServer(self.config.host, self.config.port, front)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-strava", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.front.stopping.set()
            server.shutdown()
            server.front.close_connections()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._webhooks.stop()

    def __enter__(self) -> FakeStrava:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeStrava is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # Data --------------------------------------------------------------------------------

    def seed(
        self,
        count: int = 5,
        end_date: date | None = None,
        personas: Sequence[str] | None = None,
        seed: int = 42,
        days: int = DEFAULT_DAYS,
    ) -> list[int]:
        """Generate `count` athletes with `days` of history ending on `end_date` in each athlete's
        own calendar (default: each athlete's own yesterday by the fake's clock, wherever they
        live); personas repeat in turn. Returns the new athlete ids. Like Strava, the history holds
        nothing that starts after the fake's "now": at 02:30 UTC a runner in Vancouver has not run
        yesterday evening's run yet."""
        now_s = self.now()
        end: date | Callable[[str], date] = end_date or (lambda zone: local_yesterday(now_s, zone))
        with self._lock:
            ids = []
            for persona in personas_for(count, personas):
                seeded = generate_athlete(
                    seed=seed, index=len(self._athlete_order), persona=persona, end_date=end,
                    days=days, taken_ids=self._store.athletes, new_gear_id=self._store.new_gear_id,
                )
                self._store.add_athlete(seeded.athlete, seeded.gear, seed)
                self._store.add_activities(a for a in seeded.activities if a.start_epoch_s <= now_s)
                self._athlete_order.append(seeded.athlete.id)
                ids.append(seeded.athlete.id)
            return ids

    def add_activity(self, athlete_id: int, *, start_local: datetime | None = None, **changes: object) -> int:
        """A new upload for the athlete: a typical session of `sport_type` (default an easy run
        the day after the history ends), with any ActivityRecord field overridden (units in the
        names: distance_m, moving_s, cadence_raw, visibility, ...). Returns the new activity id."""
        with self._lock:
            return self._changes.add(athlete_id, start_local, dict(changes))

    def update_activity(self, activity_id: int, **changes: object) -> None:
        """Change an activity; title, type and privacy changes send webhook events as Strava does."""
        with self._lock:
            self._changes.update(activity_id, dict(changes))

    def delete_activity(self, activity_id: int) -> None:
        with self._lock:
            self._changes.delete(activity_id)

    def advance_days(self, days: int = 1) -> list[int]:
        """Every athlete trains `days` more days of their routine; returns the new activity ids."""
        with self._lock:
            return self._changes.advance(list(self._athlete_order), days)

    @property
    def athlete_ids(self) -> list[int]:
        with self._lock:
            return list(self._athlete_order)

    def athlete(self, athlete_id: int) -> AthleteRecord:
        with self._lock:
            return replace(self._store.athletes[athlete_id])

    def local_now(self, athlete_id: int) -> datetime:
        """The fake's "now" on the athlete's own clock, naive, as Strava's `start_date_local`."""
        zone = ZoneInfo(self.athlete(athlete_id).timezone)
        return datetime.fromtimestamp(self.now(), tz=zone).replace(tzinfo=None)

    def activities(self, athlete_id: int) -> list[ActivityRecord]:
        """The athlete's activities, oldest first (copies, including private ones)."""
        with self._lock:
            return sorted((replace(a) for a in self._store.activities_by_athlete[athlete_id]), key=lambda a: a.start_utc)

    def gear(self, athlete_id: int) -> list[tuple[GearRecord, float]]:
        """Each piece of gear (retired too) with its Strava distance in metres."""
        with self._lock:
            return [(replace(g), self._store.gear_distance_m(g.id)) for g in self._store.athlete_gear(athlete_id)]

    def activity_json(self, activity_id: int, *, detailed: bool = False) -> dict:
        """What the API would answer for this activity, without going through HTTP."""
        with self._lock:
            record = self._store.activities[activity_id]
            if not detailed:
                return documents.summary_activity(record)
            gear = self._store.gear.get(record.gear_id) if record.gear_id else None
            distance = self._store.gear_distance_m(gear.id) if gear else 0.0
            return documents.detailed_activity(record, gear, distance, self._store.athletes.get(record.athlete_id))

    # OAuth -------------------------------------------------------------------------------

    def authorize_url(
        self,
        redirect_uri: str,
        *,
        athlete_id: int | None = None,
        scopes: Sequence[str] = DEFAULT_SCOPES,
        state: str | None = None,
        approval_prompt: str = "auto",
    ) -> str:
        """A ready /oauth/authorize URL; `athlete_id` picks who approves (a fake-only parameter)."""
        params: dict[str, str] = {
            "client_id": str(self.config.client_id), "redirect_uri": redirect_uri, "response_type": "code",
            "approval_prompt": approval_prompt, "scope": ",".join(scopes),
        }
        if state is not None:
            params["state"] = state
        if athlete_id is not None:
            params["athlete_id"] = str(athlete_id)
        return f"{self.base_url}/oauth/authorize?{urlencode(params, safe=',:')}"

    def deny_next_authorize(self, count: int = 1) -> None:
        with self._lock:
            self._oauth.denials_pending += count

    def grant_scopes_next(self, scopes: Sequence[str]) -> None:
        """The next consent grants only these of the requested scopes (the runner unticks the rest)."""
        with self._lock:
            self._oauth.scope_overrides.append(frozenset(scopes))

    def issue_tokens(self, athlete_id: int, scopes: Sequence[str] = DEFAULT_SCOPES) -> dict:
        """Skip the browser: the token-exchange body an app would get for this athlete."""
        with self._lock:
            tokens = self._oauth.issue(athlete_id, frozenset(scopes))
            return {
                "token_type": "Bearer",
                "expires_at": tokens.access.expires_at,
                "expires_in": tokens.access.expires_at - int(self.now()),
                "refresh_token": tokens.refresh.token,
                "access_token": tokens.access.token,
                "athlete": documents.summary_athlete(self._store.athletes[athlete_id]),
            }

    def revoke_athlete(self, athlete_id: int) -> None:
        """The runner removes the app on strava.com/settings/apps: tokens die, a webhook says so."""
        with self._lock:
            was_connected = self._oauth.has_live_grant(athlete_id) is not None
            self._oauth.revoke_athlete(athlete_id)
            if was_connected:
                self._webhooks.emit("athlete", athlete_id, "update", athlete_id, {"authorized": "false"})

    # Faults, latency, budget, counters ----------------------------------------------------

    def inject_fault(self, path_regex: str, kind: str = "500", count: int = 1, method: str | None = None) -> None:
        """The next `count` requests whose path matches get the fault: "500", "429", "timeout"
        (held past the client's timeout, then dropped), "reset" (TCP RST, no response) or
        "truncated" (half of the JSON body)."""
        with self._lock:
            self._faults.add(path_regex, kind, count, method)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def set_app_inactive(self, inactive: bool = True) -> None:
        """The app owner's Strava subscription lapses (True) or is renewed (False): while inactive,
        every call, OAuth included, answers 403 Application Status Inactive (API.md §6)."""
        with self._lock:
            self._api.app_inactive = inactive

    def set_revoke_available(self, available: bool = True) -> None:
        """False: POST /oauth/revoke answers 404 (a Strava that has not opened it yet)."""
        with self._lock:
            self._api.revoke_available = available

    def set_strict_tokens(self, strict: bool = True) -> None:
        """The 2027 rule (API.md §6): a request carrying a token in its query or form body (other
        than the token endpoint's refresh token and revoke's token) answers 401."""
        with self._lock:
            self._api.strict_tokens = strict

    @property
    def requests_seen(self) -> list[SeenRequest]:
        """The latest requests (at most 10,000): route, parameter names, how they authenticated."""
        with self._lock:
            return list(self._api.seen)

    @property
    def tokens_outside_header(self) -> int:
        """Requests that strict mode refused."""
        with self._lock:
            return self._api.tokens_outside_header

    def set_latency(self, seconds: float) -> None:
        with self._lock:
            self._latency_s = max(0.0, seconds)

    def set_rate_limits(
        self,
        *,
        read_15min: int | None = None,
        read_daily: int | None = None,
        overall_15min: int | None = None,
        overall_daily: int | None = None,
    ) -> None:
        with self._lock:
            read, overall = self._budget.read, self._budget.overall
            read.limit_15min = read_15min if read_15min is not None else read.limit_15min
            read.limit_daily = read_daily if read_daily is not None else read.limit_daily
            overall.limit_15min = overall_15min if overall_15min is not None else overall.limit_15min
            overall.limit_daily = overall_daily if overall_daily is not None else overall.limit_daily

    def rate_usage(self) -> dict[str, int]:
        with self._lock:
            return self._budget.usage(self.now())

    @property
    def stats(self) -> RequestStats:
        with self._lock:
            return self._counters.snapshot()

    def reset_stats(self) -> None:
        with self._lock:
            self._counters.reset()
            self._api.seen.clear()

    @property
    def webhook_deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._webhooks.deliveries)

    def wait_for_webhooks(self, timeout_s: float = 10.0) -> bool:
        """Block until every event sent so far has been delivered or given up on."""
        deadline = time.monotonic() + timeout_s
        for delivery in self.webhook_deliveries:
            if not delivery.done.wait(max(0.0, deadline - time.monotonic())):
                return False
        return True


def local_yesterday(now_s: float, zone: str) -> date:
    """The day before `now_s` on the clocks of `zone`: the last whole day an athlete there has run."""
    return datetime.fromtimestamp(now_s, tz=ZoneInfo(zone)).date() - timedelta(days=1)
