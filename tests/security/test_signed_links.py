"""Signed links (preferences, check-in, unsubscribe): no login, so the signature is the only lock.
A link opens exactly one athlete's page for exactly one purpose, until it expires."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coaching import links
from coaching.crypto import generate_key
from coaching.runtime import Runtime
from coaching.services.notify import LINK_LIFETIME, recipient_for
from coaching.settings import Settings
from coaching.store.athletes import AthleteRepository
from coaching.store.db import upgrade

SECRET = "link-signing-secret-for-tests"
NOW_S = 1_790_000_000
LATER_S = NOW_S + 3600


def test_a_link_opens_its_athlete_for_its_purpose_until_it_expires():
    token = links.sign(SECRET, "preferences", "17", LATER_S)
    assert links.verify(SECRET, "preferences", token, now_s=NOW_S) == "17"
    assert links.verify(SECRET, "preferences", token, now_s=LATER_S) == "17"  # the last second still counts
    with pytest.raises(links.BadLink, match="expired"):
        links.verify(SECRET, "preferences", token, now_s=LATER_S + 1)


@pytest.mark.parametrize("purpose", ["checkin", "unsubscribe", "coach-preferences", "web-session", "oauth-state",
                                     "preference", "preferences ", ""])
def test_a_link_for_one_purpose_opens_nothing_else(purpose):
    token = links.sign(SECRET, "preferences", "17", LATER_S)
    with pytest.raises(links.BadLink):
        links.verify(SECRET, purpose, token, now_s=NOW_S)


def test_a_link_edited_to_name_another_athlete_or_a_later_expiry_is_refused():
    subject, expires, mac = links.sign(SECRET, "preferences", "17", LATER_S).split(".")
    for edited in (f"18.{expires}.{mac}", f"1.{expires}.{mac}", f"17.{int(expires) + 86400}.{mac}",
                   f"17.{expires}.{mac[:-1]}", f"17.{expires}.", f"17..{mac}", f"{expires}.{mac}", "", "..."):
        with pytest.raises(links.BadLink):
            links.verify(SECRET, "preferences", edited, now_s=NOW_S)


def test_a_link_signed_with_another_secret_is_refused_and_two_athletes_never_share_a_link():
    forged = links.sign("someone-else's-secret", "preferences", "17", LATER_S)
    with pytest.raises(links.BadLink, match="not valid"):
        links.verify(SECRET, "preferences", forged, now_s=NOW_S)
    assert links.sign(SECRET, "checkin", "17", LATER_S) != links.sign(SECRET, "checkin", "71", LATER_S)
    assert SECRET not in links.sign(SECRET, "checkin", "17", LATER_S)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_any_one_character_changed_in_a_link_makes_it_refused(data):
    token = links.sign(SECRET, "checkin", str(data.draw(st.integers(1, 10**9))), LATER_S)
    position = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(st.characters(min_codepoint=33, max_codepoint=126).filter(lambda c: c != token[position]))
    with pytest.raises(links.BadLink):
        links.verify(SECRET, "checkin", token[:position] + replacement + token[position + 1:], now_s=NOW_S)


def test_a_link_with_a_non_ascii_signature_is_refused_like_any_other_forgery():
    token = links.sign(SECRET, "preferences", "17", LATER_S)
    with pytest.raises(links.BadLink):
        links.verify(SECRET, "preferences", token[:-1] + "é", now_s=NOW_S)


def test_the_links_in_a_runner_s_messages_are_bound_to_that_runner_and_expire_after_60_days(tmp_path):
    runtime = Runtime(Settings(database_url=f"sqlite:///{tmp_path / 'coach.db'}", token_key=generate_key(),
                               link_secret=SECRET, public_url="https://coach.example.org"))
    upgrade(runtime.engine)
    now = datetime(2026, 11, 24, 6, 0, tzinfo=timezone.utc)
    try:
        with runtime.sessions.begin() as s:
            athletes = AthleteRepository(s)
            ana, ben = (athletes.upsert_from_strava(strava_id, first_name=name, last_name="", timezone=None, units=None)
                        for strava_id, name in ((1, "Ana"), (2, "Ben")))
            recipient = recipient_for(runtime, ana, now)
            ana_id, ben_id = ana.id, ben.id
    finally:
        runtime.close()
    preferences = parse_qs(urlsplit(recipient.preferences_url).query)["t"][0]
    checkin = parse_qs(urlsplit(recipient.checkin_url_template.format(score=3)).query)["t"][0]
    expires_s = (now + LINK_LIFETIME).timestamp()
    assert links.verify(SECRET, "preferences", preferences, now_s=expires_s) == str(ana_id) != str(ben_id)
    assert links.verify(SECRET, "checkin", checkin, now_s=now.timestamp()) == str(ana_id)
    for token, other_purpose in ((preferences, "checkin"), (checkin, "preferences"), (checkin, "unsubscribe")):
        with pytest.raises(links.BadLink):
            links.verify(SECRET, other_purpose, token, now_s=now.timestamp())
    with pytest.raises(links.BadLink, match="expired"):
        links.verify(SECRET, "preferences", preferences, now_s=expires_s + 1)
    assert LINK_LIFETIME == timedelta(days=60)
