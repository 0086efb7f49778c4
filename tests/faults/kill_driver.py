"""The process the SIGKILL tests kill: a zygote that imports the pipeline once (three seconds of
stravalib, SQLAlchemy and Apprise), then forks one child per job read from stdin. Each child is a
"flow process": it builds its runtime from the job's settings and runs the nightly worker
(`run_worker`: sync, evaluate, queue alerts) or the outbox delivery (`deliver_due`). The test
kills the child with SIGKILL at a random instant, or the child kills itself at a named point
(`die_at`) to hit a window exactly.

Protocol (one line each, on stdout): `ready`, then per job `started <pid>` and
`ended <pid> <exit code>` (-9 for a SIGKILL). The children write nothing to stdout.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
from datetime import datetime
from typing import Any, Callable

from coaching.fake_strava.testing import OffsetClock


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _arm(owner: Any, name: str, nth: int, *, before: bool) -> None:
    """Make the `nth` call of `owner.name` SIGKILL this process, just before or just after it."""
    original: Callable[..., Any] = getattr(owner, name)
    calls = {"n": 0}

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if before and calls["n"] == nth:
            _die()
        value = original(*args, **kwargs)
        if not before and calls["n"] == nth:
            _die()
        return value

    setattr(owner, name, wrapper)


def _arm_named_point(point: str, nth: int) -> None:
    import coaching.services.notify as notify
    import coaching.services.sync as sync
    from coaching.messages.notifier import AppriseNotifier
    from coaching.strava.client import StravalibSource

    points: dict[str, tuple[Any, str, bool]] = {
        # A page committed, its cursor not yet.
        "sync.after_page_stored": (sync, "_store_page", False),
        # Strava answered a page; nothing of it stored.
        "sync.after_list": (StravalibSource, "list_activities", False),
        # Strava rotated the tokens; we have not stored them.
        "token.after_refresh": (StravalibSource, "refresh", False),
        # Alerts queued in the evaluation's transaction, not committed.
        "evaluate.after_queue": (notify, "queue_alert", False),
        # The row is `sending` (committed); nothing sent.
        "deliver.before_send": (AppriseNotifier, "send", True),
        # The mail server accepted it; the row still says `sending`.
        "deliver.after_send": (AppriseNotifier, "send", False),
    }
    owner, name, before = points[point]
    _arm(owner, name, nth, before=before)


def _run(job: dict[str, Any]) -> dict[str, Any]:
    from coaching.runtime import Runtime
    from coaching.services.night import NightOptions, run_worker
    from coaching.services.claims import Night
    from coaching.services.notify import deliver_due
    from coaching.services.sync import SyncPolicy
    from coaching.settings import Settings

    if job.get("die_at"):
        _arm_named_point(job["die_at"], int(job.get("nth", 1)))
    runtime = Runtime(Settings(**job["settings"]))
    now = datetime.fromisoformat(job["now"])
    try:
        if job["kind"] == "sync":
            # Leases run at the real pace from the night's instant; a rerun after a kill is told it
            # is later, as a real rerun would be once the dead worker's lease has expired.
            lease_clock = OffsetClock(now)
            lease_clock.advance(float(job.get("clock_offset_s", 0)))
            options = NightOptions(batch_size=int(job.get("batch_size", 100)), strava_threads=1,
                                   webhook_reconcile=None, policy=SyncPolicy(page_size=int(job["page_size"])))
            report = run_worker(runtime, f"kill-test:{os.getpid()}", Night.everyone(now), now, options,
                                clock=lease_clock.now)
            return {"synced": report.sync.synced, "failed": report.sync.failed,
                    "new_activities": report.sync.new_activities, "alerts_queued": report.evaluation.alerts_queued}
        delivery = deliver_due(runtime, now)
        return {"sent": delivery.sent, "failed": delivery.failed, "cancelled": delivery.cancelled}
    finally:
        runtime.close()


def _child(job: dict[str, Any]) -> int:
    os.dup2(2, 1)  # the protocol owns stdout
    try:
        result = _run(job)
    except BaseException:  # noqa: BLE001 - reported to the test through the exit code and stderr
        traceback.print_exc()
        return 1
    if job.get("result_path"):
        path = job["result_path"]
        with open(path + ".tmp", "w") as out:
            json.dump(result, out)
        os.replace(path + ".tmp", path)
    return 0


def _warm() -> None:
    """Everything a child needs, loaded once here so that a fork starts in milliseconds: the
    modules, Apprise's plugins and the compiled message templates."""
    import apprise

    import coaching.services.night  # noqa: F401
    import coaching.services.notify  # noqa: F401
    from coaching.messages.render import default_renderer

    renderer = default_renderer()
    for name in renderer.env.list_templates(filter_func=lambda name: name.endswith(".j2")):
        renderer.template(name)
    probe = apprise.Apprise()
    probe.add("mailto://127.0.0.1:25?to=warm@example.org&from=warm@example.org")
    probe.add("json://127.0.0.1:9/warm")


def main() -> None:
    _warm()
    print("ready", flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = _child(job)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        print(f"started {pid}", flush=True)
        _, status = os.waitpid(pid, 0)
        print(f"ended {pid} {os.waitstatus_to_exitcode(status)}", flush=True)


if __name__ == "__main__":
    main()
