"""Oversized request bodies on every POST route, declared or chunked without a Content-Length:
answered 413 with a clear message before any route reads them, and nothing stored."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import pytest
from hostile_web import assert_clean_refusal, nothing_stored
from web_helpers import WebEnv

from coaching.services.subscriptions import subscribe
from coaching.web.guards import MAX_BODY_BYTES, BodyLimit


def post_paths(env: WebEnv) -> list[str]:
    """Every POST route of the app (present and future), its path parameters filled in."""
    paths = [re.sub(r"\{[^}]+\}", "1", path) for path, operations in env.app.openapi()["paths"].items()
             if "post" in operations]
    assert len(paths) >= 13
    return sorted(set(paths))


def _chunks(total: int, size: int = 4_096) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        sent += piece
        yield b"a" * piece


def test_every_post_route_refuses_a_body_over_the_app_wide_limit_declared_or_chunked(env: WebEnv) -> None:
    subscribe(env.runtime)
    with nothing_stored(env), env.client() as client:
        for path in post_paths(env):
            declared = client.post(path, content=b"a=" + b"b" * MAX_BODY_BYTES,
                                   headers={"content-type": "application/x-www-form-urlencoded"})
            chunked = client.post(path, content=_chunks(MAX_BODY_BYTES + 1),
                                  headers={"content-type": "application/x-www-form-urlencoded"})
            assert "content-length" not in chunked.request.headers
            for answer in (declared, chunked):
                assert answer.status_code == 413, (path, answer.status_code)
                assert_clean_refusal(answer, json_error=True)
                assert answer.json() == {"error": f"request body too large: the limit is {MAX_BODY_BYTES} bytes"}


def test_every_post_route_also_keeps_its_own_smaller_limit(env: WebEnv) -> None:
    subscribe(env.runtime)
    with nothing_stored(env), env.client() as client:
        for path in post_paths(env):
            content_type = "application/json" if path == "/strava/webhook" else "application/x-www-form-urlencoded"
            answer = client.post(path, content=_chunks(20_000), headers={"content-type": content_type})
            assert answer.status_code == 413, path
            assert_clean_refusal(answer)
            assert "too large" in answer.text


def test_a_huge_declared_body_is_refused_without_being_read(env: WebEnv) -> None:
    with env.client() as client:
        answer = client.post("/coach/signin", content=_chunks(50 * 1024 * 1024, 65_536),
                             headers={"content-length": str(50 * 1024 * 1024)})
    assert answer.status_code == 413


# The middleware on its own, around an app that echoes what it received --------------------------

async def _echo(scope: dict, receive, send) -> None:  # type: ignore[no-untyped-def]
    body = b""
    while True:
        message = await receive()
        if message["type"] != "http.request":
            body = b"<" + message["type"].encode() + b">"
            break
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def _call(messages: list[dict], headers: list[tuple[bytes, bytes]] | None = None) -> tuple[int, bytes, int]:
    """(status, body, how many messages the middleware took from the client)."""
    taken = 0
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal taken
        taken += 1
        return messages[taken - 1] if taken <= len(messages) else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers or []}
    asyncio.run(BodyLimit(_echo, max_bytes=10)(scope, receive, send))
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], body, taken


def _part(body: bytes, more: bool) -> dict:
    return {"type": "http.request", "body": body, "more_body": more}


def test_the_body_limit_hands_on_a_body_at_the_limit_unchanged_in_chunks() -> None:
    assert _call([_part(b"abc", True), _part(b"", True), _part(b"defghij", False)]) == (200, b"abcdefghij", 3)
    assert _call([_part(b"", False)]) == (200, b"", 1)


@pytest.mark.parametrize("parts", [[(b"abcdefghijk", False)], [(b"abcdef", True), (b"ghijk", True), (b"z", False)]])
def test_the_body_limit_stops_reading_at_the_first_byte_over(parts: list[tuple[bytes, bool]]) -> None:
    status, body, taken = _call([_part(b, more) for b, more in parts])
    assert status == 413 and b"the limit is 10 bytes" in body
    assert taken == (1 if len(parts) == 1 else 2)


def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    status, _, taken = _call([_part(b"x", False)], headers=[(b"content-length", b"11")])
    assert (status, taken) == (413, 0)


def test_a_client_that_leaves_mid_body_is_passed_on_as_gone() -> None:
    assert _call([_part(b"abc", True)]) == (200, b"<http.disconnect>", 2)
