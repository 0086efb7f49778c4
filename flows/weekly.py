"""Weekly flows: runners' load summaries (Monday 07:00 local) and coach digests (Monday 08:00 in
the coach's zone).

Deployed hourly over Sunday and Monday UTC (Monday 07:00 falls between Sunday 17:00 UTC in
Kiribati and Monday 19:00 UTC on Baker Island) with `local_hour` set: each run takes whoever's
clock has passed Monday `local_hour`:00 and whose message for the week just ended is not queued
yet. Without `local_hour` (by hand: `coach weekly`, `coach digest`) everybody is taken now. The
outbox key makes every rerun a no-op either way, which is what lets each step retry: the queueing
and the delivery are tasks that retry twice (after 10 s, then 60 s) when the database connection
failed, as the nightly's batches do.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from sqlalchemy.orm import Session

from coaching.runtime import Runtime
from coaching.services.claims import zone_of
from coaching.services.notify import iso_week
from coaching.services.status import summary_markdown
from coaching.services.weekly import DigestRanking, queue_coach_digests, queue_weekly_summaries, week_just_ended
from coaching.store.athletes import AthleteRepository, CoachRepository
from coaching.store.outbox import OutboxRepository
from coaching.services.run_messages import run_messages
from flows._runtime import RETRIES, build_runtime, deliver, delivery_summary, run_now

MONDAY = 0


def past_weekly_time(now: datetime, zone_name: str, local_hour: int, weekday: int = MONDAY) -> bool:
    """Has this week's `weekday` `local_hour`:00 passed on the zone's clocks?"""
    local = now.astimezone(zone_of(zone_name))
    return (local.weekday() - weekday) % 7 > 0 or local.hour >= local_hour


def _due(session: Session, recipients: list[tuple[int, str]], recipient_type: str, kind: str, now: datetime,
         local_hour: int) -> list[int]:
    """Of (id, zone) pairs: those past the hour whose message for the week just ended is not
    queued yet. One outbox query per period (at most two periods are current at any instant)."""
    periods = {recipient_id: iso_week(week_just_ended(now, zone)) for recipient_id, zone in recipients
               if past_weekly_time(now, zone, local_hour)}
    outbox = OutboxRepository(session)
    queued = {period: outbox.recipients_with(recipient_type, kind, period) for period in set(periods.values())}
    return [recipient_id for recipient_id, period in periods.items() if recipient_id not in queued[period]]


def athletes_due_summary(session: Session, now: datetime, local_hour: int) -> list[int]:
    athletes = [(a.id, a.timezone) for a in AthleteRepository(session).all()
                if a.summaries_enabled and a.unsubscribed_at is None]
    return _due(session, athletes, "athlete", "weekly_summary", now, local_hour)


def coaches_due_digest(session: Session, now: datetime, local_hour: int, coach_ids: list[int] | None = None) -> list[int]:
    coaches = [(c.id, c.timezone) for c in CoachRepository(session).all() if coach_ids is None or c.id in coach_ids]
    return _due(session, coaches, "coach", "coach_digest", now, local_hour)


@task(cache_policy=NO_CACHE, **RETRIES)
def queue_summaries(runtime: Runtime, now: datetime, local_hour: int | None) -> int:
    if local_hour is None:
        return queue_weekly_summaries(runtime, now)
    with runtime.sessions.begin() as session:
        due = athletes_due_summary(session, now, local_hour)
    return queue_weekly_summaries(runtime, now, athlete_ids=due) if due else 0


@task(cache_policy=NO_CACHE, **RETRIES)
def queue_digests(runtime: Runtime, now: datetime, coach_ids: list[int] | None,
                  local_hour: int | None) -> list[DigestRanking]:
    if local_hour is not None:
        with runtime.sessions.begin() as session:
            coach_ids = coaches_due_digest(session, now, local_hour, coach_ids)
    return queue_coach_digests(runtime, now, coach_ids) if coach_ids != [] else []


@flow(name="weekly-summaries")
def weekly_summaries(now_iso: str | None = None, local_hour: int | None = None) -> dict[str, Any]:
    now = run_now(now_iso)
    runtime = build_runtime()
    try:
        queued = queue_summaries(runtime, now, local_hour)
        delivery = deliver(runtime, now)
        summary: dict[str, Any] = {"summaries_queued": queued}
        with runtime.sessions.begin() as session:  # this run's summaries, whichever run sent them
            summary.update(run_messages(session, now, ["weekly_summary"], "athlete").as_summary(),
                           **delivery_summary(session, delivery))
        get_run_logger().info("weekly summaries: %s", summary)
        create_markdown_artifact(key="weekly-summaries", markdown=summary_markdown("Weekly summaries", summary),
                                 description="Weekly summaries run")
        return summary
    finally:
        runtime.close()


@flow(name="coach-digests")
def coach_digests(coach_ids: list[int] | None = None, now_iso: str | None = None,
                  local_hour: int | None = None) -> dict[str, Any]:
    now = run_now(now_iso)
    runtime = build_runtime()
    try:
        rankings = queue_digests(runtime, now, coach_ids, local_hour)
        delivery = deliver(runtime, now)
        for ranking in rankings:
            lines = [f"# Coach {ranking.coach_id}: athletes by risk", "", "| athlete | risk | top reason |", "|---|---|---|"]
            lines += [f"| {name} | {score} | {reason} |" for name, score, reason in ranking.rows]
            create_markdown_artifact(key=f"coach-{ranking.coach_id}-digest", markdown="\n".join(lines),
                                     description="Weekly coach digest")
        summary: dict[str, Any] = {"digests_queued": sum(r.queued for r in rankings)}
        with runtime.sessions.begin() as session:  # this run's digests, whichever run sent them
            summary.update(run_messages(session, now, ["coach_digest"], "coach").as_summary(),
                           **delivery_summary(session, delivery))
        get_run_logger().info("coach digests: %s", summary)
        create_markdown_artifact(key="coach-digests", markdown=summary_markdown("Coach digests", summary),
                                 description="Coach digests run")
        return summary
    finally:
        runtime.close()
