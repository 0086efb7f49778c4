"""Strava's webhook callback (API.md §4): the validation GET, and events queued within 2 seconds.

Nothing here calls Strava: an event is checked for shape and subscription, stored, and answered.
`process_webhook_events` does the rest later. The body is never logged.
"""

from __future__ import annotations

import json
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from coaching.services.subscriptions import validation_challenge, verify_token_for
from coaching.services.webhook_receipt import BadEvent, IncomingEvent, queue_event
from coaching.web.context import WebContext, web

log = logging.getLogger(__name__)
router = APIRouter()

MAX_EVENT_BYTES = 8_192  # a real event is a few hundred bytes


@router.get("/strava/webhook")
def validate_subscription(request: Request) -> Response:
    ctx = web(request)
    expected = verify_token_for(ctx.runtime.settings.require_link_secret())
    challenge = validation_challenge(dict(request.query_params), expected)
    if challenge is None:
        return JSONResponse({"error": "verify token mismatch"}, status_code=403)
    return JSONResponse({"hub.challenge": challenge})


@router.post("/strava/webhook")
async def receive_event(request: Request) -> Response:
    ctx = web(request)
    media_type = request.headers.get("content-type", "application/json").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        return JSONResponse({"error": "an event is JSON: send it as application/json"}, status_code=415)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_EVENT_BYTES:
            return JSONResponse({"error": "event too large"}, status_code=413)
    if not body.strip():
        return JSONResponse({"error": "the body is empty: an event is a JSON object"}, status_code=400)
    try:
        event = IncomingEvent.parse(json.loads(body))
    except BadEvent as error:
        return JSONResponse({"error": str(error)}, status_code=400)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, a number too long, nested too deep
        return JSONResponse({"error": "the body is not a JSON event"}, status_code=400)
    status = await run_in_threadpool(_queue, ctx, event)
    if status == "foreign":
        # Answer 200 all the same: Strava would retry a refusal, and a prober learns nothing.
        log.warning("webhook event for subscription %s dropped: not our subscription", event.subscription_id)
    return JSONResponse({"status": status})


def _queue(ctx: WebContext, event: IncomingEvent) -> str:
    with ctx.runtime.sessions.begin() as db:
        return queue_event(db, event, ctx.clock())
