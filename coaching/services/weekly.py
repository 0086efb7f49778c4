"""Weekly messages: every runner's summary and every coach's digest, keyed by ISO week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from coaching import links
from coaching.domain.summary import next_week_guidance, weekly_summary
from coaching.domain.thresholds import DEFAULT_THRESHOLDS
from coaching.messages.render import render_coach_digest, render_weekly_summary
from coaching.messages.views import DigestAthlete, coach_digest_view, weekly_summary_view
from coaching.runtime import Runtime
from coaching.services.notify import LINK_LIFETIME, _channels, _queue, iso_week, recipient_for
from coaching.store.activities import ActivityRepository
from coaching.store.athletes import AthleteRepository, CoachRepository
from coaching.store.findings import FindingRepository, to_domain_finding
from coaching.store.outbox import OutboxRepository

# 12 weekly bars plus the 30 days before them for the long-run budget.
SUMMARY_HISTORY_DAYS = 12 * 7 + 31


@dataclass(frozen=True)
class DigestRanking:
    coach_id: int
    queued: int
    rows: list[tuple[str, str, str]]  # name, risk score, top reason


def week_just_ended(now_utc: datetime, tz_name: str) -> date:
    """The Monday of the last complete Monday-Sunday week in that zone."""
    try:
        today = now_utc.astimezone(ZoneInfo(tz_name)).date()
    except Exception:
        today = now_utc.date()
    return today - timedelta(days=today.weekday() + 7)


def queue_weekly_summaries(runtime: Runtime, now: datetime) -> int:
    queued = 0
    with runtime.sessions.begin() as session:
        athletes = [a for a in AthleteRepository(session).all() if a.summaries_enabled and a.unsubscribed_at is None]
    for athlete in athletes:
        with runtime.sessions.begin() as session:
            week_start = week_just_ended(now, athlete.timezone)
            period = iso_week(week_start)
            if OutboxRepository(session).exists("athlete", athlete.id, "weekly_summary", period):
                continue  # rendered once per week: a rerun does no work at all
            since = datetime.combine(week_start - timedelta(days=SUMMARY_HISTORY_DAYS), datetime.min.time())
            activities = ActivityRepository(session).for_athlete(athlete.id, since_local=since)
            thresholds = DEFAULT_THRESHOLDS.with_overrides(athlete.threshold_overrides or {})
            summary = weekly_summary(activities, week_start, thresholds=thresholds)
            findings = [to_domain_finding(row) for row in FindingRepository(session).open_findings(athlete.id)]
            view = weekly_summary_view(
                recipient_for(runtime, athlete, now), summary, findings,
                next_week_guidance(summary, thresholds), now_utc=now,
            )
            queued += _queue(session, "athlete", athlete.id, "weekly_summary", period,
                             _channels(athlete), render_weekly_summary(view), now)
    return queued


def queue_coach_digests(runtime: Runtime, now: datetime, coach_ids: list[int] | None = None) -> list[DigestRanking]:
    rankings = []
    secret = runtime.settings.require_link_secret()
    with runtime.sessions.begin() as session:
        coaches = [c for c in CoachRepository(session).all() if coach_ids is None or c.id in coach_ids]
    for coach in coaches:
        with runtime.sessions.begin() as session:
            week_start = week_just_ended(now, coach.timezone)
            findings_repo = FindingRepository(session)
            entries = []
            for athlete in CoachRepository(session).consenting_athletes(coach.id):
                findings = [to_domain_finding(row) for row in findings_repo.open_findings(athlete.id)]
                record = findings_repo.latest_evaluation(athlete.id)
                weekly = (record.metrics or {}).get("weekly_run_km") if record else None
                weekly_km = float(weekly[-1]) if weekly else 0.0
                entries.append(DigestAthlete.from_findings(athlete.display_name, findings, weekly_km))
            token = links.sign(secret, "coach-preferences", f"coach-{coach.id}", int((now + LINK_LIFETIME).timestamp()))
            view = coach_digest_view(
                coach.name, entries,
                preferences_url=f"{runtime.settings.public_url.rstrip('/')}/coach/preferences?t={token}",
                tz=coach.timezone, now_utc=now,
            )
            queued = _queue(session, "coach", coach.id, "coach_digest", iso_week(week_start), ["email"],
                            render_coach_digest(view), now)
            # The artifact shows the same ranking and top reasons as the email.
            rankings.append(DigestRanking(coach.id, queued, [
                (row.name, row.risk, f"{row.top.title}: {row.top.why}" if row.top else "no open findings")
                for row in (*view.flagged, *view.others)
            ]))
    return rankings

