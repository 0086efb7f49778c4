"""The fake's own control paths, for an operator's dry run from outside its process (Strava has no
such paths; they are neither counted nor budgeted nor delayed):

    GET  /_fake/stats                 the request counters, the budget used, how many athletes
    POST /_fake/reset-stats           counters back to zero (the budget windows are not)
    POST /_fake/new-day?share=0.05    that share of the athletes upload one new activity each
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from coaching.fake_strava.api import Reply, Request

if TYPE_CHECKING:
    from coaching.fake_strava.fake import FakeStrava

PREFIX = "/_fake/"


class Control:
    def __init__(self, fake: FakeStrava, new_share: float = 0.05, seed: int = 42) -> None:
        self.fake = fake
        self.new_share = new_share
        self.seed = seed
        self.days = 0

    def handle(self, request: Request) -> Reply:
        name = request.path[len(PREFIX):].strip("/")
        if (request.method, name) == ("GET", "stats"):
            return Reply(200, self.stats())
        if (request.method, name) == ("POST", "reset-stats"):
            self.fake.reset_stats()
            return Reply(204)
        if (request.method, name) == ("POST", "new-day"):
            try:
                share = float(request.param("share") or self.new_share)
            except ValueError:
                return Reply(400, {"message": "share must be a number from 0 to 1"})
            if not 0.0 <= share <= 1.0:
                return Reply(400, {"message": "share must be a number from 0 to 1"})
            return Reply(200, {"new_activities": self.new_day(share)})
        return Reply(404, {"message": f"unknown control path {request.method} {request.path}"})

    def stats(self) -> dict[str, object]:
        stats = self.fake.stats
        return {
            "requests_total": stats.requests_total, "by_route": stats.by_route,
            "athletes": len(self.fake.athlete_ids), "athletes_with_requests": len(stats.by_athlete),
            "requests_by_athlete": {str(k): v for k, v in sorted(stats.by_athlete.items())},
            "rate_limited": stats.rate_limited, "faults_injected": stats.faults_injected,
            "rate_usage": self.fake.rate_usage(),
        }

    def new_day(self, share: float) -> list[int]:
        """`share` of the athletes (the same ones for the same seed and day) upload an easy run."""
        self.days += 1
        athletes = self.fake.athlete_ids
        chosen = random.Random(f"{self.seed}-{self.days}").sample(athletes, round(share * len(athletes)))
        return [self.fake.add_activity(athlete_id) for athlete_id in sorted(chosen)]
