"""The app's Strava capacity (COACH_STRAVA_ATHLETE_CAPACITY, API.md §6): the connect page shows the
places left; when none is left it offers a waiting list (an address confirmed by a signed link)
instead of sending the runner to Strava's error page; a freed place invites the first on the list
at once. Over real HTTP, with the fake Strava and the SMTP sink."""

from __future__ import annotations

import email
import re
import time
from email.message import Message

import httpx
from web_helpers import WebEnv, csrf_of, sign_in_through_strava, wait_for_backfill

from coaching.fake_strava import FakeStrava, FakeStravaConfig
from coaching.fake_strava.testing import follow_authorize
from coaching.store.models import Athlete, WaitingRunner


def _mails_to(env: WebEnv, address: str, count: int, timeout_s: float = 10.0) -> list[str]:
    """The text parts of the first `count` mails to `address` (some go out just after a page answers)."""
    deadline = time.monotonic() + timeout_s
    while True:
        mails = [m for m in env.smtp.received if address in m.rcpt_tos]
        if len(mails) >= count:
            break
        assert time.monotonic() < deadline, f"{count} mails to {address} did not arrive"
        time.sleep(0.02)
    texts = []
    for mail in mails[:count]:
        parsed: Message = email.message_from_bytes(mail.path.read_bytes())
        texts.append(next(p.get_payload(decode=True).decode() for p in parsed.walk()
                          if p.get_content_type() == "text/plain"))
    return texts


def _link(text: str, path: str) -> str:
    found = re.search(r"https?://\S*" + re.escape(path) + r"\S*", text)
    assert found, f"no {path} link in {text!r}"
    return found.group(0)


def _fill(env: WebEnv, capacity: int) -> list[int]:
    env.runtime.settings.strava_athlete_capacity = capacity
    ids = []
    for strava_id in env.fake.athlete_ids[:capacity]:
        with sign_in_through_strava(env, strava_id):
            pass
        with env.runtime.sessions.begin() as db:
            ids.append(db.query(Athlete).filter_by(strava_id=strava_id).one().id)
        wait_for_backfill(env, ids[-1])
    return ids


def _join(env: WebEnv, address: str) -> str:
    """On the list and confirmed, through the emailed link; returns the confirmation page."""
    with env.client() as client:
        sent = client.post("/waitlist", data={"email": address})
    assert sent.status_code == 200 and "Check your inbox" in sent.text
    [text] = _mails_to(env, address, 1)
    link = _link(text, "/waitlist/confirm")
    with env.client() as client:
        opened = client.get(link.removeprefix(env.base_url))
        with env.runtime.sessions.begin() as db:  # opening the link (a mail scanner) changes nothing
            assert db.query(WaitingRunner).filter_by(email=address).one().confirmed_at is None
        token = re.search(r'name="t" value="([^"]+)"', opened.text).group(1)
        confirmed = client.post("/waitlist/confirm", data={"t": token})
    assert confirmed.status_code == 200 and "is on the waiting list" in confirmed.text
    return confirmed.text


def test_the_connect_page_shows_the_places_left(env: WebEnv) -> None:
    _fill(env, 1)
    env.runtime.settings.strava_athlete_capacity = 3
    with env.client() as client:
        page = client.get("/")
    assert "2 of 3 places left" in page.text and 'href="/connect"' in page.text


def test_when_every_place_is_taken_the_runner_gets_a_waiting_list_not_strava(env: WebEnv) -> None:
    _fill(env, 2)
    with env.client() as client:
        landing = client.get("/")
        connect = client.get("/connect")
    for page in (landing, connect):
        assert page.status_code == 200 and "All 2 places are taken" in page.text
        assert 'action="/waitlist"' in page.text and 'href="/connect"' not in page.text
    assert "location" not in connect.headers
    _join(env, "wait@example.org")
    with env.runtime.sessions.begin() as db:
        row = db.query(WaitingRunner).filter_by(email="wait@example.org").one()
        assert row.confirmed_at is not None and row.invited_at is None


