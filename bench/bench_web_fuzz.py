"""A longer fuzz run against the web app's own OpenAPI schema: the README's "fuzz cases run" figure.

The same run as tests/web_hostile/test_openapi_fuzz.py (schemathesis, every operation, valid and
schema-breaking cases, a runner's and a coach's session), with more cases and a seed:

    python bench/bench_web_fuzz.py --cases 200 [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for helpers in (ROOT, ROOT / "tests" / "web", ROOT / "tests" / "domain", ROOT / "tests" / "coach",
                ROOT / "tests" / "web_hostile"):
    sys.path.insert(0, str(helpers))

from coach_helpers import squad  # noqa: E402
from openapi_fuzz import fuzz_app  # noqa: E402
from test_openapi_fuzz import fuzz_cookies  # noqa: E402
from web_helpers import web_env  # noqa: E402

from coaching.services.subscriptions import subscribe  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=200, help="cases per operation and mode (valid, invalid)")
    parser.add_argument("--seed", type=int, default=0, help="0: the tests' fixed examples; any other: random")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fuzz-") as directory, web_env(Path(directory)) as env:
        subscribe(env.runtime)
        team = squad(env)
        tally = fuzz_app(env.app, cases_per_mode=args.cases, cookies=fuzz_cookies(env, team.ann, team.coach_id),
                         path_parameters={"athlete_id": team.ann}, seed=args.seed)
    print(f"OpenAPI fuzz: {tally.cases} cases over {tally.operations} operations in "
          f"{time.perf_counter() - started:.0f} s; statuses {dict(sorted(tally.by_status.items()))}")
    for failure in sorted(set(tally.failures))[:50]:
        print("  FAILED", failure)
    print("no 5xx, no traceback, security headers on every answer" if not tally.failures else
          f"{len(tally.failures)} failures")
    return 1 if tally.failures else 0


if __name__ == "__main__":
    sys.exit(main())
