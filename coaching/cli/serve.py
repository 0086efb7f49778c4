"""`coach serve`: run every deployment on its schedule on this machine, nothing to install.

Prefect's ephemeral API has no scheduler (the runner warns "Cannot schedule flows on an ephemeral
server"), so when PREFECT_API_URL is not set this starts Prefect's own server as a child process,
on SQLite in PREFECT_HOME (UI included), and stops it on exit. With PREFECT_API_URL set it serves
against that server instead (the production setup in deployments/README.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import requests
import typer

from coaching.cli import app, fail, guarded, preflight

SERVER_START_TIMEOUT_S = 120.0  # a fresh PREFECT_HOME migrates its database first (~20 s here)


def _prefect_home() -> Path:
    return Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()


@contextmanager
def embedded_prefect_server(port: int) -> Iterator[str]:
    """`prefect server start` in a child process; yields its API URL once healthy."""
    home = _prefect_home()
    home.mkdir(parents=True, exist_ok=True)
    log_path = home / "coach-serve-server.log"
    env = {**os.environ, "PREFECT_HOME": str(home)}
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    env.pop("PREFECT_API_URL", None)
    with log_path.open("ab") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, env=env,
            start_new_session=True,  # our SIGTERM/Ctrl+C stops serving first; we stop the server after
        )
    url = f"http://127.0.0.1:{port}/api"
    try:
        _wait_healthy(server, url, log_path)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_healthy(server: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"the Prefect server exited with code {server.returncode}; its log ends:\n{tail}")
        try:
            if requests.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the Prefect server did not answer at {url} within {SERVER_START_TIMEOUT_S:.0f} s")


def serve_deployments(limit: int, api_url: str | None = None) -> None:
    from prefect import serve as prefect_serve
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from deployments.definitions import runner_deployments

    if api_url is None:
        prefect_serve(*runner_deployments(), limit=limit)
        return
    os.environ["PREFECT_API_URL"] = api_url  # for the flow-run processes the runner starts
    with temporary_settings(updates={PREFECT_API_URL: api_url}):  # prefect may have read its settings already
        prefect_serve(*runner_deployments(), limit=limit)


@app.command()
def serve(
    port: int = typer.Option(4200, "--port", min=1, max=65535,
                             help="Port of the embedded Prefect server and UI (when PREFECT_API_URL is not set)."),
    limit: int = typer.Option(2, "--limit", min=1, help="At most this many flow runs at once."),
) -> None:
    """Run the nightly, weekly-summary and coach-digest deployments here, on their schedules."""
    guarded(lambda: preflight(needs_strava=True))
    if os.environ.get("PREFECT_API_URL"):
        typer.echo(f"serving the deployments against {os.environ['PREFECT_API_URL']}")
        serve_deployments(limit)
        return
    try:
        with embedded_prefect_server(port) as url:
            typer.echo(f"embedded Prefect server at {url.removesuffix('/api')} (UI), data in {_prefect_home()}")
            serve_deployments(limit, url)
    except RuntimeError as error:
        fail(str(error))
