"""Settings of the fake Strava: the app credentials it accepts, its budgets and its timings."""

from __future__ import annotations

from dataclasses import dataclass

# API.md §1.1: every scope an authorize request may name.
KNOWN_SCOPES = (
    "read",
    "read_all",
    "profile:read_all",
    "profile:write",
    "activity:read",
    "activity:read_all",
    "activity:write",
)


@dataclass(frozen=True)
class FakeStravaConfig:
    client_id: int = 1234
    client_secret: str = "fake-secret"
    host: str = "127.0.0.1"
    port: int = 0  # 0: the OS picks a free port
    # API.md §3: the current default application budgets (reads are "non-upload" requests).
    read_limit_15min: int = 100
    read_limit_daily: int = 1000
    overall_limit_15min: int = 200
    overall_limit_daily: int = 2000
    latency_s: float = 0.0
    # API.md §1.3: access tokens live 6 h; a refresh with more than 1 h left returns the same token.
    access_token_ttl_s: int = 21600
    refresh_reuse_min_left_s: int = 3600
    # API.md §1.1: codes are short-lived and single-use (Strava gives no number; 10 min is ours).
    code_ttl_s: int = 600
    # API.md §2 notes: per_page defaults to 30 and is capped at 200.
    default_per_page: int = 30
    max_per_page: int = 200
    # How long a "timeout" fault holds the request before dropping the connection.
    timeout_fault_s: float = 5.0
    # The swagger: without profile:read_all, GET /athlete answers the summary (no shoes/bikes).
    detailed_athlete_needs_profile_scope: bool = True
    # When set, redirect_uri hosts must sit in this domain (localhost/127.0.0.1 always pass).
    callback_domain: str | None = None
    # API.md §4: Strava waits 2 s for a webhook callback and tries 3 times in all.
    webhook_timeout_s: float = 2.0
    webhook_attempts: int = 3
    webhook_retry_delay_s: float = 1.0
    # API.md §6: a Standard Tier app serves at most 10 athletes; past that Strava refuses the
    # authorization on its own page. None: no limit (the fake's default, for benchmarks).
    athlete_capacity: int | None = None
