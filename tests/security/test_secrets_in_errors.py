"""No error, repr or DEBUG log line carries a secret: Strava's client secret and tokens, the SMTP
password, a push URL's credentials, the encryption key, the link secret. Each failure below is
provoked for real (over HTTP, SMTP) and its whole exception chain is searched."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterator

import pytest

from coaching.crypto import SecretBox, generate_key
from coaching.fake_strava import FakeStrava, FakeStravaConfig
from coaching.messages.message import RenderedMessage
from coaching.messages.notifier import AppriseNotifier, Channel, DeliveryError, SmtpSettings
from coaching.runtime import Runtime
from coaching.settings import Settings
from coaching.sinks.smtp_sink import SmtpSink
from coaching.store.tokens import StoredTokens
from coaching.strava.client import StravalibSource, TokenGrant
from coaching.strava.errors import AuthRevoked, BadRequest, RefreshTokenRejected, StravaUnavailable
from tests.faults.fault_env import free_port
from tests.clock import make_clock
from tests.security.planted import Secrets, planted

CLIENT_ID = 8080
DEBUG_LOGGERS = ("", "apprise", "urllib3", "requests", "stravalib", "coaching", "mail.log", "sqlalchemy.engine")


@pytest.fixture
def secrets() -> Secrets:
    return Secrets()


@pytest.fixture
def fake(secrets: Secrets) -> Iterator[FakeStrava]:
    config = FakeStravaConfig(client_id=CLIENT_ID, client_secret=secrets.add("client secret", planted("client")),
                              timeout_fault_s=0.6)
    fake = FakeStrava(config, now=make_clock())
    fake.seed(count=1, days=14, seed=3)
    with fake:
        yield fake


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    for name in DEBUG_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name or None)
    return caplog


def _chain(error: BaseException) -> str:
    """Everything an exception would print: messages, args, causes and contexts."""
    return "".join(traceback.format_exception(error)) + repr(error) + repr(error.args)


def _source(fake: FakeStrava, secret: str) -> StravalibSource:
    return StravalibSource(client_id=CLIENT_ID, client_secret=secret, api_url=fake.base_url, timeout_s=0.3)


def test_every_strava_failure_s_exception_chain_and_debug_log_is_free_of_secrets(fake, secrets, debug_logs):
    source = _source(fake, secrets.values["client secret"])
    strava_id = fake.athlete_ids[0]
    grant = fake.issue_tokens(strava_id)
    access = secrets.add("access token", grant["access_token"])
    secrets.add("refresh token", grant["refresh_token"])
    dead = secrets.add("rotated-away refresh token", planted("refresh"))
    errors: list[BaseException] = []

    def failing(call: Callable[[], object], expected: type[BaseException]) -> None:
        with pytest.raises(expected) as raised:
            call()
        errors.append(raised.value)

    failing(lambda: source.refresh(dead), RefreshTokenRejected)
    failing(lambda: source.exchange_code(secrets.add("spent code", planted("code"))), BadRequest)
    failing(lambda: _source(fake, secrets.add("wrong client secret", planted("wrong"))).refresh(grant["refresh_token"]),
            BadRequest)
    fake.inject_fault(r"/athlete/activities", kind="timeout")
    failing(lambda: source.list_activities(access), StravaUnavailable)
    fake.inject_fault(r"/athlete/activities", kind="truncated")
    failing(lambda: source.list_activities(access), StravaUnavailable)
    fake.revoke_athlete(strava_id)
    failing(lambda: source.list_activities(access), AuthRevoked)
    # /oauth/revoke authenticates the client with HTTP Basic: a wrong secret must not leak either.
    failing(lambda: _source(fake, secrets.values["wrong client secret"]).disconnect(access), AuthRevoked)

    hits = [hit for error in errors for hit in secrets.found_in(_chain(error), type(error).__name__)]
    hits += secrets.found_in(debug_logs.text, "DEBUG log")
    assert hits == []
    assert len(errors) == 7 and "urllib3" in {record.name.split(".")[0] for record in debug_logs.records}


def test_smtp_and_push_failures_and_their_debug_logs_are_free_of_passwords(tmp_path, secrets, debug_logs):
    password = secrets.add("SMTP password", planted("smtp"))
    wrong = secrets.add("wrong SMTP password", planted("smtp-wrong"))
    push_password = secrets.add("push URL password", planted("push"))
    message = RenderedMessage(kind="alert", subject="Knee check", html="<p>Hello</p>", text="Hello",
                              push_title="Knee check", push_body="Hello")
    errors: list[BaseException] = []
    port = free_port()

    def notifier(secret: str) -> AppriseNotifier:
        return AppriseNotifier(SmtpSettings(host="127.0.0.1", port=port, from_address="coach@example.org",
                                            username="coach", password=secret, mode="insecure", connect_timeout_s=2))

    with SmtpSink(tmp_path, port=port, credentials=("coach", password)) as smtp:
        notifier(password).send(message, Channel("ana@example.org"))
        with pytest.raises(DeliveryError) as refused:
            notifier(wrong).send(message, Channel("ana@example.org"))
        errors.append(refused.value)
    with pytest.raises(DeliveryError) as unreachable:  # the SMTP server is gone
        notifier(password).send(message, Channel("ana@example.org"))
    errors.append(unreachable.value)
    with pytest.raises(DeliveryError) as push_refused:
        AppriseNotifier().send(message, Channel(f"json://user:{push_password}@127.0.0.1:9/push"))
    errors.append(push_refused.value)

    assert len(smtp.received) == 1 and "apprise" in {record.name for record in debug_logs.records}
    hits = [hit for error in errors for hit in secrets.found_in(_chain(error), type(error).__name__)]
    hits += secrets.found_in(debug_logs.text, "DEBUG log")
    assert hits == []


def test_reprs_and_configuration_errors_show_no_secret(tmp_path, secrets):
    key = secrets.add("token key", generate_key())
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'coach.db'}", strava_client_id=CLIENT_ID,
        strava_client_secret=secrets.add("client secret", planted("client")), token_key=key,
        link_secret=secrets.add("link secret", planted("link")), smtp_username="coach",
        smtp_password=secrets.add("SMTP password", planted("smtp")), smtp_mode="insecure",
    )
    runtime = Runtime(settings)
    box = runtime.box
    stored = StoredTokens(access_token=secrets.add("access token", planted("access")),
                          refresh_token=secrets.add("refresh token", planted("refresh")), expires_at=1, scopes="read",
                          version=1)
    push_url = f"ntfy://user:{secrets.add('push URL password', planted('push'))}@ntfy.example.org/topic"
    shown = [repr(settings), str(settings), repr(runtime), repr(runtime.strava), repr(runtime.notifier),
             repr(SmtpSettings(host="h", port=25, from_address="a@example.org", username="u",
                               password=secrets.values["SMTP password"])),
             repr(Channel(push_url)), repr(stored), repr(TokenGrant(stored.access_token, stored.refresh_token, 1)),
             repr(box), box.encrypt(push_url)]
    with pytest.raises(ValueError) as bad_key:
        SecretBox([key[:-4]])
    with pytest.raises(ValueError) as wrong_key:
        SecretBox([generate_key()]).decrypt(box.encrypt(push_url))
    shown += [_chain(bad_key.value), _chain(wrong_key.value)]
    runtime.close()
    hits = [hit for text in shown for hit in secrets.found_in(text, "repr or error")]
    assert hits == []
