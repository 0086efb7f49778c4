"""The coach page over HTTP: only consenting athletes, consent checked on every request,
acknowledgements and thresholds recorded with who and when, and bad values explained."""

from __future__ import annotations

from coach_helpers import TODAY, as_coach, evaluate, squad
from sqlalchemy import select
from web_helpers import WebEnv, csrf_of

from coaching.domain.model import Severity
from coaching.store.athletes import CoachRepository
from coaching.store.models import (
    Athlete,
    FindingAcknowledgement,
    FindingRecord,
    ThresholdChange,
)


def _findings(env: WebEnv, athlete_id: int) -> dict[str, FindingRecord]:
    with env.runtime.sessions.begin() as db:
        return {r.rule: r for r in db.scalars(select(FindingRecord).where(FindingRecord.athlete_id == athlete_id))}


def test_the_roster_lists_only_consenting_athletes_in_one_ranking_the_flagged_marked(env: WebEnv) -> None:
    team = squad(env)
    with env.client() as client:
        as_coach(client, team.coach_id)
        roster = client.get("/coach").text
    assert roster.index(">Ann Runner</a>") < roster.index(">Ben Runner</a>")
    assert "Cleo" not in roster and "Dan" not in roster
    # One ranking, the flagged marked in it (not a section of their own).
    assert roster.index(">Ann Runner</a> <span class=\"badge warning\">Flagged</span>") < roster.index(">Ben Runner</a>")
    assert "Everyone else" not in roster
    assert f'href="/coach/athletes/{team.ann}"' in roster


def test_an_athlete_who_never_shared_or_withdrew_is_a_404_even_by_address(env: WebEnv) -> None:
    team = squad(env)
    with env.client() as client:
        as_coach(client, team.coach_id)
        assert client.get(f"/coach/athletes/{team.ann}").status_code == 200
        csrf = csrf_of(client.get(f"/coach/athletes/{team.ann}").text)
        for hidden in (team.cleo, team.dan, 999_999):
            assert client.get(f"/coach/athletes/{hidden}").status_code == 404
        with env.runtime.sessions.begin() as db:
            CoachRepository(db).withdraw_consent(team.coach_id, team.ann)
        gone = client.get(f"/coach/athletes/{team.ann}")
        refused = client.post(f"/coach/athletes/{team.ann}/thresholds",
                              data={"csrf": csrf, "key": "pain_reported.caution_score", "value": "2"})
    assert gone.status_code == 404 and "Ann" not in gone.text
    assert refused.status_code == 404
    with env.runtime.sessions.begin() as db:
        assert db.get(Athlete, team.ann).threshold_overrides == {}


def test_the_athlete_page_shows_findings_load_cadence_shoes_and_checkins(env: WebEnv) -> None:
    team = squad(env)
    with env.client() as client:
        as_coach(client, team.coach_id)
        page = client.get(f"/coach/athletes/{team.ann}").text
    assert "Long-run spike" in page and "Spike: 150%" in page
    assert "Fitness (CTL)" in page and "Form (TSB)" in page
    assert page.count("<rect class=\"bar") == 12 and "Weekly running distance over 12 weeks" in page
    assert "Weekly median cadence" in page and "160 spm" in page
    assert "g1" in page  # the shoe, named by its id until Strava's gear is synced
    assert "No check-ins in the last 12 weeks." in page


def test_acknowledging_a_finding_records_the_note_and_who(env: WebEnv) -> None:
    team = squad(env)
    spike = _findings(env, team.ann)["long-run-spike"]
    with env.client() as client:
        as_coach(client, team.coach_id)
        csrf = csrf_of(client.get(f"/coach/athletes/{team.ann}").text)
        without = client.post(f"/coach/athletes/{team.ann}/acknowledge", data={"finding": spike.id, "note": "x"})
        done = client.post(f"/coach/athletes/{team.ann}/acknowledge",
                           data={"csrf": csrf, "finding": spike.id, "note": "  Talked to Ann:\n easy week  "})
        others = _findings(env, team.ben)
        forged = client.post(f"/coach/athletes/{team.ann}/acknowledge",
                             data={"csrf": csrf, "finding": next(iter(others.values())).id, "note": "x"})
        page = client.get(done.headers["location"]).text
    assert without.status_code == 403
    assert done.status_code == 303 and forged.status_code == 404
    assert "Acknowledged by Carla Coach" in page and "Talked to Ann: easy week" in page
    with env.runtime.sessions.begin() as db:
        (ack,) = db.scalars(select(FindingAcknowledgement)).all()
        assert (ack.coach_id, ack.coach_name, ack.note) == (team.coach_id, "Carla Coach", "Talked to Ann: easy week")
        assert db.get(FindingRecord, spike.id).acknowledged_note == "Talked to Ann: easy week"


