"""Weekly flows: runners' load summaries (Monday 07:00 local) and coach digests (Monday 08:00)."""

from __future__ import annotations

from datetime import datetime, timezone

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact

from coaching.services.notify import deliver_due
from coaching.services.weekly import queue_coach_digests, queue_weekly_summaries
from flows._runtime import build_runtime


@flow(name="weekly-summaries")
def weekly_summaries(now_iso: str | None = None) -> dict:
    now = datetime.fromisoformat(now_iso) if now_iso else datetime.now(timezone.utc)
    runtime = build_runtime()
    try:
        queued = queue_weekly_summaries(runtime, now)
        delivery = deliver_due(runtime, now)
        summary = {"summaries_queued": queued, "messages_sent": delivery.sent,
                   "messages_failed": delivery.failed, "messages_cancelled": delivery.cancelled}
        get_run_logger().info("weekly summaries: %s", summary)
        return summary
    finally:
        runtime.close()


@flow(name="coach-digests")
def coach_digests(coach_ids: list[int] | None = None, now_iso: str | None = None) -> dict:
    now = datetime.fromisoformat(now_iso) if now_iso else datetime.now(timezone.utc)
    runtime = build_runtime()
    try:
        rankings = queue_coach_digests(runtime, now, coach_ids)
        delivery = deliver_due(runtime, now)
        for ranking in rankings:
            lines = [f"# Coach {ranking.coach_id}: athletes by risk", "", "| athlete | risk | top reason |", "|---|---|---|"]
            lines += [f"| {name} | {score} | {reason} |" for name, score, reason in ranking.rows]
            create_markdown_artifact(key=f"coach-{ranking.coach_id}-digest", markdown="\n".join(lines),
                                     description="Weekly coach digest")
        summary = {"digests_queued": sum(r.queued for r in rankings), "messages_sent": delivery.sent,
                   "messages_failed": delivery.failed, "messages_cancelled": delivery.cancelled}
        get_run_logger().info("coach digests: %s", summary)
        return summary
    finally:
        runtime.close()
