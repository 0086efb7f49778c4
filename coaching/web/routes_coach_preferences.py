"""A coach's digest on or off, from the signed link at the foot of every digest (no login).

Opening the link (GET) changes nothing: mail scanners and link previews open every link of an
email. The page says whether the digest is on and offers one button; the POST, carrying the signed
token, records the choice, then redirects back to the page (post/redirect/get). Mail clients'
one-click unsubscribe (RFC 8058, announced by the digest's List-Unsubscribe-Post header) POSTs
`List-Unsubscribe=One-Click` to the link itself, without a page or a cookie.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from coaching import links
from coaching.services.coach_subscription import LinkedCoach, coach_for_link, set_digest
from coaching.web.context import WebContext, web
from coaching.web.pages import FormTooLarge, first, read_form

router = APIRouter()

NOTICES = {
    "stopped": "Done: no more weekly digests. Your athletes' pages stay open to you.",
    "started": "The weekly digest is back on: the next one comes on Monday.",
}


def _bad_link(ctx: WebContext, problem: links.BadLink) -> Response:
    expired = "expired" in str(problem)
    return ctx.pages.problem(
        "This link has expired" if expired else "This link does not work",
        ("Links in the digest work for 60 days. " if expired else "It may have been cut short or changed. ")
        + "Open the link in your newest digest, or sign in to your coach page.",
        status_code=400, retry_url="/coach/signin", retry_label="Sign in",
    )


def _linked(ctx: WebContext, token: str | None) -> LinkedCoach:
    with ctx.runtime.sessions.begin() as db:
        return coach_for_link(db, ctx.runtime.settings.require_link_secret(), token, ctx.clock())


@router.get("/coach/preferences")
def coach_preferences(request: Request) -> Response:
    ctx = web(request)
    token = request.query_params.get("t")
    try:
        coach = _linked(ctx, token)
    except links.BadLink as problem:
        return _bad_link(ctx, problem)
    notices = [text for name, text in NOTICES.items() if request.query_params.get("done") == name]
    return ctx.pages.render("coach_preferences.html", coach=coach, token=token, notices=notices)


@router.post("/coach/preferences")
async def save_coach_preferences(request: Request) -> Response:
    ctx = web(request)
    try:
        form = await read_form(request)
    except FormTooLarge:
        return PlainTextResponse("form too large", status_code=413)
    one_click = first(form, "List-Unsubscribe") == "One-Click"
    # The one-click POST goes to the link itself (token in the query); the page's form sends it.
    token = request.query_params.get("t") if one_click else first(form, "t")
    choice = "stop" if one_click else first(form, "digest")

    def save() -> Response:
        try:
            coach = _linked(ctx, token)
        except links.BadLink as problem:
            return (PlainTextResponse(f"{problem}: nothing changed", status_code=400) if one_click
                    else _bad_link(ctx, problem))
        if choice not in ("stop", "start"):
            return ctx.pages.render("coach_preferences.html", 400, coach=coach, token=token, notices=[],
                                    error="Choose whether to stop or start the digest.")
        with ctx.runtime.sessions.begin() as db:
            set_digest(db, coach.id, on=choice == "start", now=ctx.clock())
        if one_click:
            return PlainTextResponse("unsubscribed: no more weekly digests will be sent")
        done = "started" if choice == "start" else "stopped"
        return RedirectResponse(f"/coach/preferences?t={quote(token or '', safe='')}&done={done}", status_code=303)

    return await run_in_threadpool(save)
