"""Push subscriptions and event delivery, with a small callback server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qsl, urlsplit

import pytest
from stravalib import exc

from coaching.fake_strava import FakeStrava
from coaching.fake_strava.testing import stravalib_client

from fake_strava_helpers import CLIENT_ID, SECRET, load_fixture

VERIFY = "let-me-in"


class Callback:
    """Echoes Strava's challenge when the verify token matches; records the events it gets.
    `fail_next` makes the next event POSTs answer 500."""

    def __init__(self) -> None:
        self.events: list[dict] = []
        self.fail_next = 0
        self.received = threading.Condition()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = dict(parse_qsl(urlsplit(self.path).query))
                ok = query.get("hub.verify_token") == VERIFY
                self._answer(200 if ok else 403, {"hub.challenge": query.get("hub.challenge")} if ok else {})

            def do_POST(self) -> None:
                event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if owner.fail_next:
                    owner.fail_next -= 1
                    return self._answer(500, {})
                with owner.received:
                    owner.events.append(event)
                    owner.received.notify_all()
                self._answer(200, {})

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/strava/webhook"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def wait_for(self, count: int, timeout_s: float = 5.0) -> list[dict]:
        with self.received:
            self.received.wait_for(lambda: len(self.events) >= count, timeout=timeout_s)
            return list(self.events)


@pytest.fixture
def callback() -> Iterator[Callback]:
    cb = Callback()
    yield cb
    cb.server.shutdown()
    cb.server.server_close()


@pytest.fixture
def hooked(make_fake: Callable[..., FakeStrava], callback: Callback) -> FakeStrava:
    fake = make_fake(count=2, webhook_retry_delay_s=0.05)
    stravalib_client(fake.base_url).create_subscription(CLIENT_ID, SECRET, callback.url, verify_token=VERIFY)
    return fake


def test_a_subscription_is_verified_listed_and_deleted_with_stravalib(fake: FakeStrava, callback: Callback) -> None:
    client = stravalib_client(fake.base_url)
    subscription = client.create_subscription(CLIENT_ID, SECRET, callback.url, verify_token=VERIFY)
    assert subscription.callback_url == callback.url and subscription.application_id == CLIENT_ID
    assert [s.id for s in client.list_subscriptions(CLIENT_ID, SECRET)] == [subscription.id]
    with pytest.raises(exc.Fault):  # one subscription per application
        client.create_subscription(CLIENT_ID, SECRET, callback.url, verify_token=VERIFY)
    client.delete_subscription(subscription.id, CLIENT_ID, SECRET)
    assert list(client.list_subscriptions(CLIENT_ID, SECRET)) == []


def test_subscription_answers_have_the_recorded_shape(fake: FakeStrava, callback: Callback) -> None:
    client = stravalib_client(fake.base_url)
    created = client.protocol.post(
        "/push_subscriptions", client_id=CLIENT_ID, client_secret=SECRET, callback_url=callback.url, verify_token=VERIFY
    )
    assert set(created) == set(load_fixture("push_subscription_create_response.real_2018.json"))
    listed = client.protocol.get("/push_subscriptions", client_id=CLIENT_ID, client_secret=SECRET)
    assert [set(item) for item in listed] == [set(load_fixture("push_subscription_list_response.real_2018.json")[0])]


def test_a_callback_that_does_not_echo_the_challenge_is_refused(fake: FakeStrava, callback: Callback) -> None:
    with pytest.raises(exc.Fault) as caught:
        stravalib_client(fake.base_url).create_subscription(CLIENT_ID, SECRET, callback.url, verify_token="wrong")
    assert caught.value.response.status_code == 400


def test_a_new_activity_of_a_connected_athlete_is_pushed(hooked: FakeStrava, callback: Callback) -> None:
    connected, other = hooked.athlete_ids
    hooked.issue_tokens(connected, ("read", "activity:read_all"))
    hooked.add_activity(other)  # never authorized the app: no event
    activity_id = hooked.add_activity(connected)
    (event,) = callback.wait_for(1)
    assert hooked.wait_for_webhooks()
    assert event["object_type"] == "activity" and event["aspect_type"] == "create"
    assert (event["object_id"], event["owner_id"], event["updates"]) == (activity_id, connected, {})
    assert len(callback.events) == 1


def test_title_and_privacy_changes_are_update_events_with_string_values(hooked: FakeStrava, callback: Callback) -> None:
    athlete_id = hooked.athlete_ids[0]
    hooked.issue_tokens(athlete_id, ("read", "activity:read_all"))
    activity_id = hooked.activities(athlete_id)[-1].id
    hooked.update_activity(activity_id, name="Tempo", visibility="only_me")
    (event,) = callback.wait_for(1)
    assert event["aspect_type"] == "update"
    assert event["updates"] == {"title": "Tempo", "private": "true"}


def test_without_read_all_an_activity_going_private_arrives_as_a_delete(hooked: FakeStrava, callback: Callback) -> None:
    athlete_id = hooked.athlete_ids[0]
    hooked.issue_tokens(athlete_id, ("read", "activity:read"))
    activity_id = hooked.activities(athlete_id)[-1].id
    hooked.update_activity(activity_id, visibility="only_me")
    (event,) = callback.wait_for(1)
    assert (event["aspect_type"], event["object_id"]) == ("delete", activity_id)


def test_deauthorization_is_pushed_as_an_athlete_event(hooked: FakeStrava, callback: Callback) -> None:
    athlete_id = hooked.athlete_ids[1]
    token = hooked.issue_tokens(athlete_id)["access_token"]
    stravalib_client(hooked.base_url, token).deauthorize()
    (event,) = callback.wait_for(1)
    assert event["object_type"] == "athlete" and event["object_id"] == athlete_id
    assert event["updates"] == {"authorized": "false"}


def test_a_failed_delivery_is_retried(hooked: FakeStrava, callback: Callback) -> None:
    athlete_id = hooked.athlete_ids[0]
    hooked.issue_tokens(athlete_id)
    callback.fail_next = 1
    hooked.add_activity(athlete_id)
    assert len(callback.wait_for(1)) == 1
    assert hooked.wait_for_webhooks()
    (delivery,) = hooked.webhook_deliveries
    assert delivery.delivered and delivery.attempts == 2
