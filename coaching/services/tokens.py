"""A usable access token for an athlete, refreshed before expiry, rotated tokens persisted."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from coaching.crypto import SecretBox
from coaching.strava.client import StravalibSource
from coaching.strava.errors import AuthRevoked, BadRequest
from coaching.store.tokens import TokenRepository

# Strava's tokens live 6 h; stravalib refreshes only once expired. Refresh 5 minutes early so a token
# never expires in the middle of a sync.
REFRESH_MARGIN_S = 300


class NotConnected(Exception):
    pass


def fresh_access_token(
    sessions: sessionmaker[Session], source: StravalibSource, box: SecretBox, athlete_id: int, now_s: float
) -> str:
    with sessions.begin() as session:
        tokens = TokenRepository(session, box).load(athlete_id)
    if tokens is None:
        raise NotConnected(f"athlete {athlete_id} has no Strava tokens")
    if tokens.expires_at - now_s > REFRESH_MARGIN_S:
        return tokens.access_token
    try:
        grant = source.refresh(tokens.refresh_token)
    except (BadRequest, AuthRevoked):
        # Another worker may have refreshed first: Strava then rejects our (rotated-away) refresh
        # token. If the stored version moved on, theirs is the newest: use it.
        with sessions.begin() as session:
            latest = TokenRepository(session, box).load(athlete_id)
        if latest is not None and latest.version != tokens.version:
            return latest.access_token
        raise
    with sessions.begin() as session:
        repo = TokenRepository(session, box)
        if repo.compare_and_swap(
            athlete_id,
            tokens.version,
            access_token=grant.access_token,
            refresh_token=grant.refresh_token,
            expires_at=grant.expires_at,
        ):
            return grant.access_token
        latest = repo.load(athlete_id)
    # Lost the race: the winner's tokens are stored; ours are equally valid for this run (Strava
    # keeps both access tokens alive until they expire).
    return latest.access_token if latest is not None else grant.access_token
