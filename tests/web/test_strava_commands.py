"""`coach strava ...` and `coach web`, run through Typer against the live app and the fake Strava."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner
from web_helpers import CLIENT_ID, LINK_SECRET, SECRET, WebEnv

import coaching.cli.strava  # noqa: F401  (registers `coach strava ...`)
import coaching.cli.web  # noqa: F401  (registers `coach web`)
from coaching.cli import app
from coaching.fake_strava.testing import follow_authorize
from coaching.services.connect import connect_athlete
from coaching.store.athletes import AthleteRepository


def athlete_name(env: WebEnv) -> str:
    with env.runtime.sessions.begin() as db:
        return AthleteRepository(db).all()[0].display_name


@pytest.fixture
def coach(env: WebEnv, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    settings = env.runtime.settings
    for name, value in {
        "COACH_DATABASE_URL": settings.database_url,
        "COACH_STRAVA_API_URL": env.fake.base_url,
        "COACH_STRAVA_CLIENT_ID": str(CLIENT_ID),
        "COACH_STRAVA_CLIENT_SECRET": SECRET,
        "COACH_TOKEN_KEY": settings.token_key.get_secret_value(),
        "COACH_LINK_SECRET": LINK_SECRET,
        "COACH_PUBLIC_URL": env.base_url,
    }.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, list(args))
        return result.exit_code, result.output

    return run


def test_subscribe_show_process_and_unsubscribe_from_the_command_line(env: WebEnv, coach) -> None:  # type: ignore[no-untyped-def]
    code, out = coach("strava", "subscribe")
    assert code == 0, out
    subscription_id = re.search(r"subscribed: id (\d+), events go to (\S+)", out)
    assert subscription_id and subscription_id.group(2) == env.base_url + "/strava/webhook"
    code, out = coach("strava", "show")
    assert code == 0 and f"subscription {subscription_id.group(1)}: {env.base_url}/strava/webhook" in out
    assert "not stored" not in out

    strava_id = env.fake.athlete_ids[0]
    env.fake.issue_tokens(strava_id)  # someone we do not store: their event is ignored
    env.fake.add_activity(strava_id)
    assert env.fake.wait_for_webhooks()
    code, out = coach("strava", "process-events")
    assert code == 0 and "processed 0, ignored 1, failed 0" in out

    code, out = coach("strava", "unsubscribe")
    assert code == 0 and f"deleted subscription {subscription_id.group(1)}" in out
    assert coach("strava", "show")[1].strip() == "no push subscription"
    # The client id and secret travel as query parameters, as Strava's recordings show, not in a body.
    [delete] = [r for r in env.fake.requests_seen if r.route.startswith("DELETE")]
    assert delete.query_names == {"client_id", "client_secret"} and delete.form_names == set()


def test_backfill_imports_the_history_with_a_progress_bar(env: WebEnv, coach) -> None:  # type: ignore[no-untyped-def]
    strava_id = env.fake.athlete_ids[0]
    query = follow_authorize(env.fake.authorize_url(env.runtime.settings.strava_redirect_uri, athlete_id=strava_id,
                                                    scopes=("read", "activity:read_all"), state="s"))
    with env.runtime.sessions.begin() as db:
        connect_athlete(db, env.runtime.strava, env.runtime.box, code=query["code"], granted_scope=query["scope"])
    code, out = coach("strava", "backfill")
    assert code == 0, out
    assert f"{len(env.fake.activities(strava_id))} activities stored" in out
    assert out.startswith(f"{athlete_name(env)} (#1)")  # the bar's label (the bar itself is drawn on a terminal)
    with env.runtime.sessions.begin() as db:
        (athlete,) = AthleteRepository(db).all()
        assert AthleteRepository(db).sync_state(athlete.id).backfill_done
    assert coach("strava", "backfill")[1].strip() == "every connected athlete's history is imported"


def test_commands_explain_missing_configuration_in_one_line(coach, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("COACH_STRAVA_CLIENT_SECRET")
    for command in (("strava", "subscribe"), ("web", "--port", "1")):
        code, out = coach(*command)
        assert code == 2
        assert "COACH_STRAVA_CLIENT_SECRET" in out and "Traceback" not in out


def test_strava_refusals_are_one_line_without_the_client_secret(env: WebEnv, coach, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COACH_STRAVA_CLIENT_SECRET", "wrong-secret-value")
    code, out = coach("strava", "show")
    assert code == 2 and "list push subscriptions" in out
    assert "wrong-secret-value" not in out and "Traceback" not in out


def test_process_events_with_nothing_queued_reports_zeroes(coach) -> None:  # type: ignore[no-untyped-def]
    code, out = coach("strava", "process-events", "--limit", "10")
    assert code == 0 and "processed 0, ignored 0, failed 0, left for later 0" in out



def test_commands_refuse_a_database_that_is_not_migrated(coach, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COACH_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    code, out = coach("strava", "process-events")
    assert code == 2 and "coach db upgrade" in out
