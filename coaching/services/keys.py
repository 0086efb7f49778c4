"""Rotating the encryption key: re-encrypt every stored secret under the newest key.

COACH_TOKEN_KEY holds keys newest first; MultiFernet reads with any of them, so the steps are:
prepend a new key, run `coach rotate-keys`, then drop the old key.
"""

from __future__ import annotations

from sqlalchemy import select

from coaching.runtime import Runtime
from coaching.store.models import Athlete, StravaToken


def rotate_secrets(runtime: Runtime) -> int:
    """Returns how many stored secrets were re-encrypted. One transaction: all or nothing."""
    box = runtime.box
    count = 0
    with runtime.sessions.begin() as session:
        for token in session.scalars(select(StravaToken)):
            token.access_token_encrypted = box.rotate(token.access_token_encrypted)
            token.refresh_token_encrypted = box.rotate(token.refresh_token_encrypted)
            count += 2
        for athlete in session.scalars(select(Athlete).where(Athlete.push_url_encrypted.is_not(None))):
            athlete.push_url_encrypted = box.rotate(athlete.push_url_encrypted)  # type: ignore[arg-type]
            count += 1
    return count
