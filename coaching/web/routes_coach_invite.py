"""The runner's side of coaching: invite a coach by email, or stop sharing with one, any time.

Reached from the runner's session (the preferences page's cookie). An invitation grants consent
at once and emails the coach a link to the sign-in page; it never tells the runner anything about
the coach's account, and coaches' addresses are never shown back to runners.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from coaching.messages.message import RenderedMessage
from coaching.messages.notifier import Channel
from coaching.runtime import Runtime
from coaching.store.athletes import CoachRepository
from coaching.store.models import Athlete, Coach, CoachAthlete, OutboxMessage
from coaching.store.outbox import NewMessage
from coaching.web.coach_auth import send_at_once
from coaching.web.context import WebContext, web
from coaching.web.pages import FormTooLarge, first, read_form, row_id
from coaching.web.security import WebSession

router = APIRouter()

# New coaches a runner may invite a day: the form must not become a way to send mail to anyone.
MAX_INVITES_PER_DAY = 5
NOTICES = {
    "invited": "Invitation sent: your coach can now see your findings.",
    "withdrawn": "Done: that coach no longer sees anything about you.",
}


class InviteError(ValueError):
    """Shown to the runner as is."""


@dataclass(frozen=True)
class SharedWith:
    coach_id: int
    name: str
    since: str


def shared_with(session: Session, athlete_id: int) -> list[SharedWith]:
    rows = session.execute(
        select(Coach, CoachAthlete).join(CoachAthlete, CoachAthlete.coach_id == Coach.id)
        .where(CoachAthlete.athlete_id == athlete_id, CoachAthlete.consented_at.is_not(None),
               CoachAthlete.withdrawn_at.is_(None))
        .order_by(Coach.name)
    )
    return [SharedWith(coach.id, coach.name, f"{link.consented_at:%d %b %Y}") for coach, link in rows]


def invitation(runner: str, coach: str, url: str) -> RenderedMessage:
    text = (f"Hi {coach},\n\n{runner} shares their training findings with you on Knee coach: load spikes, "
            f"knee-pain check-ins and what to change. Sign in with this email address to see them:\n{url}\n\n"
            f"{runner} can stop sharing at any time.\n")
    link = html.escape(url, quote=True)
    body = (f"<p>Hi {html.escape(coach)},</p><p>{html.escape(runner)} shares their training findings with you on "
            "Knee coach: load spikes, knee-pain check-ins and what to change. Sign in with this email address "
            f"to see them:</p><p><a href=\"{link}\">{link}</a></p><p>{html.escape(runner)} can stop sharing at "
            "any time.</p>")
    return RenderedMessage(subject=f"{runner} shares their training with you", html=body, text=text,
                           kind="coach_invite")


def invite_coach(runtime: Runtime, athlete_id: int, name: str, email: str, now: datetime) -> None:
    name, email = " ".join(name.split())[:200], email.strip()
    if not name:
        raise InviteError("Give your coach's name.")
    if len(email) > 320 or not _is_email(email):
        raise InviteError("The coach's email address does not look right.")
    period = f"athlete-{athlete_id}"  # one invitation per runner and coach, however often they click
    with runtime.sessions.begin() as db:
        athlete = db.get(Athlete, athlete_id)
        if athlete is None:
            raise InviteError("Please sign in again.")
        recent = db.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.kind == "coach_invite", OutboxMessage.period == period,
            OutboxMessage.created_at > now - timedelta(days=1))) or 0
        coach = db.scalar(select(Coach).where(func.lower(Coach.email) == email.lower()))
        if coach is None:
            if recent >= MAX_INVITES_PER_DAY:
                raise InviteError("You have invited several coaches today: please try again tomorrow.")
            coach = Coach(name=name, email=email, timezone=athlete.timezone, created_at=now)
            db.add(coach)
            db.flush()
        CoachRepository(db).grant_consent(coach.id, athlete_id, now)
        coach_id, coach_name, address, runner = coach.id, coach.name, coach.email, athlete.display_name
    url = f"{runtime.settings.public_url.rstrip('/')}/coach/signin?next=/coach/athletes/{athlete_id}"
    message = invitation(runner, coach_name, url)
    send_at_once(runtime, NewMessage("coach", coach_id, "coach_invite", period, "email", message.subject,
                                     message.text, message.html), message, address, now)


def _is_email(text: str) -> bool:
    try:
        return Channel(text).is_email_address
    except ValueError:
        return False


@router.get("/preferences/coaches")
def coaches_page(request: Request) -> Response:
    ctx = web(request)
    signed_in = ctx.signed_in(request)
    if signed_in is None:
        return _signed_out(ctx)
    session, athlete = signed_in
    notice = NOTICES.get(request.query_params.get("done", ""))
    return _render(ctx, session, athlete, notices=[notice] if notice else [])


def _render(ctx: WebContext, session: WebSession, athlete: Athlete, *, notices: list[str], error: str | None = None,
            coach_name: str = "", coach_email: str = "", status_code: int = 200) -> Response:
    with ctx.runtime.sessions.begin() as db:
        coaches = shared_with(db, athlete.id)
    return ctx.pages.render("coach_invite.html", status_code, athlete=athlete, coaches=coaches, notices=notices,
                            error=error, coach_name=coach_name, coach_email=coach_email,
                            csrf=ctx.signer.csrf_token(session))


def _signed_out(ctx: WebContext) -> Response:
    return ctx.pages.problem("Please sign in again", "Open the preferences link in your latest email from us, "
                             "or connect with Strava again.", status_code=401, retry_label="Connect with Strava")


Handler = Callable[[WebContext, WebSession, Athlete, dict[str, list[str]]], Response]


async def _posted(request: Request, handler: Handler) -> Response:
    ctx = web(request)
    try:
        form = await read_form(request)
    except FormTooLarge:
        return PlainTextResponse("form too large", status_code=413)

    def checked() -> Response:
        signed_in = ctx.signed_in(request)
        if signed_in is None:
            return _signed_out(ctx)
        session, athlete = signed_in
        if not ctx.signer.csrf_ok(session, first(form, "csrf")):
            return ctx.pages.problem("Please try that again", "The page was open too long or came from elsewhere. "
                                     "Reload it and repeat.", status_code=403, retry_url="/preferences/coaches",
                                     retry_label="Reload")
        return handler(ctx, session, athlete, form)

    return await run_in_threadpool(checked)


@router.post("/preferences/coaches/invite")
async def invite(request: Request) -> Response:
    return await _posted(request, _invite)


def _invite(ctx: WebContext, session: WebSession, athlete: Athlete, form: dict[str, list[str]]) -> Response:
    name, email = first(form, "name"), first(form, "email")
    try:
        invite_coach(ctx.runtime, athlete.id, name, email, ctx.clock())
    except InviteError as problem:
        return _render(ctx, session, athlete, notices=[], error=str(problem), coach_name=name, coach_email=email,
                       status_code=400)
    return RedirectResponse("/preferences/coaches?done=invited", status_code=303)


@router.post("/preferences/coaches/withdraw")
async def withdraw(request: Request) -> Response:
    return await _posted(request, _withdraw)


def _withdraw(ctx: WebContext, session: WebSession, athlete: Athlete, form: dict[str, list[str]]) -> Response:
    coach_id = row_id(first(form, "coach"))
    if coach_id is None:
        return RedirectResponse("/preferences/coaches", status_code=303)
    with ctx.runtime.sessions.begin() as db:
        CoachRepository(db).withdraw_consent(coach_id, athlete.id, ctx.clock())
    return RedirectResponse("/preferences/coaches?done=withdrawn", status_code=303)
