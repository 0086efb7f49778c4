"""Push subscriptions (API.md §4): one per application, verified by a GET to the callback that
must echo `hub.challenge` within 2 s; events POSTed to the callback, up to 3 attempts, from a
background thread so that the request that caused them never waits."""

from __future__ import annotations

import json
import queue
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from coaching.fake_strava import errors
from coaching.fake_strava.config import FakeStravaConfig
from coaching.fake_strava.errors import ApiError


@dataclass(frozen=True)
class Subscription:
    id: int
    callback_url: str
    created_at: str

    def doc(self, application_id: int) -> dict:
        return {
            "id": self.id,
            "resource_state": 2,
            "application_id": application_id,
            "callback_url": self.callback_url,
            "created_at": self.created_at,
            "updated_at": self.created_at,
        }


@dataclass
class Delivery:
    event: dict
    attempts: int = 0
    status: int | None = None  # the callback's last HTTP status; None when it never answered
    delivered: bool = False
    done: threading.Event = field(default_factory=threading.Event, repr=False)


def verify_callback(callback_url: str, verify_token: str, timeout_s: float) -> None:
    """Strava's validation GET; raises ApiError(400) unless the callback echoes the challenge."""
    challenge = secrets.token_urlsafe(12)
    query = urllib.parse.urlencode(
        {"hub.mode": "subscribe", "hub.verify_token": verify_token, "hub.challenge": challenge}
    )
    url = f"{callback_url}{'&' if '?' in callback_url else '?'}{query}"
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310 (local URLs)
            body = json.loads(response.read() or b"{}")
            if response.status == 200 and body.get("hub.challenge") == challenge:
                return
    except (urllib.error.URLError, OSError, ValueError, AttributeError):
        pass
    raise ApiError(400, errors.bad_request("PushSubscription", "callback url", "GET to callback URL does not return 200"))


class WebhookHub:
    """The application's subscription and the queue of events still to deliver."""

    def __init__(self, config: FakeStravaConfig, now: Callable[[], float]) -> None:
        self.config = config
        self.now = now
        self.subscription: Subscription | None = None
        self.deliveries: list[Delivery] = []
        self._queue: queue.Queue[Delivery | None] = queue.Queue()
        self._next_id = 131300  # the recorded subscription id
        self._worker: threading.Thread | None = None

    def create(self, callback_url: str) -> Subscription:
        stamp = datetime.fromtimestamp(self.now(), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.subscription = Subscription(self._next_id, callback_url, stamp)
        self._next_id += 1
        return self.subscription

    def delete(self, subscription_id: int) -> None:
        if self.subscription is None or self.subscription.id != subscription_id:
            raise ApiError(404, errors.not_found("PushSubscription"))
        self.subscription = None

    def emit(self, object_type: str, object_id: int, aspect_type: str, owner_id: int, updates: dict[str, str]) -> None:
        if self.subscription is None:
            return
        event = {
            "aspect_type": aspect_type,
            "event_time": int(self.now()),
            "object_id": object_id,
            "object_type": object_type,
            "owner_id": owner_id,
            "subscription_id": self.subscription.id,
            "updates": updates,
        }
        delivery = Delivery(event)
        self.deliveries.append(delivery)
        self._ensure_worker()
        self._queue.put(delivery)

    def stop(self) -> None:
        if self._worker is not None:
            self._queue.put(None)
            self._worker.join(timeout=5)
            self._worker = None

    def _ensure_worker(self) -> None:
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._run, name="fake-strava-webhooks", daemon=True)
            self._worker.start()

    def _run(self) -> None:
        while (delivery := self._queue.get()) is not None:
            subscription = self.subscription
            if subscription is not None:
                self._deliver(delivery, subscription.callback_url)
            delivery.done.set()

    def _deliver(self, delivery: Delivery, callback_url: str) -> None:
        body = json.dumps(delivery.event).encode()
        for attempt in range(1, self.config.webhook_attempts + 1):
            delivery.attempts = attempt
            request = urllib.request.Request(
                callback_url, data=body, method="POST", headers={"Content-Type": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=self.config.webhook_timeout_s) as response:  # noqa: S310
                    delivery.status = response.status
            except urllib.error.HTTPError as error:
                delivery.status = error.code
            except (urllib.error.URLError, OSError):
                delivery.status = None
            if delivery.status == 200:
                delivery.delivered = True
                return
            if attempt < self.config.webhook_attempts:
                time.sleep(self.config.webhook_retry_delay_s)
