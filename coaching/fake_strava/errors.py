"""Strava's error bodies (Fault: message + errors[resource, field, code]), as recorded where we
have recordings (API.md §1.2, §1.6, §3) and as widely quoted otherwise."""

from __future__ import annotations


def fault(message: str, resource: str, field: str, code: str) -> dict:
    return {"message": message, "errors": [{"resource": resource, "field": field, "code": code}]}


def bad_request(resource: str, field: str, code: str = "invalid") -> dict:
    return fault("Bad Request", resource, field, code)


# Recorded 2018 (token endpoint).
INVALID_CLIENT = bad_request("Application", "client_id")
INVALID_CODE = bad_request("RequestToken", "code")
# Strava answers a wrong secret and a used or rotated refresh token with the same shape.
INVALID_SECRET = bad_request("Application", "client_secret")
INVALID_REFRESH_TOKEN = bad_request("RefreshToken", "refresh_token")

# Recorded 2020: a revoked or unknown token.
UNKNOWN_TOKEN = fault("Authorization Error", "Application", "", "invalid")
# Quoted by many clients: an expired token, and a request without any token.
EXPIRED_TOKEN = fault("Authorization Error", "Athlete", "access_token", "invalid")
MISSING_TOKEN = fault("Authorization Error", "Athlete", "access_token", "missing")


def missing_scope(scope: str) -> dict:
    """401, not 403: `{"field": "activity:read_permission", "code": "missing"}` (API.md §1.6)."""
    return fault("Authorization Error", "AccessToken", f"{scope}_permission", "missing")


# Recorded 2018 on GET /activities/{id}; its shape differs from every other fault.
RATE_LIMITED = {"errors": "Rate Limit Exceeded", "status": 429, "message": "Too Many Requests"}

# API.md §6: every call of an app whose owner's Strava subscription lapsed.
APP_INACTIVE = fault("Forbidden", "Application", "Status", "Inactive")

# API.md §6, from 2027-06-01: a token in a query string or a form body is refused (our wording).
TOKEN_OUTSIDE_HEADER = fault("Authorization Error", "AccessToken", "transport", "header only")

SERVER_ERROR = {"message": "Internal Server Error", "errors": []}


def not_found(resource: str, field: str = "id") -> dict:
    return fault("Record Not Found", resource, field, "invalid")


UNKNOWN_PATH = not_found("resource", "path")


class ApiError(Exception):
    """Raised by the fake's handlers; the server answers `status` with `body` as JSON."""

    def __init__(self, status: int, body: dict) -> None:
        super().__init__(f"{status}: {body.get('message')}")
        self.status = status
        self.body = body