def test_a_bad_address_or_a_bad_confirmation_link_changes_nothing(env: WebEnv) -> None:
    with env.client() as client:
        bad = client.post("/waitlist", data={"email": "not an address"})
        forged = client.post("/waitlist/confirm", data={"t": "1.9999999999.forged"})
    assert bad.status_code == 400 and "does not look right" in bad.text
    assert forged.status_code == 400 and "does not work" in forged.text
    with env.runtime.sessions.begin() as db:
        assert db.query(WaitingRunner).count() == 0


def test_a_freed_place_invites_the_first_confirmed_runner_and_holds_it_for_them(env: WebEnv) -> None:
    ids = _fill(env, 2)
    _join(env, "first@example.org")
    _join(env, "second@example.org")
    with env.client() as leaving:  # a connected runner, signing in from another browser
        to_strava = leaving.get("/connect?returning=1")
        location = to_strava.headers["location"] + f"&athlete_id={env.fake.athlete_ids[0]}"
        consent = httpx.get(location, follow_redirects=False, timeout=10)
        assert leaving.get(consent.headers["location"].removeprefix(env.base_url)).status_code == 303
        csrf = csrf_of(leaving.get("/preferences").text)
        started = time.monotonic()
        deleted = leaving.post("/preferences/delete", data={"csrf": csrf, "confirm": "yes"})
    assert "Your account is deleted" in deleted.text
    [_, invitation] = _mails_to(env, "first@example.org", 2)
    freed_to_invited_s = time.monotonic() - started
    assert freed_to_invited_s < 5  # sent with the deletion, not at the next hourly run
    assert len(_mails_to(env, "second@example.org", 1)) == 1  # only the confirmation
    with env.client() as stranger:  # the freed place is held: others still see the waiting list
        assert "All 2 places are taken" in stranger.get("/connect").text
    invite = _link(invitation, "/connect?t=")
    with env.client() as client:
        to_strava = client.get(invite.removeprefix(env.base_url))
        assert to_strava.status_code == 303
        location = to_strava.headers["location"] + f"&athlete_id={env.fake.athlete_ids[2]}"
        consent = httpx.get(location, follow_redirects=False, timeout=10)
        landed = client.get(consent.headers["location"].removeprefix(env.base_url), follow_redirects=True)
    assert landed.status_code == 200
    with env.runtime.sessions.begin() as db:
        joined = db.query(Athlete).filter_by(strava_id=env.fake.athlete_ids[2]).one()
        row = db.query(WaitingRunner).filter_by(email="first@example.org").one()
        assert row.joined_at is not None and joined.email == "first@example.org"
        assert db.query(Athlete).filter(Athlete.connected.is_(True)).count() == 2
        assert db.get(Athlete, ids[0]) is None


def test_a_new_runner_past_capacity_who_says_they_are_returning_is_refused_and_stores_nothing(env: WebEnv) -> None:
    _fill(env, 2)
    newcomer = env.fake.athlete_ids[2]
    with env.client() as client:
        location = client.get("/connect?returning=1").headers["location"] + f"&athlete_id={newcomer}"
        consent = httpx.get(location, follow_redirects=False, timeout=10)
        answer = client.get(consent.headers["location"].removeprefix(env.base_url))
    assert answer.status_code == 200 and "All 2 places are taken" in answer.text
    with env.runtime.sessions.begin() as db:
        assert db.query(Athlete).filter_by(strava_id=newcomer).count() == 0
    assert "POST /oauth/revoke" in {r.route for r in env.fake.requests_seen}  # the grant handed back


def test_the_fake_refuses_an_authorization_past_its_capacity_as_strava_does() -> None:
    with FakeStrava(FakeStravaConfig(athlete_capacity=1)) as fake:
        fake.seed(count=2, personas=["steady"], seed=1, days=7)
        first = follow_authorize(fake.authorize_url("http://127.0.0.1/cb", athlete_id=fake.athlete_ids[0]))
        assert "code" in first
        again = follow_authorize(fake.authorize_url("http://127.0.0.1/cb", athlete_id=fake.athlete_ids[0]))
        assert "code" in again  # a runner already connected may authorize again
        refused = httpx.get(fake.authorize_url("http://127.0.0.1/cb", athlete_id=fake.athlete_ids[1]), timeout=5)
    assert refused.status_code == 403 and "limit of connected athletes exceeded" in refused.text
    assert "location" not in refused.headers
