"""Coach sign-in: a one-time, short-lived link by email, exchanged for a signed session cookie.

The link's token is random and only its SHA-256 is stored. Opening the link (GET) changes nothing,
because mail scanners open links too: the page shows one button that POSTs the token, and that
POST spends it (once, even under a race) and starts the session. The sign-in form answers the
same words, as fast, whether or not the address is a coach's, so it tells strangers nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from sqlalchemy import delete, func, select, update
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from coaching import links
from coaching.clock import Clock
from coaching.messages.message import RenderedMessage
from coaching.messages.notifier import Channel, DeliveryError
from coaching.runtime import Runtime
from coaching.store.models import Coach, CoachSigninToken, OutboxMessage
from coaching.store.outbox import NewMessage, OutboxRepository
from coaching.web.context import WebContext, web
from coaching.web.pages import FormTooLarge, first, read_form

log = logging.getLogger(__name__)
router = APIRouter()

COACH_COOKIE = "coach_page_session"  # not the runners' "coach_session": one browser may hold both
COACH_SESSION_LIFETIME_S = 8 * 3600  # a working day
SIGNIN_LIFETIME = timedelta(minutes=15)
# Unspent links per coach at once: the public form cannot be used to flood a coach's inbox.
MAX_OPEN_LINKS = 3
SENT_BODY = "[a one-time sign-in link was sent; it is not kept]"


@dataclass(frozen=True)
class CoachSession:
    coach_id: int
    nonce: str


class CoachCookies:
    def __init__(self, secret: str, *, secure: bool, clock: Clock) -> None:
        self._secret = secret
        self._secure = secure
        self._clock = clock

    def start(self, response: Response, coach_id: int, now_s: float) -> None:
        value = links.sign(self._secret, "coach-session", f"{coach_id}:{secrets.token_urlsafe(16)}",
                           int(now_s + COACH_SESSION_LIFETIME_S))
        response.set_cookie(COACH_COOKIE, value, max_age=COACH_SESSION_LIFETIME_S, path="/", httponly=True,
                            samesite="lax", secure=self._secure)

    def read(self, request: Request) -> CoachSession | None:
        value = request.cookies.get(COACH_COOKIE)
        if not value:
            return None
        try:
            coach_text, nonce = links.verify(self._secret, "coach-session", value,
                                             self._clock().timestamp()).split(":", 1)
            return CoachSession(int(coach_text), nonce)
        except (links.BadLink, ValueError):
            return None

    def end(self, response: Response) -> None:
        response.delete_cookie(COACH_COOKIE, path="/", secure=self._secure, httponly=True, samesite="lax")

    def csrf_token(self, session: CoachSession) -> str:
        message = f"coach-csrf:{session.coach_id}:{session.nonce}".encode()
        return hmac.new(self._secret.encode(), message, hashlib.sha256).hexdigest()

    def csrf_ok(self, session: CoachSession, token: str) -> bool:
        # Bytes: compare_digest raises TypeError on non-ASCII text (a posted token may hold any).
        return bool(token) and hmac.compare_digest(self.csrf_token(session).encode(),
                                                   token.encode("utf-8", "surrogatepass"))


def cookies(ctx: WebContext) -> CoachCookies:
    return CoachCookies(ctx.runtime.settings.require_link_secret(), secure=ctx.signer.secure_cookies,
                        clock=ctx.clock)


def signed_in_coach(ctx: WebContext, request: Request) -> tuple[CoachSession, Coach] | None:
    session = cookies(ctx).read(request)
    if session is None:
        return None
    with ctx.runtime.sessions.begin() as db:
        coach = db.get(Coach, session.coach_id)
        if coach is None:
            return None
        db.expunge(coach)
    return session, coach


def safe_next(path: str | None) -> str | None:
    """Only a path on the coach pages: never another site (`//evil.example`) after signing in."""
    if not path or not path.startswith("/coach") or path.startswith("//") or "\\" in path or len(path) > 200:
        return None
    return path


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def signin_message(name: str, url: str) -> RenderedMessage:
    minutes = int(SIGNIN_LIFETIME.total_seconds() // 60)
    text = (f"Hi {name},\n\nOpen this link within {minutes} minutes to sign in to your athletes' page. "
            f"It works once:\n{url}\n\nIf you did not ask for it, ignore this email: nobody can sign in without it.\n")
    link = html.escape(url, quote=True)
    body = (f"<p>Hi {html.escape(name)},</p><p>Open this link within {minutes} minutes to sign in to your "
            f"athletes' page. It works once:</p><p><a href=\"{link}\">{link}</a></p>"
            "<p>If you did not ask for it, ignore this email: nobody can sign in without it.</p>")
    return RenderedMessage(subject="Your sign-in link for Knee coach", html=body, text=text, kind="coach_signin")


def send_at_once(runtime: Runtime, new: NewMessage, message: RenderedMessage, address: str, now: datetime,
                 *, keep_body: bool = True) -> bool:
    """Through the outbox (on record, sent once), but now: the reader is waiting for it. A failed
    send is cancelled, not retried hours later. `keep_body=False` blanks the stored body after."""
    with runtime.sessions.begin() as db:
        outbox = OutboxRepository(db)
        if not outbox.enqueue(new, now):
            return False
        message_id = db.scalar(select(OutboxMessage.id).where(
            OutboxMessage.recipient_type == new.recipient_type, OutboxMessage.recipient_id == new.recipient_id,
            OutboxMessage.kind == new.kind, OutboxMessage.period == new.period, OutboxMessage.channel == new.channel))
        if message_id is None or outbox.claim(message_id, now) is None:
            return False
    delivered = True
    try:
        runtime.notifier.send(message, Channel(address))
    except (DeliveryError, ValueError) as error:
        log.warning("%s message %s not delivered: %s", new.kind, message_id, error)
        delivered = False
    with runtime.sessions.begin() as db:
        outbox = OutboxRepository(db)
        if delivered:
            outbox.mark_sent(message_id, now)
        else:
            outbox.cancel(message_id, "not delivered at once")
        if not keep_body:
            db.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                       .values(body_text=SENT_BODY, body_html=None).execution_options(synchronize_session=False))
    return delivered


def request_signin(runtime: Runtime, email: str, next_path: str | None, now: datetime) -> bool:
    """Email a one-time link if `email` is a coach's. True when one was sent (never shown)."""
    with runtime.sessions.begin() as db:
        # Spent and expired links are of no use to anyone: drop them as new ones are asked for.
        db.execute(delete(CoachSigninToken).where(CoachSigninToken.expires_at < now - SIGNIN_LIFETIME))
        coach = db.scalar(select(Coach).where(func.lower(Coach.email) == email.strip().lower()))
        if coach is None:
            return False
        open_links = db.scalar(select(func.count()).select_from(CoachSigninToken).where(
            CoachSigninToken.coach_id == coach.id, CoachSigninToken.used_at.is_(None),
            CoachSigninToken.expires_at > now)) or 0
        if open_links >= MAX_OPEN_LINKS:
            return False
        token = secrets.token_urlsafe(32)
        token_hash = _hash(token)
        db.add(CoachSigninToken(coach_id=coach.id, token_hash=token_hash, next_path=safe_next(next_path),
                                created_at=now, expires_at=now + SIGNIN_LIFETIME))
        coach_id, name, address = coach.id, coach.name, coach.email
    url = f"{runtime.settings.public_url.rstrip('/')}/coach/signin/link?t={token}"
    message = signin_message(name, url)
    # The outbox key needs a period per link: a prefix of the (public) hash, within its 30 characters.
    new = NewMessage("coach", coach_id, "coach_signin", f"link-{token_hash[:24]}", "email", message.subject,
                     message.text, message.html)
    return send_at_once(runtime, new, message, address, now, keep_body=False)


