"""The hostile-input tests reuse the web tests' live server, database template and environment
(loaded from tests/web/conftest.py, not copied), and add the same environment on each database."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
for helpers in (TESTS / "web", TESTS / "domain", TESTS / "coach", TESTS.parent / "bench"):
    if str(helpers) not in sys.path:
        sys.path.insert(0, str(helpers))

_spec = importlib.util.spec_from_file_location("web_fixtures_hostile", TESTS / "web" / "conftest.py")
assert _spec is not None and _spec.loader is not None
_web_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_web_fixtures)

env = _web_fixtures.env
server = _web_fixtures.server
template_db = _web_fixtures.template_db

from sqlalchemy import Engine  # noqa: E402
from web_helpers import LiveServer, WebEnv, web_env  # noqa: E402


@pytest.fixture
def db_env(tmp_path: Path, engine: Engine, server: LiveServer) -> Iterator[WebEnv]:
    """The web app on SQLite and, when configured, on PostgreSQL (the `engine` fixture's two params)."""
    with web_env(tmp_path, server=server, engine=engine) as started:
        yield started
