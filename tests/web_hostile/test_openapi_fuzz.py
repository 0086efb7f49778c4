"""The fuzz run against the app's OpenAPI schema (see openapi_fuzz.py): every operation, valid and
schema-breaking cases, with a runner's and a coach's session so the handlers behind the sign-in
run too. No 5xx, no traceback, the security headers on every answer. The count is kept small
here; `python bench/bench_web_fuzz.py --cases N` runs more and prints the count."""

from __future__ import annotations

from coach_helpers import squad
from openapi_fuzz import fuzz_app
from web_helpers import LINK_SECRET, WebEnv

from coaching import links
from coaching.services.subscriptions import subscribe
from coaching.web.coach_auth import COACH_COOKIE
from coaching.web.security import SESSION_COOKIE

CASES_PER_MODE = 12


def fuzz_cookies(env: WebEnv, athlete_id: int, coach_id: int) -> dict[str, str]:

    with env.runtime.sessions.begin() as db:
        from coaching.store.models import Athlete

        strava_id = db.get(Athlete, athlete_id).strava_id
    expires = int(env.now_s()) + 3600
    return {SESSION_COOKIE: links.sign(LINK_SECRET, "web-session", f"{athlete_id}:{strava_id}:fuzz", expires),
            COACH_COOKIE: links.sign(LINK_SECRET, "coach-session", f"{coach_id}:fuzz", expires)}


def test_the_app_survives_a_fuzz_run_against_its_own_schema(env: WebEnv, capsys) -> None:  # type: ignore[no-untyped-def]
    subscribe(env.runtime)
    team = squad(env)
    tally = fuzz_app(env.app, cases_per_mode=CASES_PER_MODE, cookies=fuzz_cookies(env, team.ann, team.coach_id),
                     path_parameters={"athlete_id": team.ann})
    with capsys.disabled():
        print(f"\nOpenAPI fuzz: {tally.cases} cases over {tally.operations} operations, "
              f"statuses {dict(sorted(tally.by_status.items()))}")
    assert tally.failures == []
    assert tally.operations >= 20 and tally.cases >= tally.operations * CASES_PER_MODE
