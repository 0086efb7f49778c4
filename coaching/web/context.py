"""What every route needs, built once by `create_app` and kept on `app.state.web`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable
from urllib.parse import urlsplit

from fastapi import Request

from coaching.runtime import Runtime
from coaching.services.notify import LINK_LIFETIME
from coaching.store.models import Athlete
from coaching.web.backfill import BackfillRunner
from coaching.web.pages import Pages
from coaching.web.security import Signer, WebSession

CLOCK_SKEW_S = 300  # the machine that signed a link and this one may disagree a little


@dataclass
class WebContext:
    runtime: Runtime
    signer: Signer
    pages: Pages
    backfill: BackfillRunner
    clock: Callable[[], datetime]

    @property
    def runs_locally(self) -> bool:
        """Served from a loopback address: a local trial, where local push receivers are fine."""
        host = urlsplit(self.runtime.settings.public_url).hostname or ""
        return host in ("127.0.0.1", "localhost", "::1")

    def signed_in(self, request: Request) -> tuple[WebSession, Athlete] | None:
        """The browser's session and its athlete, or None (no session, or the account is gone)."""
        session = self.signer.session(request)
        if session is None:
            return None
        with self.runtime.sessions.begin() as db:
            athlete = db.get(Athlete, session.athlete_id)
            if athlete is None or athlete.strava_id != session.strava_id:
                return None
            db.expunge(athlete)
        return session, athlete

    def athlete_for_link(self, token: str | None) -> Athlete | None:
        """The athlete an email's signed link names, unless the link was made before this athlete
        existed: after an erasure SQLite may give the same id to the next runner who connects."""
        link = self.signer.verify_link(token)
        if link is None:
            return None
        issued_at_s = link.expires_at_s - LINK_LIFETIME.total_seconds()
        with self.runtime.sessions.begin() as db:
            athlete = db.get(Athlete, link.athlete_id)
            if athlete is None or issued_at_s + CLOCK_SKEW_S < athlete.created_at.timestamp():
                return None
            db.expunge(athlete)
        return athlete


def web(request: Request) -> WebContext:
    return request.app.state.web  # type: ignore[no-any-return]
