"""`coach web`: serve the web app (Strava connect, runners' preferences, the webhook endpoint)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from coaching.cli import app, guarded

if TYPE_CHECKING:
    from fastapi import FastAPI


@app.command()
def web(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0: every interface)."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
) -> None:
    """Serve the web app. COACH_PUBLIC_URL and COACH_STRAVA_REDIRECT_URI must say where it is reached."""
    import uvicorn

    from coaching.runtime import Runtime
    from coaching.settings import Settings
    from coaching.store.db import check_schema
    from coaching.web import create_app
    from coaching.web.security import redact_access_log

    def build() -> FastAPI:
        runtime = Runtime(Settings())
        web_app = create_app(runtime)  # checks the configuration first
        check_schema(runtime.engine)
        return web_app

    web_app = guarded(build)
    config = uvicorn.Config(web_app, host=host, port=port, proxy_headers=True, server_header=False)
    server = uvicorn.Server(config)  # configures uvicorn's loggers; the filter goes on after
    redact_access_log()
    typer.echo(f"serving on http://{host}:{port} (Ctrl+C stops)")
    server.run()
