"""Strava tokens, encrypted at rest, written with compare-and-swap.

Strava rotates the refresh token and the old one stops working at once, so losing the newest
one means the runner must reconnect. Every write bumps `version`; a writer that read an older
version loses and re-reads instead of overwriting.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm import Session

from coaching.crypto import SecretBox
from coaching.store.models import StravaToken


@dataclass(frozen=True)
class StoredTokens:
    access_token: str
    refresh_token: str
    expires_at: int
    scopes: str
    version: int

    def __repr__(self) -> str:  # never print tokens
        return f"StoredTokens(expires_at={self.expires_at}, scopes={self.scopes!r}, version={self.version})"


class TokenRepository:
    def __init__(self, session: Session, box: SecretBox) -> None:
        self.session = session
        self.box = box

    def load(self, athlete_id: int) -> StoredTokens | None:
        row = self.session.get(StravaToken, athlete_id, populate_existing=True)
        if row is None:
            return None
        return StoredTokens(
            access_token=self.box.decrypt(row.access_token_encrypted),
            refresh_token=self.box.decrypt(row.refresh_token_encrypted),
            expires_at=row.expires_at,
            scopes=row.scopes,
            version=row.version,
        )

    def save(self, athlete_id: int, *, access_token: str, refresh_token: str, expires_at: int, scopes: str) -> None:
        """Unconditional write: used at connect time, when the runner just granted fresh tokens."""
        row = self.session.get(StravaToken, athlete_id)
        if row is None:
            row = StravaToken(athlete_id=athlete_id, version=0)
            self.session.add(row)
        row.access_token_encrypted = self.box.encrypt(access_token)
        row.refresh_token_encrypted = self.box.encrypt(refresh_token)
        row.expires_at = expires_at
        row.scopes = scopes
        row.version = (row.version or 0) + 1
        self.session.flush()

    def compare_and_swap(
        self, athlete_id: int, expected_version: int, *, access_token: str, refresh_token: str, expires_at: int
    ) -> bool:
        """Write the refreshed tokens only if nobody wrote since we read `expected_version`."""
        result = self.session.execute(
            update(StravaToken)
            .where(StravaToken.athlete_id == athlete_id, StravaToken.version == expected_version)
            .values(
                access_token_encrypted=self.box.encrypt(access_token),
                refresh_token_encrypted=self.box.encrypt(refresh_token),
                expires_at=expires_at,
                version=expected_version + 1,
            )
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    def delete(self, athlete_id: int) -> None:
        row = self.session.get(StravaToken, athlete_id)
        if row is not None:
            self.session.delete(row)
