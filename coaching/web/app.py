"""The web app: Strava connect and callback, the runner's preferences, the webhook endpoint, the
knee-pain check-in and the coach page.

`create_app(runtime)` builds it around a Runtime, so tests hand in one built on a temporary
database and the fake Strava. Everything it serves is its own (no CDN, no external fonts).
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from coaching.clock import Clock
from coaching.runtime import Runtime
from coaching.web import (
    coach_auth,
    routes_checkin,
    routes_coach,
    routes_coach_invite,
    routes_coach_preferences,
    routes_connect,
    routes_preferences,
    routes_waitlist,
    routes_webhook,
)
from coaching.web.backfill import BackfillRunner
from coaching.web.context import WebContext
from coaching.web.pages import STATIC_DIR, Pages
from coaching.web.guards import BodyLimit, CrossSiteGuard
from coaching.web.security import SECURITY_HEADERS, SecurityHeaders, Signer


def create_app(runtime: Runtime, *, clock: Clock | None = None) -> FastAPI:
    """`clock` defaults to the runtime's (the wall clock in production)."""
    clock = clock or runtime.clock
    settings = runtime.settings
    secret = settings.require_link_secret()  # fail at start-up, not at the first visitor
    settings.require_token_keys()
    settings.require_strava_app()
    context = WebContext(
        runtime=runtime,
        signer=Signer(secret, secure_cookies=urlsplit(settings.public_url).scheme == "https", clock=clock),
        pages=Pages(contact_email=settings.smtp_from_address),
        backfill=BackfillRunner(runtime, clock),
        clock=clock,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        context.backfill.shutdown()

    app = FastAPI(title="Knee coach", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.web = context
    # The last added runs first: the headers go on the guards' refusals too.
    app.add_middleware(CrossSiteGuard, public_url=settings.public_url, pages=context.pages)
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(routes_connect.router)
    app.include_router(routes_preferences.router)
    app.include_router(routes_webhook.router)
    app.include_router(routes_checkin.router)
    app.include_router(coach_auth.router)
    app.include_router(routes_coach.router)
    app.include_router(routes_coach_invite.router)
    app.include_router(routes_coach_preferences.router)
    app.include_router(routes_waitlist.router)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code == 404:
            return context.pages.problem("Page not found", "There is nothing at this address.",
                                         status_code=404, retry_url="/", retry_label="Home")
        return context.pages.problem("Something went wrong", "Please try again.",
                                     status_code=error.status_code, retry_url="/", retry_label="Home")

    @app.exception_handler(RequestValidationError)
    async def bad_address(request: Request, error: RequestValidationError) -> Response:
        # A typed path or query part that is not a number (or too large a one): the address is
        # wrong, so say so, without FastAPI's JSON that echoes what was sent.
        if any(str(part.get("loc", ("",))[0]) == "path" for part in error.errors()):
            return context.pages.problem("Page not found", "There is nothing at this address.",
                                         status_code=404, retry_url="/", retry_label="Home")
        return context.pages.problem("This address is not quite right", "Part of it is not what this page "
                                     "expects. Go back and follow the link again.", status_code=400,
                                     retry_url="/", retry_label="Home")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        # No detail: an exception's text may hold data that is not the visitor's.
        response = context.pages.problem("Something went wrong", "Please try again in a moment.",
                                         status_code=500, retry_url="/", retry_label="Home")
        # This handler runs outside the middleware (Starlette's outermost layer): add the headers here.
        response.headers.update({**SECURITY_HEADERS, "Cache-Control": "no-store"})
        return response

    return app
