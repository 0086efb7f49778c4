"""The coach tests reuse the web tests' live server, database template and environment fixtures
(loaded from tests/web/conftest.py, not copied) and the domain tests' activity builder."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
for helpers in (TESTS / "web", TESTS / "domain"):
    if str(helpers) not in sys.path:
        sys.path.insert(0, str(helpers))

_spec = importlib.util.spec_from_file_location("web_fixtures", TESTS / "web" / "conftest.py")
assert _spec is not None and _spec.loader is not None
_web_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_web_fixtures)

env = _web_fixtures.env
server = _web_fixtures.server
template_db = _web_fixtures.template_db
