"""The next digest shows the coaches' notes once and links each athlete's page; runners invite a
coach by email and stop sharing at any time."""

from __future__ import annotations

from datetime import datetime, timedelta

from coach_helpers import (
    as_coach,
    hrefs_in,
    link_in,
    mails_to,
    parsed,
    sign_in_coach,
    squad,
    text_of,
)
from sqlalchemy import select
from web_helpers import WebEnv, csrf_of, email_link

from coaching.services.notify import deliver_due
from coaching.services.weekly import queue_coach_digests
from coaching.store.models import Coach, CoachAthlete, FindingRecord, OutboxMessage


def _acknowledge_spike(env: WebEnv, coach_id: int, athlete_id: int, note: str) -> None:
    with env.runtime.sessions.begin() as db:
        spike = db.scalar(select(FindingRecord).where(FindingRecord.athlete_id == athlete_id,
                                                      FindingRecord.rule == "long-run-spike"))
        assert spike is not None
        finding_id = spike.id
    with env.client() as client:
        as_coach(client, coach_id)
        csrf = csrf_of(client.get(f"/coach/athletes/{athlete_id}").text)
        client.post(f"/coach/athletes/{athlete_id}/acknowledge",
                    data={"csrf": csrf, "finding": finding_id, "note": note})


def _digest(env: WebEnv, now: datetime) -> tuple[str, list[str]]:
    before = len(mails_to(env, "carla@example.org"))
    queue_coach_digests(env.runtime, now)
    deliver_due(env.runtime, now)
    (mail,) = [m for m in mails_to(env, "carla@example.org")[before:] if parsed(m)["Subject"].startswith("Coach digest")]
    return text_of(mail).replace("\r\n", "\n"), hrefs_in(mail)


def test_the_next_digest_shows_the_note_once_and_links_each_athletes_page(env: WebEnv) -> None:
    team = squad(env)
    _acknowledge_spike(env, team.coach_id, team.ann, "Talked to Ann: easy week ahead")
    now = env.now() + timedelta(seconds=1)
    digest, links = _digest(env, now)
    assert "ACKNOWLEDGED SINCE THE LAST DIGEST\n- Ann Runner, long-run spike: Talked to Ann: easy week ahead (Carla Coach," in digest
    pages = [link for link in links if "/coach/athletes/" in link]
    assert pages == [f"{env.base_url}/coach/athletes/{team.ann}", f"{env.base_url}/coach/athletes/{team.ben}"]
    with env.runtime.sessions.begin() as db:  # the mail's text part is the text form kept in the outbox
        stored = db.scalar(select(OutboxMessage.body_text).where(OutboxMessage.kind == "coach_digest"))
    assert digest == stored
    following_week, _ = _digest(env, now + timedelta(days=7))
    assert "Talked to Ann" not in following_week


def test_a_runner_invites_a_coach_who_signs_in_and_sees_them_until_they_stop_sharing(env: WebEnv) -> None:
    team = squad(env)
    token = email_link(team.dan, purpose="preferences")
    with env.client() as runner:
        runner.get("/preferences", params={"t": token})  # the email's link becomes a session
        page = runner.get("/preferences/coaches")
        assert "Nobody: your findings are yours alone." in page.text
        csrf = csrf_of(page.text)
        refused = runner.post("/preferences/coaches/invite", data={"csrf": csrf, "name": "Zoe", "email": "nope"})
        invited = runner.post("/preferences/coaches/invite",
                              data={"csrf": csrf, "name": "Zoe Trainer", "email": "zoe@example.org"})
        assert refused.status_code == 400 and "does not look right" in refused.text
        assert invited.headers["location"] == "/preferences/coaches?done=invited"
        (invitation,) = mails_to(env, "zoe@example.org")
        assert "Dan Runner shares their training findings with you" in text_of(invitation)
        assert link_in(invitation, "/coach/signin").endswith(f"/coach/signin?next=/coach/athletes/{team.dan}")
        with env.client() as coach:
            sign_in_coach(env, coach, "zoe@example.org")
            assert coach.get(f"/coach/athletes/{team.dan}").status_code == 200
            with env.runtime.sessions.begin() as db:
                zoe = db.scalar(select(Coach).where(Coach.email == "zoe@example.org"))
                assert zoe is not None and zoe.name == "Zoe Trainer"
            listed = runner.get("/preferences/coaches").text
            assert "Zoe Trainer" in listed and "zoe@example.org" not in listed  # coaches' addresses stay private
            stopped = runner.post("/preferences/coaches/withdraw", data={"csrf": csrf, "coach": zoe.id})
            assert stopped.headers["location"] == "/preferences/coaches?done=withdrawn"
            assert coach.get(f"/coach/athletes/{team.dan}").status_code == 404
    with env.runtime.sessions.begin() as db:
        assert db.get(CoachAthlete, (zoe.id, team.dan)).withdrawn_at is not None


def test_inviting_an_existing_coach_keeps_their_name_and_sends_one_invitation(env: WebEnv) -> None:
    team = squad(env)
    with env.client() as runner:
        runner.get("/preferences", params={"t": email_link(team.dan, purpose="preferences")})
        csrf = csrf_of(runner.get("/preferences/coaches").text)
        for _ in range(2):
            runner.post("/preferences/coaches/invite",
                        data={"csrf": csrf, "name": "Boss", "email": "Carla@example.org"})
        without_csrf = runner.post("/preferences/coaches/invite", data={"name": "X", "email": "x@example.org"})
    assert without_csrf.status_code == 403
    assert len(mails_to(env, "carla@example.org")) == 1
    with env.runtime.sessions.begin() as db:
        assert db.get(Coach, team.coach_id).name == "Carla Coach"
        assert db.get(CoachAthlete, (team.coach_id, team.dan)).consent_active
