"""From a freed place to the waiting runner's invitation in their mailbox (API.md §6 capacity).

    .venv/bin/python bench/bench_waitlist_invite.py [--rounds 20] [--capacity 10]

Setup, not timed: a fake Strava, `--capacity` runners connected (the app is full), `--rounds`
confirmed runners on the waiting list, the SMTP sink. Timed, each round: a runner deletes their
account (`delete_account`: revoke on Strava, erase, invite the next) and the clock runs until the
invitation has reached the SMTP sink. Printed: the median and the slowest round, and the part spent
after the erasure (the place freed) until the mail arrived.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import coaching.services.account as account  # noqa: E402
from coaching.crypto import generate_key  # noqa: E402
from coaching.fake_strava import FakeStrava, FakeStravaConfig  # noqa: E402
from coaching.runtime import Runtime  # noqa: E402
from coaching.settings import Settings  # noqa: E402
from coaching.sinks.smtp_sink import SmtpSink  # noqa: E402
from coaching.store.db import upgrade  # noqa: E402
from coaching.store.models import WaitingRunner  # noqa: E402
from night_seed import preload  # noqa: E402

CLIENT_ID, CLIENT_SECRET = 8802, "bench-secret"
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--capacity", type=int, default=10)
    args = parser.parse_args()
    fake = FakeStrava(FakeStravaConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET),
                      now=lambda: NOW.timestamp())
    fake.seed(count=args.capacity + args.rounds, end_date=NOW.date() - timedelta(days=1), seed=9, days=7)
    workdir = Path(tempfile.mkdtemp(prefix="bench-waitlist-"))
    with fake, SmtpSink(workdir) as smtp:
        runtime = Runtime(Settings(
            database_url=f"sqlite:///{workdir / 'coach.db'}", strava_api_url=fake.base_url,
            strava_client_id=CLIENT_ID, strava_client_secret=CLIENT_SECRET, token_key=generate_key(),
            link_secret="bench", strava_athlete_capacity=args.capacity, smtp_host="127.0.0.1",
            smtp_port=smtp.port, smtp_mode="insecure"))
        upgrade(runtime.engine)
        ids = preload(runtime, fake, fake.athlete_ids[: args.capacity], NOW - timedelta(hours=1))
        with runtime.sessions.begin() as session:
            session.add_all(WaitingRunner(email=f"waiting{i}@example.org", created_at=NOW,
                                          confirmed_at=NOW + timedelta(seconds=i)) for i in range(args.rounds))
        freed_at: list[float] = []
        real_erase = account.erase_athlete

        def erase_and_note(session, athlete_id):  # noqa: ANN001, ANN202
            counts = real_erase(session, athlete_id)
            session.commit()  # the place is free from here
            freed_at.append(time.perf_counter())
            return counts

        account.erase_athlete = erase_and_note  # type: ignore[assignment]
        whole, after_freed = [], []
        print(f"capacity {args.capacity}, {args.rounds} rounds, load average {os.getloadavg()[0]:.2f}")
        for round_index in range(args.rounds):
            leaving = ids[round_index % len(ids)] if round_index < len(ids) else None
            if leaving is None:
                break
            address = f"waiting{round_index}@example.org"
            started = time.perf_counter()
            account.delete_account(runtime, leaving, NOW)
            while not any(address in mail.rcpt_tos for mail in smtp.received):
                time.sleep(0.001)
            arrived = time.perf_counter()
            whole.append(arrived - started)
            after_freed.append(arrived - freed_at[-1])
        runtime.close()
    ms = lambda values: f"median {statistics.median(values) * 1000:.1f} ms, max {max(values) * 1000:.1f} ms"  # noqa: E731
    print(f"{len(whole)} invitations: account deletion to invitation in the mailbox {ms(whole)}; "
          f"freed place to invitation in the mailbox {ms(after_freed)}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