def test_a_changed_threshold_is_recorded_and_the_next_evaluation_uses_it(env: WebEnv) -> None:
    team = squad(env)
    assert _findings(env, team.ann)["long-run-spike"].severity == Severity.WARNING
    with env.client() as client:
        as_coach(client, team.coach_id)
        csrf = csrf_of(client.get(f"/coach/athletes/{team.ann}").text)
        saved = client.post(f"/coach/athletes/{team.ann}/thresholds",
                            data={"csrf": csrf, "key": "long_run_spike.warning_pct", "value": "200", "action": "save"})
        page = client.get(saved.headers["location"]).text
    assert saved.status_code == 303
    assert "Long-run spike: warning pct: 200 (default 100)" in page
    assert "Long-run spike: warning pct: 100 → 200, by Carla Coach" in page
    with env.runtime.sessions.begin() as db:
        assert db.get(Athlete, team.ann).threshold_overrides == {"long_run_spike.warning_pct": 200.0}
        (change,) = db.scalars(select(ThresholdChange)).all()
        assert (change.changed_by, change.old_value, change.new_value) == ("Carla Coach", 100.0, 200.0)
    evaluation = evaluate(env, team.ann, TODAY).evaluation
    (spike,) = [f for f in evaluation.findings if f.rule == "long-run-spike"]
    assert spike.severity == Severity.CAUTION  # 150 % is under the athlete's own 200 %


def test_resetting_a_threshold_returns_to_the_default_and_is_recorded_too(env: WebEnv) -> None:
    team = squad(env)
    with env.client() as client:
        as_coach(client, team.coach_id)
        csrf = csrf_of(client.get(f"/coach/athletes/{team.ann}").text)
        url = f"/coach/athletes/{team.ann}/thresholds"
        client.post(url, data={"csrf": csrf, "key": "pain_reported.caution_score", "value": "2"})
        reset = client.post(url, data={"csrf": csrf, "key": "pain_reported.caution_score", "action": "reset"})
    assert reset.headers["location"].endswith("done=reset#thresholds")
    with env.runtime.sessions.begin() as db:
        assert db.get(Athlete, team.ann).threshold_overrides == {}
        changes = db.scalars(select(ThresholdChange).order_by(ThresholdChange.id)).all()
        assert [(c.old_value, c.new_value) for c in changes] == [(3.0, 2.0), (2.0, 3.0)]


# Thresholds.with_overrides' own words (HTML-escaped on the page): they name the key and the range.
REFUSED = {
    ("long_run_spike.warning_pct", "5000"):
        "threshold &#39;long_run_spike.warning_pct&#39; = 5000.0 is outside 0.0..1000.0",
    ("pain_reported.caution_score", "2.5"): "threshold &#39;pain_reported.caution_score&#39; must be a whole number",
    ("pain_reported.caution_score", "7"): "pain_reported.caution_score (7) must not exceed pain_reported.warning_score",
    ("weekly_ramp.info_1w_pct", "ten"):
        "threshold &#39;weekly_ramp.info_1w_pct&#39; must be a number, got &#39;ten&#39;",
    ("weekly_ramp.nonsense", "1"): "unknown threshold &#39;weekly_ramp.nonsense&#39;",
    ("quality.max_run_km", "100"): "unknown threshold &#39;quality.max_run_km&#39;",
    ("weekly_ramp.info_1w_pct", ""): "type the new value, or reset it to the default",
}


def test_a_threshold_outside_its_safe_bounds_is_explained_and_nothing_changes(env: WebEnv) -> None:
    team = squad(env)
    shown: dict[tuple[str, str], object] = {}
    with env.client() as client:
        as_coach(client, team.coach_id)
        csrf = csrf_of(client.get(f"/coach/athletes/{team.ann}").text)
        for (key, value), message in REFUSED.items():
            refused = client.post(f"/coach/athletes/{team.ann}/thresholds",
                                  data={"csrf": csrf, "key": key, "value": value})
            alert = refused.text.split('role="alert"', 1)[-1].split("</p>", 1)[0]
            shown[(key, value)] = (refused.status_code, message in alert, "Traceback" in refused.text)
    assert shown == {case: (400, True, False) for case in REFUSED}
    with env.runtime.sessions.begin() as db:
        assert db.get(Athlete, team.ann).threshold_overrides == {}
        assert db.scalars(select(ThresholdChange)).all() == []


def test_coach_pages_need_a_coach_session_and_a_runner_session_is_not_one(env: WebEnv) -> None:
    team = squad(env)
    with env.client() as client:
        assert client.get("/coach").headers["location"] == "/coach/signin?next=/coach"
        posted = client.post(f"/coach/athletes/{team.ann}/thresholds", data={"key": "x", "value": "1"})
        assert posted.status_code == 303 and posted.headers["location"].startswith("/coach/signin")
        client.cookies.set("coach_page_session", "1:forged.9999999999.AAAA")
        assert client.get("/coach").status_code == 303
