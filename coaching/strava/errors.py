"""Our Strava errors. stravalib's and requests' exceptions are translated once, in `translate`.

Messages never carry tokens or URLs with secrets: only the status, Strava's error code and the path.
"""

from __future__ import annotations

import json

import requests
from stravalib import exc as stravalib_exc


class StravaError(Exception):
    retryable: bool = False


class StravaUnavailable(StravaError):
    """5xx, timeouts, connection resets, unreadable bodies: try again later."""

    retryable = True


class RateLimited(StravaError):
    """Strava answered 429, or our own budget says stop: carry on in the next run."""

    retryable = True


class BudgetExhausted(RateLimited):
    pass


class AuthRevoked(StravaError):
    """The athlete revoked access or the token is dead: they must reconnect."""


class MissingScope(StravaError):
    """The token lacks a scope (Strava says 401 with a `*_permission` field): re-authorize with it."""


class NotFound(StravaError):
    pass


class BadRequest(StravaError):
    """A 4xx that retrying will not fix (bad code, bad client id)."""


class ApplicationInactive(StravaError):
    """Strava answers every call of the app with 403 {"resource": "Application", "field": "Status",
    "code": "Inactive"}: the app owner's Strava subscription lapsed (API.md §6). It is the app's
    state, not any runner's: nobody is disconnected or failed for it, and the run stops."""

    retryable = True  # once the owner reactivates the app; the next run asks once first


# What `coach status`, the operator's email and the connect page tell the operator to do.
REACTIVATE_APP = (
    "the app owner needs an active Strava subscription; reactivate the app at strava.com/settings/api"
)


class RefreshTokenRejected(BadRequest, AuthRevoked):
    """Strava refused the stored refresh token (400, resource RefreshToken). Strava kills the old
    one as soon as it issues a new one, so an answer lost after the rotation leaves a dead token:
    only the runner can fix that, by connecting again."""


def _strava_errors(response: requests.Response | None) -> list[dict]:
    if response is None:
        return []
    try:
        body = response.json()
    except (ValueError, json.JSONDecodeError):
        return []
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, dict):
        return [errors]
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def _is_application_inactive(status: int | None, errors: list[dict]) -> bool:
    return status == 403 and any(
        (e.get("resource"), e.get("field"), e.get("code")) == ("Application", "Status", "Inactive") for e in errors
    )


def translate(error: Exception, what: str) -> StravaError:
    """Map any exception raised while talking to Strava to one of ours. `what` names the call."""
    if isinstance(error, StravaError):
        return error
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    if isinstance(error, stravalib_exc.ApplicationInactive) or _is_application_inactive(
        status, _strava_errors(response)
    ):
        return ApplicationInactive(f"{what}: Strava says this app is inactive (403); {REACTIVATE_APP}")
    if isinstance(error, stravalib_exc.AccessUnauthorized) or status == 401:
        errors = _strava_errors(response)
        if any(str(e.get("field", "")).endswith("_permission") for e in errors):
            fields = ", ".join(str(e.get("field")) for e in errors)
            return MissingScope(f"{what}: Strava says a permission is missing ({fields})")
        return AuthRevoked(f"{what}: Strava refused the athlete's token (401)")
    if isinstance(error, stravalib_exc.ObjectNotFound) or status == 404:
        return NotFound(f"{what}: not found (404)")
    if status == 429:
        return RateLimited(f"{what}: Strava rate limit reached (429)")
    if status is not None and status >= 500:
        return StravaUnavailable(f"{what}: Strava server error ({status})")
    if status == 400 and any(e.get("resource") == "RefreshToken" for e in _strava_errors(response)):
        return RefreshTokenRejected(
            f"{what}: Strava refused the stored refresh token (400); the runner must connect again"
        )
    if status is not None and 400 <= status < 500:
        codes = ", ".join(f"{e.get('resource')}.{e.get('field')}={e.get('code')}" for e in _strava_errors(response))
        return BadRequest(f"{what}: Strava rejected the request ({status}{': ' + codes if codes else ''})")
    if isinstance(error, (requests.Timeout, requests.ConnectionError)):
        return StravaUnavailable(f"{what}: could not reach Strava ({type(error).__name__})")
    if isinstance(error, (ValueError, requests.RequestException)):
        # A truncated or non-JSON body: the request may succeed next time.
        return StravaUnavailable(f"{what}: unreadable answer from Strava ({type(error).__name__})")
    return StravaError(f"{what}: {type(error).__name__}")
