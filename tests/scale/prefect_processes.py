"""Child processes for the tests that run Prefect as an operator does: a server, workers, CLI
commands. Every wait is a bounded poll that fails with what the processes said."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, TypeVar

import requests

T = TypeVar("T")


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any PREFECT_/COACH_ setting (ours come from `extra`)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PREFECT_", "COACH_"))}
    env.update({"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "INFO", **extra})
    return env


class Child:
    """A process in a session of its own (so its flow-run children stop with it), output to a log."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], cwd: Path, log_dir: Path) -> None:
        self.name = name
        self.log = log_dir / f"{name}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                            start_new_session=True)

    def tail(self, chars: int = 3000) -> str:
        return f"--- {self.name} (pid {self.process.pid}) said:\n{self.log.read_text(errors='replace')[-chars:]}"

    def stop(self, timeout_s: float = 30.0) -> None:
        """SIGTERM to its own process group (it and the runs it started), SIGKILL if it lingers."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def poll(what: str, fn: Callable[[], T | None], timeout_s: float, *children: Child, every_s: float = 0.5) -> T:
    """`fn()` until it returns something truthy; an AssertionError naming `what` and showing each
    child's output after `timeout_s` (or as soon as a child has died)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            value = fn()
            if value:
                return value
        except requests.RequestException:
            pass  # the server is starting, or busy: ask again
        dead = [child for child in children if child.process.poll() is not None]
        if dead or time.monotonic() > deadline:
            why = f"{', '.join(c.name for c in dead)} exited" if dead else f"{timeout_s:.0f} s passed"
            raise AssertionError(f"waiting for {what}: {why}\n" + "\n".join(c.tail() for c in children))
        time.sleep(every_s)


def start_server(home: Path, port: int, log_dir: Path) -> tuple[Child, str]:
    """`prefect server start` on SQLite in `home`; returns it and its API URL once healthy."""
    server = Child("prefect-server", [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                      "--port", str(port)],
                   clean_env(PREFECT_HOME=str(home), PREFECT_SERVER_LOGGING_LEVEL="WARNING"), home, log_dir)
    api = f"http://127.0.0.1:{port}/api"
    poll("the Prefect server to answer", lambda: requests.get(f"{api}/health", timeout=2).status_code == 200,
         120, server)
    return server, api


def prefect_cli(args: list[str], env: dict[str, str], cwd: Path, timeout_s: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "prefect", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=timeout_s)


def api_call(method: str, url: str, **kwargs: Any) -> Any:
    """One API call; None when SQLite-backed Prefect answers a busy moment with an error (poll again)."""
    response = requests.request(method, url, timeout=10, **kwargs)
    return response.json() if response.status_code < 300 else None
