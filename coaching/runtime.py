"""The composition root: turns Settings into the real adapters, once per process or flow run."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from coaching.clock import Clock, wall_clock
from coaching.crypto import SecretBox
from coaching.messages.notifier import AppriseNotifier, Notifier, SmtpSettings
from coaching.services.budget import SharedRequestBudget
from coaching.settings import Settings
from coaching.store.db import make_engine
from coaching.strava.budget import RequestBudget
from coaching.strava.client import StravalibSource
from coaching.strava.gate import ApplicationGate


@dataclass
class Runtime:
    settings: Settings
    # What the adapters read "now" from (the shared Strava budget's windows, leases): the wall
    # clock in production, an instant of their own in tests.
    clock: Clock = field(default=wall_clock)

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return sessionmaker(self.engine, expire_on_commit=False)

    @cached_property
    def box(self) -> SecretBox:
        return SecretBox(self.settings.require_token_keys())

    @cached_property
    def budget(self) -> RequestBudget:
        """One budget per Strava application, kept in the database so every worker shares it.
        Without a Strava app configured nothing can spend it: a local one reports "unknown"."""
        if self.settings.strava_client_id is None:
            return RequestBudget(margin=self.settings.strava_budget_margin)
        return SharedRequestBudget(self.sessions, self.settings.strava_client_id,
                                   margin=self.settings.strava_budget_margin, now=self.clock)

    @cached_property
    def strava_gate(self) -> ApplicationGate:
        """Shared by every Strava client of this runtime (one run): an inactive app is asked once."""
        return ApplicationGate()

    @cached_property
    def strava(self) -> StravalibSource:
        client_id, client_secret = self.settings.require_strava_app()
        return StravalibSource(
            client_id=client_id,
            client_secret=client_secret,
            api_url=self.settings.strava_api_url,
            budget=self.budget,
            timeout_s=self.settings.strava_request_timeout_s,
            gate=self.strava_gate,
        )

    @cached_property
    def notifier(self) -> Notifier:
        s = self.settings
        return AppriseNotifier(
            SmtpSettings(
                host=s.smtp_host,
                port=s.smtp_port,
                from_address=s.smtp_from_address,
                from_name=s.smtp_from_name,
                username=s.smtp_username,
                password=s.smtp_password.get_secret_value() if s.smtp_password else None,
                mode=s.smtp_mode,  # type: ignore[arg-type]
            )
        )

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()
