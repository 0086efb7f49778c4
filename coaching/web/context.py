"""What every route needs, built once by `create_app` and kept on `app.state.web`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable
from urllib.parse import urlsplit

from fastapi import Request

from coaching.runtime import Runtime
from coaching.store.models import Athlete
from coaching.web.backfill import BackfillRunner
from coaching.web.pages import Pages
from coaching.web.security import Signer, WebSession


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
            if athlete is not None:
                db.expunge(athlete)
        return (session, athlete) if athlete is not None else None


def web(request: Request) -> WebContext:
    return request.app.state.web  # type: ignore[no-any-return]
