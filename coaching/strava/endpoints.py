"""Where Strava's API and OAuth live (API.md §6): today `https://www.strava.com/api/v3`, from
2027-06-01 `https://www.api-v3.strava.com` with no path prefix; the OAuth pages stay on
`https://www.strava.com` either way.

`COACH_STRAVA_API_URL` names the API base. A bare origin keeps the meaning it always had here,
"where www.strava.com is" (the API under `/api/v3`, OAuth at its root), so the default, the demo and
the fake need no change; the new host is the one bare origin without the prefix.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from coaching.settings import REAL_STRAVA_URL
OLD_API_PREFIX = "/api/v3"
NEW_API_HOST = "www.api-v3.strava.com"


@dataclass(frozen=True)
class StravaEndpoints:
    api_base: str  # resource paths (/athlete, /activities/{id}, ...) are appended to it
    oauth_base: str  # /oauth/authorize, /oauth/token, /oauth/revoke live under it

    @classmethod
    def from_url(cls, url: str) -> StravaEndpoints:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"COACH_STRAVA_API_URL must be an http(s) URL, not {url!r}")
        origin = f"{parts.scheme}://{parts.netloc}"
        path = parts.path.rstrip("/")
        if parts.hostname == NEW_API_HOST:
            return cls(api_base=origin + path, oauth_base=REAL_STRAVA_URL)
        if not path:
            return cls(api_base=origin + OLD_API_PREFIX, oauth_base=origin)
        return cls(api_base=origin + path, oauth_base=origin)

    def api(self, path: str) -> str:
        return f"{self.api_base}/{path.lstrip('/')}"

    def oauth(self, path: str) -> str:
        return f"{self.oauth_base}/oauth/{path.lstrip('/')}"
