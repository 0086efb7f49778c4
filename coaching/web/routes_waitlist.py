"""The waiting list, when every place the Strava app may serve is taken (API.md §6): an email
address, confirmed by a signed link. Opening the link (GET) changes nothing (mail scanners open
every link); its button (POST) confirms."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.background import BackgroundTask

from coaching import links
from coaching.runtime import Runtime
from coaching.services.capacity import confirm, join_waiting_list
from coaching.web.choices import _is_email
from coaching.web.context import web
from coaching.web.pages import FormTooLarge, first, read_form

router = APIRouter()


def _join_and_send(runtime: Runtime, email: str, now: datetime) -> None:
    from coaching.services.notify import deliver_message

    message_id = join_waiting_list(runtime, email, now)
    if message_id is not None:
        deliver_message(runtime, message_id, now)


@router.post("/waitlist")
async def join(request: Request) -> Response:
    ctx = web(request)
    try:
        form = await read_form(request)
    except FormTooLarge:
        return PlainTextResponse("form too large", status_code=413)
    email = first(form, "email").strip()
    if len(email) > 320 or not _is_email(email):
        return ctx.pages.render("waitlist.html", 400, state="form", email=email,
                                error="That email address does not look right.")
    response = ctx.pages.render("waitlist.html", state="sent", email=email, error=None)
    # Sent after the answer: how long it takes must not tell whether the address was on the list.
    response.background = BackgroundTask(_join_and_send, ctx.runtime, email, ctx.clock())
    return response


def _bad_link(ctx, problem: links.BadLink) -> Response:  # noqa: ANN001
    expired = "expired" in str(problem)
    return ctx.pages.problem("This link has expired" if expired else "This link does not work",
                             "Confirmation links work for two days. Put your address on the list again "
                             "from the home page and use the newest email.", retry_url="/", retry_label="Home")


@router.get("/waitlist/confirm")
def confirm_page(request: Request) -> Response:
    ctx = web(request)
    token = request.query_params.get("t") or ""
    try:
        links.verify(ctx.runtime.settings.require_link_secret(), "waitlist-confirm", token, ctx.clock().timestamp())
    except links.BadLink as problem:
        return _bad_link(ctx, problem)
    return ctx.pages.render("waitlist.html", state="confirm", token=token, email="", error=None)


@router.post("/waitlist/confirm")
async def confirm_place(request: Request) -> Response:
    ctx = web(request)
    try:
        form = await read_form(request)
    except FormTooLarge:
        return PlainTextResponse("form too large", status_code=413)
    try:
        row = confirm(ctx.runtime, first(form, "t"), ctx.clock())
    except links.BadLink as problem:
        return _bad_link(ctx, problem)
    return ctx.pages.render("waitlist.html", state="confirmed", email=row.email, error=None)
