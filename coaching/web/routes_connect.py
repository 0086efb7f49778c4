"""Connecting a runner: the landing page, the redirect to Strava, the OAuth callback, the back-fill's
progress (API.md §1: scopes the runner may untick, `error=access_denied`, single-use codes)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from coaching.services.app_status import app_status, remember_app_state
from coaching.services.capacity import Capacity, capacity_now, mark_joined, valid_invitation
from coaching.services.connect import NoPlaceLeft, connect_athlete
from coaching.store.models import Athlete
from coaching.strava.errors import ApplicationInactive, BadRequest, StravaError
from coaching.web.backfill import backfill_progress
from coaching.web.context import web

log = logging.getLogger(__name__)
router = APIRouter()

# The web app asks for private activities too (they are training load) and insists on it.
REQUIRED_SCOPE = "activity:read_all"


def _connecting_paused(ctx) -> bool:  # noqa: ANN001
    """Strava made the app inactive (API.md §6): its consent page would only show an error."""
    with ctx.runtime.sessions.begin() as db:
        return app_status(db, ctx.runtime.settings.strava_client_id).inactive


INVITE_COOKIE = "coach_invite"  # the waiting-list invitation a connection started with


def _capacity(ctx) -> Capacity:  # noqa: ANN001
    with ctx.runtime.sessions.begin() as db:
        return capacity_now(db, ctx.runtime.settings.strava_athlete_capacity, ctx.clock())


def _landing(ctx, request: Request, status_code: int = 200, **extra: object) -> Response:  # noqa: ANN001
    signed_in = ctx.signed_in(request)
    context = {"signed_in": signed_in is not None, "paused": _connecting_paused(ctx), "capacity": _capacity(ctx),
               "invited": False, **extra}
    return ctx.pages.render("landing.html", status_code=status_code, **context)


@router.get("/")
def landing(request: Request) -> Response:
    return _landing(web(request), request)


@router.get("/connect")
def connect(request: Request, force: int = 0) -> Response:
    """Off to Strava's consent page; `force=1` shows it again after the runner unticked a scope.
    Not while Strava keeps the app inactive, and not past the app's capacity (Strava would refuse
    the runner on its own error page): then the landing page offers the waiting list, unless the
    runner holds an invitation (`t`) or is connected already (reconnecting takes no new place)."""
    ctx = web(request)
    if _connecting_paused(ctx):
        return _landing(ctx, request, 503)
    invite = request.query_params.get("t")
    invited = valid_invitation(ctx.runtime, invite, ctx.clock()) is not None
    # `returning=1`: a connected runner signing in from another browser (checked at the callback).
    returning = request.query_params.get("returning") == "1"
    if not invited and not returning and _capacity(ctx).places_left <= 0:
        return _landing(ctx, request)
    response = RedirectResponse("/", status_code=303)
    if invited and invite:
        response.set_cookie(INVITE_COOKIE, invite, max_age=3600, httponly=True, samesite="lax",
                            secure=ctx.signer.secure_cookies)
    state = ctx.signer.new_state(response)
    response.headers["location"] = ctx.runtime.strava.authorization_url(
        ctx.runtime.settings.strava_redirect_uri, state, approval_prompt="force" if force else "auto"
    )
    return response


@router.get("/strava/callback")
def callback(request: Request) -> Response:
    ctx = web(request)
    query = request.query_params
    state = query.get("state")
    if not ctx.signer.state_ok(request, state) or not ctx.signer.spend_state(state or ""):
        # A stale tab, a replayed link or someone else's flow (CSRF): start again from our page.
        response = ctx.pages.problem(
            "Let's start that again",
            "This answer from Strava does not belong to the connection started in this browser, "
            "or it took too long. Nothing was stored.",
            retry_url="/connect",
        )
        ctx.signer.clear_state(response)
        return response
    if query.get("error"):
        reason = "access_denied" if query.get("error") == "access_denied" else "error"
        response = ctx.pages.render("denied.html", reason=reason)
        ctx.signer.clear_state(response)
        return response
    granted = {s.strip() for s in query.get("scope", "").split(",") if s.strip()}
    if REQUIRED_SCOPE not in granted:
        response = ctx.pages.render("missing_scope.html", status_code=200)
        ctx.signer.clear_state(response)
        return response
    code = query.get("code", "")
    if not code or len(code) > 200:
        return ctx.pages.problem("Strava sent no sign-in code", "Please connect again.")
    try:
        invited = valid_invitation(ctx.runtime, request.cookies.get(INVITE_COOKIE), ctx.clock())
        capacity = ctx.runtime.settings.strava_athlete_capacity

        def admit(db, strava_id: int) -> bool:  # noqa: ANN001
            known = db.query(Athlete).filter_by(strava_id=strava_id).one_or_none()
            return invited is not None or bool(known and known.connected) or \
                capacity_now(db, capacity, ctx.clock()).places_left > 0

        with ctx.runtime.sessions.begin() as db:
            connected = connect_athlete(
                db, ctx.runtime.strava, ctx.runtime.box, code=code, granted_scope=",".join(sorted(granted)),
                now=ctx.clock(),
                admit=admit,
            )
            if invited is not None:
                mark_joined(db, invited, db.get(Athlete, connected.athlete_id), ctx.clock())
    except NoPlaceLeft as refused:
        try:  # hand the grant back, so that Strava counts as many athletes as we do
            ctx.runtime.strava.disconnect(refused.access_token)
        except StravaError as error:
            log.warning("could not hand back a grant past capacity: %s", error)
        response = _landing(ctx, request)
        ctx.signer.clear_state(response)
        return response
    except ApplicationInactive:
        remember_app_state(ctx.runtime, ctx.clock())  # the landing page now says connecting is paused
        response = _landing(ctx, request, 503)
        ctx.signer.clear_state(response)
        return response
    except BadRequest:
        # The code was used already (a reload of this page) or expired.
        response = ctx.pages.problem("That sign-in has expired", "Strava's sign-in codes work once and "
                                     "only for a few minutes. Please connect again.")
        ctx.signer.clear_state(response)
        return response
    except ValueError:
        return ctx.pages.problem("Strava's answer was incomplete", "Please connect again.", status_code=502)
    except StravaError as error:
        log.warning("OAuth code exchange failed: %s", error)
        return ctx.pages.problem("Strava could not be reached", "Please try again in a few minutes.",
                                 status_code=502)
    ctx.backfill.start(connected.athlete_id)
    response = RedirectResponse("/preferences?welcome=1", status_code=303)
    ctx.signer.clear_state(response)
    response.delete_cookie(INVITE_COOKIE)
    ctx.signer.start_session(response, connected.athlete_id, connected.strava_id)
    return response


@router.get("/connect/progress")
def progress(request: Request) -> Response:
    ctx = web(request)
    signed_in = ctx.signed_in(request)
    if signed_in is None:
        return JSONResponse({"error": "not signed in"}, status_code=401)
    _, athlete = signed_in
    with ctx.runtime.sessions.begin() as db:
        state = backfill_progress(db, athlete.id, ctx.clock())
    return JSONResponse(state.as_json(running=ctx.backfill.is_running(athlete.id)))
