"""The coach page: the roster, one athlete's page, acknowledging a finding, setting a threshold.

Every request checks the coach's session and, for an athlete, that the athlete's consent still
stands: a withdrawn consent makes the athlete's page a 404, like an athlete who never shared.
"""

from __future__ import annotations

from typing import Annotated, Callable
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from coaching.domain.thresholds import ThresholdError
from coaching.services.checkins import local_today
from coaching.services.coach_actions import acknowledge, change_threshold
from coaching.services.coaching_page import athlete_page, consent_stands, roster
from coaching.store.models import MAX_ROW_ID, Athlete, Coach
from coaching.web.coach_auth import CoachSession, cookies, signed_in_coach
from coaching.web.context import WebContext, web
from coaching.web.pages import FormTooLarge, first, read_form, row_id

router = APIRouter()
AthleteId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]  # a larger id is a 404 like any unknown one, not a database error

NOTICES = {
    "acknowledged": "Finding acknowledged: your note goes into the next digest.",
    "threshold": "Threshold saved: the next evaluation uses it.",
    "reset": "Threshold back to its default: the next evaluation uses it.",
}


def _to_signin(request: Request) -> Response:
    return RedirectResponse(f"/coach/signin?next={quote(request.url.path)}", status_code=303)


@router.get("/coach")
def coach_home(request: Request) -> Response:
    ctx = web(request)
    signed_in = signed_in_coach(ctx, request)
    if signed_in is None:
        return _to_signin(request)
    session, coach = signed_in
    with ctx.runtime.sessions.begin() as db:
        view = roster(db, coach.id)
    if view is None:  # the coach's account went while they were signed in
        return _to_signin(request)
    return ctx.pages.render("coach_roster.html", strava_data=True, coach=coach, roster=view,
                            csrf=cookies(ctx).csrf_token(session))


@router.get("/coach/athletes/{athlete_id}")
def coach_athlete(request: Request, athlete_id: AthleteId) -> Response:
    ctx = web(request)
    signed_in = signed_in_coach(ctx, request)
    if signed_in is None:
        return _to_signin(request)
    session, coach = signed_in
    notice = NOTICES.get(request.query_params.get("done", ""))
    return _athlete(ctx, session, coach, athlete_id, notices=[notice] if notice else [])


def _athlete(ctx: WebContext, session: CoachSession, coach: Coach, athlete_id: int, *, notices: list[str],
             error: str | None = None, chosen_key: str = "", typed_value: str = "", status_code: int = 200) -> Response:
    with ctx.runtime.sessions.begin() as db:
        page = athlete_page(db, coach.id, athlete_id, local_today(ctx.clock(), coach.timezone), coach.timezone)
    if page is None:
        raise HTTPException(status_code=404)
    return ctx.pages.render(
        "coach_athlete.html", status_code, strava_data=True, coach=coach, page=page,
        csrf=cookies(ctx).csrf_token(session), notices=notices, error=error, chosen_key=chosen_key,
        typed_value=typed_value,
    )


Handler = Callable[[WebContext, CoachSession, Coach, int, dict[str, list[str]]], Response]


async def _posted(request: Request, athlete_id: int, handler: Handler) -> Response:
    ctx = web(request)
    try:
        form = await read_form(request)
    except FormTooLarge:
        return PlainTextResponse("form too large", status_code=413)
    return await run_in_threadpool(_checked, ctx, request, athlete_id, form, handler)


def _checked(ctx: WebContext, request: Request, athlete_id: int, form: dict[str, list[str]],
             handler: Handler) -> Response:
    signed_in = signed_in_coach(ctx, request)
    if signed_in is None:
        return RedirectResponse(f"/coach/signin?next=/coach/athletes/{athlete_id}", status_code=303)
    session, coach = signed_in
    if not cookies(ctx).csrf_ok(session, first(form, "csrf")):
        return ctx.pages.problem("Please try that again", "The page was open too long or came from elsewhere. "
                                 "Reload it and repeat.", status_code=403, retry_url=f"/coach/athletes/{athlete_id}",
                                 retry_label="Reload")
    with ctx.runtime.sessions.begin() as db:
        if not consent_stands(db, coach.id, athlete_id):
            raise HTTPException(status_code=404)
    return handler(ctx, session, coach, athlete_id, form)


@router.post("/coach/athletes/{athlete_id}/acknowledge")
async def acknowledge_finding(request: Request, athlete_id: AthleteId) -> Response:
    return await _posted(request, athlete_id, _acknowledge)


def _acknowledge(ctx: WebContext, session: CoachSession, coach: Coach, athlete_id: int,
                 form: dict[str, list[str]]) -> Response:
    finding_id = row_id(first(form, "finding"))
    if finding_id is None:
        raise HTTPException(status_code=404)
    with ctx.runtime.sessions.begin() as db:
        stored_coach = db.get(Coach, coach.id)
        done = stored_coach is not None and acknowledge(db, stored_coach, athlete_id, finding_id,
                                                        first(form, "note"), ctx.clock()) is not None
    if not done:
        raise HTTPException(status_code=404)
    return RedirectResponse(f"/coach/athletes/{athlete_id}?done=acknowledged#finding-{finding_id}", status_code=303)


@router.post("/coach/athletes/{athlete_id}/thresholds")
async def set_threshold(request: Request, athlete_id: AthleteId) -> Response:
    return await _posted(request, athlete_id, _set_threshold)


def _set_threshold(ctx: WebContext, session: CoachSession, coach: Coach, athlete_id: int,
                   form: dict[str, list[str]]) -> Response:
    key, value = first(form, "key").strip(), first(form, "value").strip()
    reset = first(form, "action") == "reset"
    try:
        if not reset and not value:
            raise ThresholdError(f"threshold {key!r}: type the new value, or reset it to the default")
        with ctx.runtime.sessions.begin() as db:
            athlete, stored_coach = db.get(Athlete, athlete_id), db.get(Coach, coach.id)
            if athlete is None or stored_coach is None:
                raise HTTPException(status_code=404)
            change_threshold(db, stored_coach, athlete, key, None if reset else value, ctx.clock())
    except ThresholdError as problem:
        # with_overrides' own words: they name the threshold and its allowed range.
        return _athlete(ctx, session, coach, athlete_id, notices=[], error=str(problem), chosen_key=key,
                        typed_value=value, status_code=400)
    done = "reset" if reset else "threshold"
    return RedirectResponse(f"/coach/athletes/{athlete_id}?done={done}#thresholds", status_code=303)