def redeem_signin(runtime: Runtime, token: str, now: datetime) -> tuple[int, str | None] | None:
    """Spend the token: (coach id, where to go) the first time, None ever after or once expired."""
    with runtime.sessions.begin() as db:
        spent = db.execute(
            update(CoachSigninToken)
            .where(CoachSigninToken.token_hash == _hash(token), CoachSigninToken.used_at.is_(None),
                   CoachSigninToken.expires_at > now)
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        if spent.rowcount != 1:
            return None
        row = db.scalar(select(CoachSigninToken).where(CoachSigninToken.token_hash == _hash(token)))
        return (row.coach_id, row.next_path) if row is not None else None


def _expired(ctx: WebContext) -> Response:
    return ctx.pages.problem("This sign-in link no longer works", "Sign-in links work once and for "
                             f"{int(SIGNIN_LIFETIME.total_seconds() // 60)} minutes. Ask for a new one.",
                             status_code=400, retry_url="/coach/signin", retry_label="Get a new link")


@router.get("/coach/signin")
def signin_page(request: Request) -> Response:
    ctx = web(request)
    next_path = safe_next(request.query_params.get("next"))
    if signed_in_coach(ctx, request) is not None:
        return RedirectResponse(next_path or "/coach", status_code=303)
    return ctx.pages.render("coach_signin.html", next_path=next_path or "", sent=False, error=None, email="")


@router.post("/coach/signin")
async def signin_request(request: Request) -> Response:
    ctx = web(request)
    try:
        form = await read_form(request)
    except FormTooLarge:
        return PlainTextResponse("form too large", status_code=413)
    email, next_path = first(form, "email").strip(), safe_next(first(form, "next"))
    if "@" not in email or len(email) > 320:
        return ctx.pages.render("coach_signin.html", 400, next_path=next_path or "", sent=False, email=email,
                                error="Enter the email address your athletes invited you with.")
    response = ctx.pages.render("coach_signin.html", next_path=next_path or "", sent=True, error=None, email=email)
    # Sent after the answer, so that how long the answer takes does not tell a coach's address apart.
    response.background = BackgroundTask(request_signin, ctx.runtime, email, next_path, ctx.clock())
    return response


@router.get("/coach/signin/link")
def signin_link(request: Request) -> Response:
    ctx = web(request)
    token = request.query_params.get("t") or ""
    if not token or len(token) > 100:
        return _expired(ctx)
    return ctx.pages.render("coach_signin_confirm.html", token=token)


@router.post("/coach/signin/link")
async def signin_confirm(request: Request) -> Response:
    ctx = web(request)
    try:
        form = await read_form(request)
    except FormTooLarge:
        return PlainTextResponse("form too large", status_code=413)
    redeemed = await run_in_threadpool(redeem_signin, ctx.runtime, first(form, "t"), ctx.clock())
    if redeemed is None:
        return _expired(ctx)
    coach_id, next_path = redeemed
    response = RedirectResponse(next_path or "/coach", status_code=303)
    cookies(ctx).start(response, coach_id, ctx.clock().timestamp())
    return response


@router.post("/coach/signout")
async def signout(request: Request) -> Response:
    ctx = web(request)
    try:
        form = await read_form(request)
    except FormTooLarge:
        return PlainTextResponse("form too large", status_code=413)
    signed_in = await run_in_threadpool(signed_in_coach, ctx, request)
    if signed_in is not None and not cookies(ctx).csrf_ok(signed_in[0], first(form, "csrf")):
        return RedirectResponse("/coach", status_code=303)
    response = ctx.pages.render("coach_signin.html", next_path="", sent=False, error=None, email="",
                                notice="You are signed out.")
    cookies(ctx).end(response)
    return response
