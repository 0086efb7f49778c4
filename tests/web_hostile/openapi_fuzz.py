"""A fuzz run against the web app's own OpenAPI schema, with schemathesis.

The app serves no schema (openapi_url=None), but `app.openapi()` still builds it in-process. Our
POST routes read their bodies by hand (small url-encoded forms, the webhook's JSON), so the schema
does not describe them: `with_bodies` adds what a browser or Strava sends, so that the fuzzer
writes bodies too. Each operation is fuzzed with valid data (positive) and with data that breaks
the schema (negative). The check: no 5xx, no traceback in any body, the security headers on every
answer. Used by tests/web_hostile/test_openapi_fuzz.py and by bench/bench_web_fuzz.py (more cases).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Verbosity, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from coaching.web.security import SECURITY_HEADERS

TRACEBACK_MARKERS = ("Traceback (most recent call last)", 'File "/', "sqlalchemy.exc", "psycopg.", "sqlite3.")

EVENT_SCHEMA = {
    "type": "object",
    "required": ["object_type", "object_id", "aspect_type", "owner_id", "subscription_id", "event_time"],
    "properties": {
        "object_type": {"type": "string", "enum": ["activity", "athlete"]},
        "object_id": {"type": "integer", "minimum": 1},
        "aspect_type": {"type": "string", "enum": ["create", "update", "delete"]},
        "owner_id": {"type": "integer", "minimum": 1},
        "subscription_id": {"type": "integer", "minimum": 1},
        "event_time": {"type": "integer", "minimum": 1},
        "updates": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}
FORM_FIELDS = {
    "/preferences": ["csrf", "email", "send_email", "push_url", "remove_push", "send_push", "alerts", "summaries",
                     "units", "timezone", "coach", "List-Unsubscribe"],
    "/unsubscribe": ["csrf", "List-Unsubscribe"],
    "/preferences/coaches/invite": ["csrf", "name", "email"],
    "/preferences/coaches/withdraw": ["csrf", "coach"],
    "/checkin": ["t", "score"],
    "/coach/signin": ["email", "next"],
    "/coach/signin/link": ["t"],
    "/coach/athletes/{athlete_id}/acknowledge": ["csrf", "finding", "note"],
    "/coach/athletes/{athlete_id}/thresholds": ["csrf", "key", "value", "action"],
}
SKIPPED = {("POST", "/preferences/delete"), ("POST", "/coach/signout")}  # they end the fuzzer's sessions


def with_bodies(raw: dict) -> dict:
    """The app's schema, with the bodies its POST routes read by hand."""
    schema = copy.deepcopy(raw)
    for path, operations in schema["paths"].items():
        post = operations.get("post")
        if post is None:
            continue
        if path == "/strava/webhook":
            content = {"application/json": {"schema": EVENT_SCHEMA}}
        else:
            names = FORM_FIELDS.get(path, ["csrf"])
            content = {"application/x-www-form-urlencoded": {"schema": {
                "type": "object", "properties": {name: {"type": "string", "maxLength": 80} for name in names}}}}
        post["requestBody"] = {"required": True, "content": content}
    return schema


@dataclass
class FuzzTally:
    cases: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    operations: int = 0
    failures: list[str] = field(default_factory=list)


def check_answer(method: str, path: str, status: int, headers: dict[str, Any], text: str) -> list[str]:
    problems = []
    if status >= 500:
        problems.append(f"{method} {path}: {status}")
    lowered = {name.lower(): value for name, value in headers.items()}
    for name, value in SECURITY_HEADERS.items():
        got = lowered.get(name.lower())
        got = got[0] if isinstance(got, list) and got else got
        if got != value:
            problems.append(f"{method} {path}: {name} missing")
    problems += [f"{method} {path}: {marker!r} in body" for marker in TRACEBACK_MARKERS if marker in text]
    return problems


def fuzz_app(app: Any, *, cases_per_mode: int, cookies: dict[str, str], path_parameters: dict[str, Any],
             seed: int = 0) -> FuzzTally:
    """Fuzz every operation, `cases_per_mode` positive and as many negative cases each."""
    schema = schemathesis.openapi.from_dict(with_bodies(app.openapi()))
    schema.app = app
    tally = FuzzTally()
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        tally.operations += 1
        params = {k: v for k, v in path_parameters.items() if f"{{{k}}}" in operation.path}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)

            @settings(max_examples=cases_per_mode, deadline=None, derandomize=seed == 0, database=None,
                      suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet)
            @given(case=strategy)
            def run(case: Any) -> None:
                if params and mode is GenerationMode.POSITIVE:
                    case.path_parameters = {**(case.path_parameters or {}), **params}
                response = case.call(cookies=cookies)
                tally.cases += 1
                tally.by_status[response.status_code] = tally.by_status.get(response.status_code, 0) + 1
                tally.failures.extend(check_answer(case.method, case.formatted_path, response.status_code,
                                                   dict(response.headers),
                                                   (response.content or b"").decode("utf-8", "replace")))

            try:
                run()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # nothing in it can break the schema (no parameters)
    return tally
