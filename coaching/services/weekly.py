"""Weekly messages: every runner's summary and every coach's digest, keyed by ISO week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Collection
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from coaching.domain.metrics import WEEKS_SHOWN
from coaching.domain.evaluate import evaluate
from coaching.domain.model import PainCheckin
from coaching.domain.summary import weekly_summary
from coaching.domain.thresholds import DEFAULT_THRESHOLDS
from coaching.messages.render import render_coach_digest, render_weekly_summary
from coaching.messages.views import coach_digest_view, weekly_summary_view
from coaching.runtime import Runtime
from coaching.services.coach_actions import last_digest_at
from coaching.services.coach_subscription import preferences_url
from coaching.services.coaching_page import digest_athletes
from coaching.services.gc_pause import paused_gc
from coaching.services.notify import _channels, _queue, iso_week, outbox_messages, recipient_for
from coaching.store.activities import ActivityRepository
from coaching.store.athletes import AthleteRepository, CheckinRepository, CoachRepository
from coaching.store.findings import FindingRepository, to_domain_finding
from coaching.store.outbox import OutboxRepository

# What a summary reads: its 12 weekly bars end on the Sunday, so they start 11 weeks before the
# week's Monday. Its plan is the evaluation of the Sunday, whose plan check re-evaluates the
# Sunday before; the widest window of those rules is intensity-jump's 180 days of maximum heart
# rate, which reaches back to 180 days before the Monday. One day more, so that a watch and a phone
# recording the same run just before the first day read are still merged into one (the quality
# guard merges starts less than a minute apart). A test compares the summary with the one the
# whole history gives.
SUMMARY_HISTORY_DAYS = max(7 * (WEEKS_SHOWN - 1), DEFAULT_THRESHOLDS.intensity_jump.max_hr_days) + 1


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


def queue_weekly_summaries(
    runtime: Runtime, now: datetime, athlete_ids: Collection[int] | None = None, *, batch_size: int = 200
) -> int:
    """Render and queue the summary of the week just ended for every runner who wants one (or for
    those of `athlete_ids` who do), a batch of athletes per transaction: one query each for their
    activities, findings and already-queued summaries, one insert. Memory stays at one batch.

    One process on purpose: a pool of two worker processes was slower on the shared 2-core
    machine (21-29 s against 16-17 s for 10,000 on SQLite, load average 5-7)."""
    with runtime.sessions.begin() as session:
        wanting = AthleteRepository(session).ids_wanting_summaries()
    if athlete_ids is not None:
        chosen = set(athlete_ids)
        wanting = [athlete_id for athlete_id in wanting if athlete_id in chosen]
    queued = 0
    for start in range(0, len(wanting), batch_size):
        with runtime.sessions.begin() as session, paused_gc():
            queued += _queue_summary_batch(runtime, session, wanting[start : start + batch_size], now)
    return queued


def _queue_summary_batch(runtime: Runtime, session: Session, athlete_ids: list[int], now: datetime) -> int:
    athletes = AthleteRepository(session).many(athlete_ids)
    outbox = OutboxRepository(session)
    weeks = {athlete.id: week_just_ended(now, athlete.timezone) for athlete in athletes}
    done = {
        (athlete_id, period)
        for period in {iso_week(week) for week in weeks.values()}
        for athlete_id in outbox.recipients_with("athlete", "weekly_summary", period, among=athlete_ids)
    }
    todo = [a for a in athletes if (a.id, iso_week(weeks[a.id])) not in done]  # a rerun does no work
    if not todo:
        return 0
    since = datetime.combine(min(weeks.values()) - timedelta(days=SUMMARY_HISTORY_DAYS), datetime.min.time())
    activities = ActivityRepository(session).for_athletes([a.id for a in todo], since_local=since)
    findings = FindingRepository(session).open_findings_for([a.id for a in todo])
    checkins = CheckinRepository(session).for_athletes([a.id for a in todo], since.date())
    messages = []
    for athlete in todo:
        week_start = weeks[athlete.id]
        thresholds = DEFAULT_THRESHOLDS.with_overrides(athlete.threshold_overrides or {})
        summary = weekly_summary(activities[athlete.id], week_start, thresholds=thresholds)
        # The plan for the week ahead and the check of the week just ended: the evaluation of
        # the week's Sunday (its plan covers Monday to Sunday; the check, the week just ended).
        evaluation = evaluate(
            activities[athlete.id], week_start + timedelta(days=6), thresholds=thresholds, units=athlete.units,
            checkins=[PainCheckin(day=c.day, score=c.score) for c in checkins[athlete.id]],
        )
        view = weekly_summary_view(
            recipient_for(runtime, athlete, now), summary, [to_domain_finding(r) for r in findings[athlete.id]],
            None, now_utc=now, plan=evaluation.plan, plan_check=evaluation.plan_check,
        )
        messages += outbox_messages("athlete", athlete.id, "weekly_summary", iso_week(week_start),
                                    _channels(athlete), render_weekly_summary(view))
    return outbox.enqueue_many(messages, now)


def queue_coach_digests(runtime: Runtime, now: datetime, coach_ids: list[int] | None = None) -> list[DigestRanking]:
    rankings = []
    secret = runtime.settings.require_link_secret()
    with runtime.sessions.begin() as session:
        # A coach who stopped the digest gets none queued (and delivery checks again at send time).
        coaches = [c for c in CoachRepository(session).all()
                   if (coach_ids is None or c.id in coach_ids) and c.unsubscribed_at is None]
    for coach in coaches:
        with runtime.sessions.begin() as session:
            week_start = week_just_ended(now, coach.timezone)
            # Each athlete links to their coach page; notes since the last digest are shown once.
            entries = digest_athletes(
                session, coach.id, page_url_base=runtime.settings.public_url.rstrip("/"), tz=coach.timezone,
                acknowledged_since=last_digest_at(session, coach.id, now), with_acknowledgements=True,
            )
            view = coach_digest_view(
                coach.name, entries, preferences_url=preferences_url(runtime.settings.public_url, secret, coach.id, now),
                tz=coach.timezone, now_utc=now,
            )
            queued = _queue(session, "coach", coach.id, "coach_digest", iso_week(week_start), ["email"],
                            render_coach_digest(view), now)
            # The artifact shows the same ranking and top reasons as the email.
            rankings.append(DigestRanking(coach.id, queued, [
                (row.name, row.risk, f"{row.top.title}: {row.top.why}" if row.top else "no open findings")
                for row in view.rows
            ]))
    return rankings

