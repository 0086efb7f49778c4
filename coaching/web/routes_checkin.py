"""The knee-pain check-in behind the 0-10 scale in every alert and weekly summary (no login).

Opening a link (GET) records nothing: mail scanners and link previews open every link of an
email, and recording on GET would store whichever of the eleven scores they opened last. The
page shows the scale with the tapped score chosen and one button; the POST (with the signed
token) records it, then the answer page says what the score means for the next runs.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from coaching.services.checkins import athlete_thresholds, checkin_on, local_today, pain_guidance
from coaching.services.pain_loop import deliver_new_plan, record_and_replan
from coaching.services.notify import LINK_LIFETIME
from coaching.store.models import Athlete
from coaching.web.context import CLOCK_SKEW_S, WebContext, web
from coaching.web.pages import FormTooLarge, first, read_form

router = APIRouter()

SCORES = tuple(range(11))
SCORE_WORDS = {0: "no pain", 10: "the worst you can imagine"}


def athlete_for_checkin(ctx: WebContext, token: str | None) -> Athlete | None:
    """The athlete a check-in link names, unless it was signed before that athlete existed (after
    an erasure SQLite may give the same id to the next runner who connects)."""
    link = ctx.signer.verify_link(token, "checkin")
    if link is None:
        return None
    issued_at_s = link.expires_at_s - LINK_LIFETIME.total_seconds()
    with ctx.runtime.sessions.begin() as db:
        athlete = db.get(Athlete, link.athlete_id)
        if athlete is None or issued_at_s + CLOCK_SKEW_S < athlete.created_at.timestamp():
            return None
        db.expunge(athlete)
    return athlete


def _score(text: str | None) -> int | None:
    try:
        score = int(text or "")
    except ValueError:
        return None
    return score if 0 <= score <= 10 else None


def _expired(ctx: WebContext) -> Response:
    return ctx.pages.problem("This link has expired", "Check-in links in our emails work for 60 days. Use the "
                             "scale in a newer email.", status_code=400, retry_url=None)


@router.get("/checkin")
def checkin_page(request: Request) -> Response:
    ctx = web(request)
    token = request.query_params.get("t")
    athlete = athlete_for_checkin(ctx, token)
    if athlete is None:
        return _expired(ctx)
    with ctx.runtime.sessions.begin() as db:
        answered = checkin_on(db, athlete.id, local_today(ctx.clock(), athlete.timezone))
    return _render(ctx, athlete, token or "", _score(request.query_params.get("score")), answered)


def _render(ctx: WebContext, athlete: Athlete, token: str, chosen: int | None, answered: int | None,
            error: str | None = None, status_code: int = 200) -> Response:
    fine_up_to = athlete_thresholds(athlete).pain_reported.caution_score - 1
    return ctx.pages.render("checkin.html", status_code, first_name=athlete.first_name or "runner", token=token,
                            scores=SCORES, words=SCORE_WORDS, chosen=chosen, answered=answered, error=error,
                            fine_up_to=fine_up_to)


@router.post("/checkin")
async def save_checkin(request: Request) -> Response:
    ctx = web(request)
    try:
        form = await read_form(request)
    except FormTooLarge:
        return PlainTextResponse("form too large", status_code=413)
    token, score = first(form, "t"), _score(first(form, "score"))

    def save() -> Response:
        athlete = athlete_for_checkin(ctx, token)
        if athlete is None:
            return _expired(ctx)
        if score is None:
            return _render(ctx, athlete, token, None, None, error="Pick a number from 0 to 10.", status_code=400)
        now = ctx.clock()
        # Recorded, then re-evaluated at once and, if the plan's running mode changed, the new
        # plan queued; it is sent just after this answer.
        outcome = record_and_replan(ctx.runtime, athlete.id, score, now)
        if outcome is None:
            return _expired(ctx)
        # Post/redirect/get: reloading the answer page does not post the form again.
        return RedirectResponse(f"/checkin/saved?t={quote(token, safe='')}", status_code=303,
                                background=BackgroundTask(deliver_new_plan, ctx.runtime, outcome, now))

    return await run_in_threadpool(save)


@router.get("/checkin/saved")
def checkin_saved(request: Request) -> Response:
    ctx = web(request)
    token = request.query_params.get("t")
    athlete = athlete_for_checkin(ctx, token)
    if athlete is None:
        return _expired(ctx)
    with ctx.runtime.sessions.begin() as db:
        stored = db.get(Athlete, athlete.id)
        guidance = pain_guidance(db, stored, local_today(ctx.clock(), athlete.timezone)) if stored else None
    if guidance is None:  # nothing recorded today: back to the scale
        return RedirectResponse(f"/checkin?t={quote(token or '', safe='')}", status_code=303)
    return ctx.pages.render("checkin_saved.html", first_name=athlete.first_name or "runner", guidance=guidance,
                            token=token or "")
