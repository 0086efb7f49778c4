"""Two app-wide guards in front of every route: a cap on request bodies and a refusal of form
posts made from another site.

Both are pure ASGI middleware, so they see a chunked body (no Content-Length) as it arrives and
answer before any route runs. The routes keep their own, smaller limits (a webhook event is a few
hundred bytes, a form a few kilobytes); this cap is the backstop for every route, present and future.
"""

from __future__ import annotations

import json
from typing import Awaitable, Callable
from urllib.parse import parse_qs, urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coaching.web.pages import Pages

MAX_BODY_BYTES = 65_536
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Strava posts events from its servers, and mail providers post RFC 8058 one-click unsubscribes
# (`/unsubscribe?t=...`) from theirs: neither carries a browser's cookie, so neither can be forged
# through one. Everything else that changes something is posted by our own pages. Only these paths:
# elsewhere a `t` in the query means nothing to the route, so it must not open the guard.
SERVER_TO_SERVER_PATHS = frozenset({"/strava/webhook"})
ONE_CLICK_PATHS = frozenset({"/preferences", "/unsubscribe", "/coach/preferences"})


async def _send_json(send: Send, status: int, body: dict) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": data})


class BodyLimit:
    """Read the whole body (at most `max_bytes`) before the app runs, then hand it on unchanged.
    A declared or an actual body above the cap is answered 413 without reading further."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client left: let the app see it
                await self.app(scope, _replay([], message, receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(chunks, None, receive), send)

    async def _too_large(self, send: Send) -> None:
        await _send_json(send, 413, {"error": f"request body too large: the limit is {self.max_bytes} bytes"})


def _replay(chunks: list[bytes], last: Message | None, receive: Receive) -> Callable[[], Awaitable[Message]]:
    """A `receive` that gives the buffered body in one message, then the rest of the connection."""
    first: Message = last or {"type": "http.request", "body": b"".join(chunks), "more_body": False}
    pending = [first]

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay


class CrossSiteGuard:
    """Refuse a state-changing request a browser made from another site (cross-site request
    forgery), before the form is read. The CSRF tokens in our forms stay: this also covers the
    forms that have none (coach sign-in, the check-in), and a browser too old to send Origin still
    meets the tokens. Requests without Origin or Sec-Fetch-Site are not from a browser's form."""

    def __init__(self, app: ASGIApp, *, public_url: str, pages: Pages) -> None:
        self.app = app
        parts = urlsplit(public_url)
        self.public_origin = f"{parts.scheme}://{parts.netloc}".lower()
        self.pages = pages

    def allowed(self, scope: Scope) -> bool:
        if scope["method"] not in UNSAFE_METHODS or scope["path"] in SERVER_TO_SERVER_PATHS:
            return True
        if scope["path"] in ONE_CLICK_PATHS and "t" in parse_qs(scope.get("query_string", b"").decode("latin-1")):
            return True
        headers = dict(scope.get("headers") or [])
        origin = headers.get(b"origin")
        # Our Referrer-Policy (no-referrer) makes browsers send `Origin: null` on our own form posts:
        # then, as when Origin is missing, the fetch metadata says where the form came from.
        if origin is not None and origin != b"null":
            own = f"{scope.get('scheme', 'http')}://{headers.get(b'host', b'').decode('latin-1')}".lower()
            return origin.decode("latin-1").lower() in (self.public_origin, own)
        # No Origin (some browsers leave it off same-origin posts): the fetch metadata still tells.
        return headers.get(b"sec-fetch-site", b"same-origin") in (b"same-origin", b"none")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.allowed(scope):
            await self.app(scope, receive, send)
            return
        response = self.pages.problem(
            "This form came from another site",
            "For your safety we only accept forms sent from this site's own pages. Nothing was changed. "
            "Open the page here and send it again.", status_code=403, retry_url="/", retry_label="Home")
        await response(scope, receive, send)
