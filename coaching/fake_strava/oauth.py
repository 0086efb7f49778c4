"""Strava's OAuth as it behaves (API.md §1): consent with unticked scopes or refusal, single-use
short-lived codes, 6-hour access tokens, refresh that reuses a token with more than an hour left
and otherwise rotates the refresh token (the old one dies at once), deauthorization."""

from __future__ import annotations

import secrets
from collections import deque
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence
from urllib.parse import urlencode, urlsplit

from coaching.fake_strava import errors
from coaching.fake_strava.config import KNOWN_SCOPES, FakeStravaConfig
from coaching.fake_strava.errors import ApiError


@dataclass(frozen=True)
class AccessToken:
    token: str
    athlete_id: int
    scopes: frozenset[str]
    expires_at: int


@dataclass(frozen=True)
class RefreshGrant:
    token: str
    athlete_id: int
    scopes: frozenset[str]
    access_token: str  # the newest access token issued under this grant


@dataclass(frozen=True)
class AuthCode:
    code: str
    athlete_id: int
    scopes: frozenset[str]
    expires_at: float


@dataclass(frozen=True)
class Tokens:
    access: AccessToken
    refresh: RefreshGrant


class OAuthState:
    def __init__(self, config: FakeStravaConfig, now: Callable[[], float]) -> None:
        self.config = config
        self.now = now
        self.codes: dict[str, AuthCode] = {}
        self.access: dict[str, AccessToken] = {}
        self.refresh: dict[str, RefreshGrant] = {}
        self.connected: set[int] = set()
        self.denials_pending = 0
        self.scope_overrides: deque[frozenset[str]] = deque()

    # Consent -----------------------------------------------------------------------------

    def authorize(self, query: Mapping[str, str], athlete_ids: Sequence[int]) -> str:
        """Auto-approves and returns the redirect Location (or raises ApiError for a bad request)."""
        self._check_client_id(query.get("client_id"))
        redirect_uri = query.get("redirect_uri", "")
        if not self._redirect_allowed(redirect_uri):
            raise ApiError(400, errors.bad_request("Application", "redirect_uri"))
        if query.get("response_type") != "code":
            raise ApiError(400, errors.bad_request("Application", "response_type"))
        if query.get("approval_prompt", "auto") not in ("auto", "force"):
            raise ApiError(400, errors.bad_request("Application", "approval_prompt"))
        requested = [s.strip() for s in query.get("scope", "read").replace(" ", ",").split(",") if s.strip()]
        if any(s not in KNOWN_SCOPES for s in requested):
            raise ApiError(400, errors.bad_request("Authorize", "scope"))
        athlete_id = self._pick_athlete(query.get("athlete_id"), athlete_ids)
        capacity = self.config.athlete_capacity
        if capacity is not None and athlete_id not in self.connected and len(self.connected) >= capacity:
            # Strava shows this on its own page; the app never gets a callback (API.md §6).
            raise ApiError(403, errors.fault("Forbidden", "Application", "athletes",
                                             "limit of connected athletes exceeded"))
        state = query.get("state")
        if self.denials_pending:
            self.denials_pending -= 1
            return _redirect(redirect_uri, {"state": state, "error": "access_denied"})
        granted = list(requested)
        if self.scope_overrides:  # the runner unticked some boxes
            allowed = self.scope_overrides.popleft()
            granted = [s for s in requested if s in allowed]
        code = AuthCode(secrets.token_hex(20), athlete_id, frozenset(granted), self.now() + self.config.code_ttl_s)
        self.codes[code.code] = code
        self.connected.add(athlete_id)
        return _redirect(redirect_uri, {"state": state, "code": code.code, "scope": ",".join(granted)})

    def _pick_athlete(self, requested: str | None, athlete_ids: Sequence[int]) -> int:
        if requested:
            if not requested.isdigit() or int(requested) not in athlete_ids:
                raise ApiError(400, errors.bad_request("Athlete", "athlete_id"))
            return int(requested)
        if not athlete_ids:
            raise ApiError(400, errors.bad_request("Athlete", "athlete_id", "missing"))
        return next((a for a in athlete_ids if a not in self.connected), athlete_ids[0])

    def _redirect_allowed(self, redirect_uri: str) -> bool:
        parts = urlsplit(redirect_uri)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False
        host = parts.hostname
        # API.md §1.1: localhost and 127.0.0.1 are always allowed.
        if host in ("localhost", "127.0.0.1") or self.config.callback_domain is None:
            return True
        domain = self.config.callback_domain
        return host == domain or host.endswith("." + domain)

    # Token endpoint ----------------------------------------------------------------------

    def token(self, form: Mapping[str, str]) -> tuple[dict, int | None]:
        """The token endpoint's body, and the athlete whose summary it must carry (a code
        exchange does, a refresh does not: API.md §1.3)."""
        self._check_client_id(form.get("client_id"))
        if form.get("client_secret") != self.config.client_secret:
            raise ApiError(400, errors.INVALID_SECRET)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return self._exchange(form.get("code", ""))
        if grant_type == "refresh_token":
            return self._refresh(form.get("refresh_token", ""))
        raise ApiError(400, errors.bad_request("RequestToken", "grant_type"))

    def _exchange(self, code_value: str) -> tuple[dict, int | None]:
        code = self.codes.pop(code_value, None)  # single use, even when it has expired
        if code is None or self.now() > code.expires_at:
            raise ApiError(400, errors.INVALID_CODE)
        tokens = self.issue(code.athlete_id, code.scopes)
        return self._token_doc(tokens.access, tokens.refresh), code.athlete_id

    def _refresh(self, refresh_value: str) -> tuple[dict, int | None]:
        grant = self.refresh.get(refresh_value)
        if grant is None:
            raise ApiError(400, errors.INVALID_REFRESH_TOKEN)
        current = self.access.get(grant.access_token)
        if current is not None and current.expires_at - self.now() > self.config.refresh_reuse_min_left_s:
            return self._token_doc(current, grant), None
        tokens = self.issue(grant.athlete_id, grant.scopes)
        return self._token_doc(tokens.access, tokens.refresh), None

    def issue(self, athlete_id: int, scopes: frozenset[str]) -> Tokens:
        """A new access token and a new refresh token; the athlete's old refresh token dies."""
        for old in [g for g in self.refresh.values() if g.athlete_id == athlete_id]:
            del self.refresh[old.token]
        access = AccessToken(
            secrets.token_hex(20), athlete_id, scopes, int(self.now()) + self.config.access_token_ttl_s
        )
        grant = RefreshGrant(secrets.token_hex(20), athlete_id, scopes, access.token)
        self.access[access.token] = access
        self.refresh[grant.token] = grant
        self.connected.add(athlete_id)
        return Tokens(access, grant)

    def _token_doc(self, access: AccessToken, grant: RefreshGrant) -> dict:
        return {
            "token_type": "Bearer",
            "access_token": access.token,
            "expires_at": access.expires_at,
            "expires_in": max(0, access.expires_at - int(self.now())),
            "refresh_token": grant.token,
        }

    def _check_client_id(self, value: str | None) -> None:
        if value is None or not value.strip().isdigit() or int(value) != self.config.client_id:
            raise ApiError(400, errors.INVALID_CLIENT)

    # Resource access ---------------------------------------------------------------------

    def authenticate(self, bearer: str | None) -> AccessToken:
        if not bearer:
            raise ApiError(401, errors.MISSING_TOKEN)
        token = self.access.get(bearer)
        if token is None:
            raise ApiError(401, errors.UNKNOWN_TOKEN)
        if self.now() >= token.expires_at:
            raise ApiError(401, errors.EXPIRED_TOKEN)
        return token

    def owner_of(self, bearer: str | None) -> int | None:
        token = self.access.get(bearer or "")
        return token.athlete_id if token else None

    def deauthorize(self, bearer: str | None) -> dict:
        token = self.authenticate(bearer)
        self.revoke_athlete(token.athlete_id)
        return {"access_token": token.token}

    def revoke_token(self, token: str) -> int | None:
        """RFC 7009 revocation: an access or a refresh token; either revokes both (API.md §6).
        Returns the athlete whose grant ended, or None for a token nobody holds."""
        held = self.access.get(token) or self.refresh.get(token)
        if held is None:
            return None
        self.revoke_athlete(held.athlete_id)
        return held.athlete_id

    def revoke_athlete(self, athlete_id: int) -> None:
        """API.md §1.5: every access and refresh token of the athlete stops working at once."""
        for table in (self.access, self.refresh, self.codes):
            for key in [k for k, v in table.items() if v.athlete_id == athlete_id]:
                del table[key]
        self.connected.discard(athlete_id)

    def has_live_grant(self, athlete_id: int) -> frozenset[str] | None:
        grant = next((g for g in self.refresh.values() if g.athlete_id == athlete_id), None)
        return grant.scopes if grant else None


def _redirect(redirect_uri: str, params: dict[str, str | None]) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None}, safe=",:")
    return f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{query}"


def has_scope(token: AccessToken, *any_of: str) -> bool:
    return any(s in token.scopes for s in any_of)
