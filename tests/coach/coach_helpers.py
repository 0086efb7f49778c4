"""Athletes with hand-made training, coaches with consent, and links read from delivered emails."""

from __future__ import annotations

import email
import html
import re
import time
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import Message
from pathlib import Path

import httpx
from domain_builders import activity
from web_helpers import LINK_SECRET, WebEnv

from coaching import links
from coaching.services.evaluation import AthleteEvaluation, evaluate_athlete
from coaching.sinks.smtp_sink import ReceivedMail
from coaching.store.activities import ActivityRepository
from coaching.store.athletes import AthleteRepository, CoachRepository
from coaching.store.models import Athlete
from coaching.web.coach_auth import COACH_COOKIE
from tests.clock import TEST_NOW_S, TEST_TODAY

TODAY = TEST_TODAY
CADENCE_RAW = 80.0  # per leg: 160 steps/min
VENDOR = Path(__file__).parent / "vendor"


@dataclass(frozen=True)
class Squad:
    coach_id: int
    ann: int  # consents, a long-run spike today: flagged
    ben: int  # consents, steady: not flagged
    cleo: int  # consented, then withdrew
    dan: int  # never asked


def add_athlete(env: WebEnv, strava_id: int, first: str, last: str, *, email_address: str | None = None,
                push_url: str | None = None) -> int:
    with env.runtime.sessions.begin() as db:
        athlete = AthleteRepository(db).upsert_from_strava(strava_id, first_name=first, last_name=last,
                                                           timezone="UTC", units="metric", now=env.now())
        athlete.email, athlete.send_email = email_address, email_address is not None
        if push_url is not None:
            athlete.push_url_encrypted, athlete.send_push = env.runtime.box.encrypt(push_url), True
        AthleteRepository(db).sync_state(athlete.id).backfill_done = True
        return athlete.id


def add_steady_training(env: WebEnv, athlete_id: int, *, weeks: int = 6, km: float = 8.0,
                        until: date = TODAY) -> None:
    """Runs of `km` every other day for `weeks` weeks up to two days before `until`."""
    days = range(2, 7 * weeks, 2)
    with env.runtime.sessions.begin() as db:
        repo = ActivityRepository(db)
        for back in days:
            repo.upsert(athlete_id, activity(until - timedelta(days=back), km, cadence_raw=CADENCE_RAW,
                                             gear_id="g1"), private=False, raw={})


def add_run(env: WebEnv, athlete_id: int, on: date, km: float) -> int:
    item = activity(on, km, cadence_raw=CADENCE_RAW - 3, gear_id="g1")
    with env.runtime.sessions.begin() as db:
        ActivityRepository(db).upsert(athlete_id, item, private=False, raw={})
    return item.id


def evaluate(env: WebEnv, athlete_id: int, as_of: date = TODAY) -> AthleteEvaluation:
    with env.runtime.sessions.begin() as db:
        athlete = db.get(Athlete, athlete_id)
        assert athlete is not None
        return evaluate_athlete(db, athlete, as_of)


def squad(env: WebEnv) -> Squad:
    """Carla coaches Ann (flagged) and Ben; Cleo stopped sharing; Dan never shared."""
    ids = [add_athlete(env, 9000 + i, name, "Runner") for i, name in enumerate(("Ann", "Ben", "Cleo", "Dan"))]
    for athlete_id in ids:
        add_steady_training(env, athlete_id)
    add_run(env, ids[0], TODAY, 20.0)  # 150 % over the 30-day longest: a warning
    with env.runtime.sessions.begin() as db:
        coaches = CoachRepository(db)
        now = env.now()
        coach = coaches.upsert(name="Carla Coach", email="carla@example.org", now=now)
        for athlete_id in ids[:3]:
            coaches.grant_consent(coach.id, athlete_id, now)
        coaches.withdraw_consent(coach.id, ids[2], now)
        coach_id = coach.id
    for athlete_id in ids:
        evaluate(env, athlete_id)
    return Squad(coach_id, *ids)


def parsed(mail: ReceivedMail) -> Message:
    return email.message_from_bytes(mail.path.read_bytes())


def _part(mail: ReceivedMail, content_type: str) -> str:
    for part in parsed(mail).walk():
        if part.get_content_type() == content_type:
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError(f"no {content_type} part")


def text_of(mail: ReceivedMail) -> str:
    """The text/plain part (rendered from the email's .txt.j2 template)."""
    return _part(mail, "text/plain")


def hrefs_in(mail: ReceivedMail) -> list[str]:
    """Every link of the HTML part, as a mail client would open it."""
    return [html.unescape(href) for href in re.findall(r'href="([^"]+)"', _part(mail, "text/html"))]


def mails_to(env: WebEnv, address: str) -> list[ReceivedMail]:
    return [m for m in env.smtp.received if address in m.rcpt_tos]


def wait_for_mails(env: WebEnv, address: str, count: int, timeout_s: float = 10.0) -> list[ReceivedMail]:
    """The first `count` mails to `address`: sign-in links go out just after the page answers."""
    deadline = time.monotonic() + timeout_s
    while len(mails_to(env, address)) < count:
        assert time.monotonic() < deadline, f"{count} mails to {address} did not arrive"
        time.sleep(0.02)
    return mails_to(env, address)[:count]


def link_in(mail: ReceivedMail, path: str) -> str:
    """The first link in the email's text whose path starts with `path`."""
    found = re.search(r"https?://[^\s<>\"]*" + re.escape(path) + r"[^\s<>\"]*", text_of(mail))
    assert found, f"no {path} link in {mail.path.name}"
    return found.group(0)


def as_coach(client: httpx.Client, coach_id: int) -> None:
    """A coach's session cookie, signed as the app signs it: for tests about what comes after
    signing in (the sign-in itself is `sign_in_coach`, through a delivered email)."""
    value = links.sign(LINK_SECRET, "coach-session", f"{coach_id}:test-nonce", TEST_NOW_S + 3600)
    client.cookies.set(COACH_COOKIE, value)


def sign_in_coach(env: WebEnv, client: httpx.Client, address: str = "carla@example.org") -> None:
    """The real way in: ask for a link, read it from the delivered email, press the button."""
    before = len(mails_to(env, address))
    assert client.post("/coach/signin", data={"email": address}).status_code == 200
    mail = wait_for_mails(env, address, before + 1)[before]
    token = link_in(mail, "/coach/signin/link").split("t=", 1)[1]
    assert client.post("/coach/signin/link", data={"t": token}).status_code == 303
