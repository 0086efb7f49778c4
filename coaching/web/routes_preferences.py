"""The runner's own page: choices, a test message, one-click stop, download and delete.

Reached from the OAuth callback (session cookie) or from the signed link in every email, which
becomes a session and is then dropped from the address bar. Mail providers' one-click unsubscribe
(RFC 8058) POSTs `List-Unsubscribe=One-Click` to that same signed link, with no cookie at all.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Callable

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from coaching.services.account import delete_account, export_athlete, unsubscribe_everything
from coaching.store.models import Athlete
from coaching.web.backfill import backfill_progress
from coaching.web.choices import InvalidChoice, apply_choices, coach_options, parse_choices, time_zones
from coaching.web.context import WebContext, web
from coaching.web.pages import FormTooLarge, first, read_form
from coaching.web.security import WebSession
from coaching.web.test_message import send_test_messages

router = APIRouter()

NOTICES = {
    "saved": "Your choices are saved.",
    "stopped": "Done: you will get no more messages. You can start them again below.",
    "resumed": "Messages are back on.",
    "welcome": "You're connected. We are reading your training history from Strava now.",
}
TEST_NOTICES = {
    "email-sent": "Test email sent: check your inbox.",
    "email-failed": "The test email could not be delivered. Check the address.",
    "push-sent": "Test push message sent.",
    "push-failed": "The test push message could not be delivered. Check the push URL.",
    "none": "Switch on email or push messages (and save) first.",
}


def _signed_out(ctx: WebContext) -> Response:
    return ctx.pages.problem(
        "Please sign in again",
        "Open the preferences link in your latest email from us, or connect with Strava again.",
        status_code=401, retry_label="Connect with Strava",
    )


@router.get("/preferences")
@router.get("/unsubscribe")
def preferences_page(request: Request) -> Response:
    ctx = web(request)
    token = request.query_params.get("t")
    if token is not None:
        linked = ctx.athlete_for_link(token)
        if linked is None:
            return ctx.pages.problem("This link has expired", "Links in our emails work for 60 days. "
                                     "Open a newer email, or connect with Strava again.", status_code=400)
        response = RedirectResponse("/preferences", status_code=303)
        ctx.signer.start_session(response, linked.id, linked.strava_id)
        return response
    signed_in = ctx.signed_in(request)
    if signed_in is None:
        return _signed_out(ctx)
    session, athlete = signed_in
    notices = [NOTICES[name] for name in NOTICES if request.query_params.get(name)]
    notices += [TEST_NOTICES[c] for c in request.query_params.get("test", "").split(",") if c in TEST_NOTICES]
    return _render(ctx, session, athlete, notices=notices)


def _render(ctx: WebContext, session: WebSession, athlete: Athlete, *, notices: tuple[str, ...] | list[str] = (),
            error: str | None = None, status_code: int = 200) -> Response:
    with ctx.runtime.sessions.begin() as db:
        progress = backfill_progress(db, athlete.id, ctx.clock())
        coaches = coach_options(db, athlete.id)
    return ctx.pages.render(
        "preferences.html", status_code, strava_data=True, athlete=athlete, csrf=ctx.signer.csrf_token(session),
        progress=progress.as_json(running=ctx.backfill.is_running(athlete.id)), coaches=coaches,
        time_zones=time_zones(), push_is_set=athlete.push_url_encrypted is not None, notices=list(notices),
        error=error,
    )


Handler = Callable[[WebContext, WebSession, Athlete, dict[str, list[str]]], Response]


async def _posted(request: Request, handler: Handler) -> Response:
    """Read the form on the event loop, then check the session and CSRF token and run the handler
    in a worker thread (it talks to the database, and maybe to Strava or a mail server)."""
    ctx = web(request)
    try:
        form = await read_form(request)
    except FormTooLarge:
        return PlainTextResponse("form too large", status_code=413)
    return await run_in_threadpool(_checked, ctx, request, form, handler)


def _checked(ctx: WebContext, request: Request, form: dict[str, list[str]], handler: Handler) -> Response:
    signed_in = ctx.signed_in(request)
    if signed_in is None:
        return _signed_out(ctx)
    session, athlete = signed_in
    if not ctx.signer.csrf_ok(session, first(form, "csrf")):
        return ctx.pages.problem("Please try that again", "The page was open too long or came from "
                                 "elsewhere. Reload it and repeat.", status_code=403, retry_url="/preferences",
                                 retry_label="Reload")
    return handler(ctx, session, athlete, form)


@router.post("/preferences")
@router.post("/unsubscribe")
async def save_preferences(request: Request) -> Response:
    token = request.query_params.get("t")
    if token is not None:
        return await _one_click_unsubscribe(request, web(request), token)
    return await _posted(request, _save)


def _save(ctx: WebContext, session: WebSession, athlete: Athlete, form: dict[str, list[str]]) -> Response:
    try:
        choices = parse_choices(form, allow_private_push=ctx.runs_locally)
        with ctx.runtime.sessions.begin() as db:
            stored = db.get(Athlete, athlete.id)
            assert stored is not None
            apply_choices(db, ctx.runtime.box, stored, choices, ctx.clock())
    except InvalidChoice as problem:
        return _render(ctx, session, athlete, error=str(problem), status_code=400)
    return RedirectResponse("/preferences?saved=1", status_code=303)


async def _one_click_unsubscribe(request: Request, ctx: WebContext, token: str) -> Response:
    try:
        form = await read_form(request)
    except FormTooLarge:
        return PlainTextResponse("form too large", status_code=413)
    if first(form, "List-Unsubscribe") != "One-Click":
        return PlainTextResponse("not a valid one-click unsubscribe request", status_code=400)

    def unsubscribe() -> bool:
        linked = ctx.athlete_for_link(token)
        if linked is None:
            return False
        with ctx.runtime.sessions.begin() as db:
            unsubscribe_everything(db, linked.id, ctx.clock())
        return True

    if not await run_in_threadpool(unsubscribe):
        return PlainTextResponse("this link has expired", status_code=400)
    return PlainTextResponse("unsubscribed: no more messages will be sent")


@router.post("/preferences/stop")
async def stop_messages(request: Request) -> Response:
    return await _posted(request, _stop)


def _stop(ctx: WebContext, session: WebSession, athlete: Athlete, form: dict[str, list[str]]) -> Response:
    with ctx.runtime.sessions.begin() as db:
        unsubscribe_everything(db, athlete.id, ctx.clock())
    return RedirectResponse("/preferences?stopped=1", status_code=303)


@router.post("/preferences/resume")
async def resume_messages(request: Request) -> Response:
    return await _posted(request, _resume)


def _resume(ctx: WebContext, session: WebSession, athlete: Athlete, form: dict[str, list[str]]) -> Response:
    with ctx.runtime.sessions.begin() as db:
        stored = db.get(Athlete, athlete.id)
        if stored is not None:
            stored.unsubscribed_at = None
    return RedirectResponse("/preferences?resumed=1", status_code=303)


@router.post("/preferences/test")
async def send_test(request: Request) -> Response:
    return await _posted(request, _test)


def _test(ctx: WebContext, session: WebSession, athlete: Athlete, form: dict[str, list[str]]) -> Response:
    results = send_test_messages(ctx.runtime, athlete.id, ctx.clock())
    codes = [f"{r.channel}-{'sent' if r.delivered else 'failed'}" for r in results] or ["none"]
    return RedirectResponse(f"/preferences?test={','.join(codes)}", status_code=303)


@router.get("/preferences/export")
def export(request: Request) -> Response:
    ctx = web(request)
    signed_in = ctx.signed_in(request)
    if signed_in is None:
        return _signed_out(ctx)
    _, athlete = signed_in
    now: datetime = ctx.clock()
    with ctx.runtime.sessions.begin() as db:
        data = export_athlete(db, athlete.id, now)
    return Response(
        json.dumps(data, indent=2, ensure_ascii=False, default=str),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="knee-coach-data-{now:%Y%m%d}.json"'},
    )


@router.post("/preferences/delete")
async def delete(request: Request) -> Response:
    return await _posted(request, _delete)


def _delete(ctx: WebContext, session: WebSession, athlete: Athlete, form: dict[str, list[str]]) -> Response:
    if first(form, "confirm") != "yes":
        return _render(ctx, session, athlete, error="Tick the box to confirm that everything should be deleted.",
                       status_code=400)
    result = delete_account(ctx.runtime, athlete.id, ctx.clock())
    response = ctx.pages.render("deleted.html", deauthorized=result.deauthorized)
    ctx.signer.end_session(response)
    return response
