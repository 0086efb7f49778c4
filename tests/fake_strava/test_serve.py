"""The long-running entry point that `coach fake-strava` and `python -m coaching.fake_strava` use."""

from __future__ import annotations

import re
import threading
import time
from datetime import date

import pytest

from coaching.fake_strava import __main__ as cli
from coaching.fake_strava import serve_forever
from coaching.fake_strava.testing import follow_authorize, stravalib_client


def test_serve_forever_prints_the_base_url_credentials_and_working_authorize_urls() -> None:
    lines: list[str] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=serve_forever,
        kwargs=dict(port=0, athletes=2, seed=42, end_date=date(2026, 11, 24), days=30, stop=stop, echo=lines.append),
    )
    thread.start()
    try:
        deadline = time.monotonic() + 5
        while sum("/oauth/authorize?" in line for line in lines) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        output = "\n".join(lines)
        base_url = re.search(r"Fake Strava at (http://127\.0\.0\.1:\d+)", output).group(1)  # type: ignore[union-attr]
        assert "client id: 1234" in output and "client secret: fake-secret" in output
        urls = re.findall(r"(http://\S+/oauth/authorize\?\S+)", output)
        query = follow_authorize(urls[1])
        access = stravalib_client(base_url).exchange_code_for_token(1234, "fake-secret", query["code"])
        assert stravalib_client(base_url, access["access_token"]).get_athlete().id
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()


def test_the_module_entry_point_passes_its_options_on(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict = {}
    monkeypatch.setattr(cli, "serve_forever", lambda *args, **kwargs: seen.update(args=args, kwargs=kwargs))
    cli.main(
        ["--port", "8123", "--athletes", "3", "--end-date", "2026-11-24", "--personas", "steady,ramp", "--latency-ms", "50"]
    )
    assert seen["args"] == (8123, 3, 42, date(2026, 11, 24))
    assert seen["kwargs"]["personas"] == ["steady", "ramp"]
    assert seen["kwargs"]["latency_s"] == pytest.approx(0.05)
