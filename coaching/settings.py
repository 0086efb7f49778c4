"""All configuration, read once at the composition root (CLI, flows), never at import time."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REAL_STRAVA_URL = "https://www.strava.com"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COACH_", env_file=".env", extra="ignore")

    database_url: str = Field(default_factory=lambda: f"sqlite:///{Path.cwd() / 'coach.db'}")
    strava_api_url: str = REAL_STRAVA_URL
    strava_client_id: int | None = None
    strava_client_secret: SecretStr | None = None
    # Fernet keys, comma separated: the first encrypts, all decrypt (key rotation).
    token_key: SecretStr | None = None
    # Signs preference/unsubscribe/check-in links.
    link_secret: SecretStr | None = None
    public_url: str = "http://127.0.0.1:8000"
    strava_redirect_uri: str = "http://127.0.0.1:8000/strava/callback"
    strava_request_timeout_s: float = 30.0
    # Stop before Strava's per-application read budget is spent (fraction kept in reserve).
    strava_budget_margin: float = 0.1
    sync_batch_size: int = 100
    # Strava's Standard Tier serves at most 10 athletes (API.md §6); Extended Access, more.
    strava_athlete_capacity: int = 10
    # Who is told (once) when Strava makes the app inactive; unset: only logs and `coach status`.
    operator_email: str | None = None

    # The operator's outgoing mail server: runners who gave an email address get mail through it.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from_address: str = "coach@localhost.localdomain"
    smtp_from_name: str = "Knee Coach"
    smtp_mode: str = "starttls"  # insecure (plain SMTP) | starttls | ssl

    def require_strava_app(self) -> tuple[int, str]:
        if self.strava_client_id is None or self.strava_client_secret is None:
            raise ConfigError(
                "Strava app not configured: set COACH_STRAVA_CLIENT_ID and COACH_STRAVA_CLIENT_SECRET"
            )
        return self.strava_client_id, self.strava_client_secret.get_secret_value()

    def require_token_keys(self) -> list[str]:
        if self.token_key is None or not self.token_key.get_secret_value().strip():
            raise ConfigError(
                "token encryption key missing: set COACH_TOKEN_KEY "
                "(generate one with `coach keygen`)"
            )
        return [k.strip() for k in self.token_key.get_secret_value().split(",") if k.strip()]

    def require_link_secret(self) -> str:
        if self.link_secret is None or not self.link_secret.get_secret_value():
            raise ConfigError("link signing secret missing: set COACH_LINK_SECRET")
        return self.link_secret.get_secret_value()


class ConfigError(Exception):
    """A user-facing configuration mistake: the CLI prints it on one line and exits 2."""
