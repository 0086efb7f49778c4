"""Knee-pain check-ins: the runner's 0-10 answer, what it means for the next runs, and the short
push the morning after a long or flagged run.

What a score means is the `pain-reported` rule's own verdict (RULES.md), run on the runner's
stored runs and check-ins with their thresholds, so the answer page and the next evaluation agree.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from coaching import links
from coaching.domain.daily import build_history
from coaching.domain.model import Evaluation, Severity, SportCategory
from coaching.domain.model import PainCheckin as DomainCheckin
from coaching.domain.quality import clean_activities
from coaching.domain.rules.base import RuleContext
from coaching.domain.rules.pain import find_reported_pain
from coaching.domain.stats import median
from coaching.domain.suggestions import suggest
from coaching.domain.thresholds import DEFAULT_THRESHOLDS, ThresholdError, Thresholds
from coaching.domain.units import normalise_units
from coaching.messages import catalogue
from coaching.messages import format as fmt
from coaching.messages.render import fit_push_body
from coaching.runtime import Runtime
from coaching.store.activities import ActivityRepository
from coaching.store.athletes import CheckinRepository
from coaching.store.models import Athlete, OutboxMessage, PainCheckin
from coaching.store.outbox import NewMessage, OutboxRepository

log = logging.getLogger(__name__)

PROMPT_KIND = "checkin_prompt"
# The push goes out after most runners wake and before most morning runs; past noon it is no
# longer "the morning after", so a late night run does not send it at all.
PROMPT_AT = time(7, 30)
PROMPT_UNTIL = time(12, 0)
# A long run for the prompt: half as long again as the runner's usual run (the common long-run
# convention), judged against the 28 days before it.
LONG_RUN_FACTOR = 1.5
USUAL_RUN_DAYS = 28
# The pain rule looks back 14 days by default; the swap's "usual run" 28: this covers both.
GUIDANCE_HISTORY_DAYS = 60


@dataclass(frozen=True)
class Advice:
    title: str
    text: str


@dataclass(frozen=True)
class PainGuidance:
    score: int
    level: str  # "fine" | "back-off" | "stop": also a CSS class
    headline: str
    why: str | None  # the pain-reported rule's sentence, when it fired
    advice: tuple[Advice, ...]
    fine_up_to: int  # the highest score the runner's thresholds call generally fine


def zone(tz_name: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz_name)
    except Exception:  # an unknown stored zone must not lose the runner's answer
        return ZoneInfo("UTC")


def local_today(now_utc: datetime, tz_name: str) -> date:
    return now_utc.astimezone(zone(tz_name)).date()


def record_checkin(session: Session, athlete: Athlete, score: int, now_utc: datetime) -> date:
    """Store today's score (the runner's local day); a second answer the same day replaces it."""
    day = local_today(now_utc, athlete.timezone)
    CheckinRepository(session).record(athlete.id, day, score)
    return day


def checkin_on(session: Session, athlete_id: int, day: date) -> int | None:
    return session.scalar(
        select(PainCheckin.score).where(PainCheckin.athlete_id == athlete_id, PainCheckin.day == day)
    )


def athlete_thresholds(athlete: Athlete) -> Thresholds:
    """The athlete's thresholds; the defaults if stored overrides no longer validate, so that a
    bad configuration never stops a runner from recording their knee."""
    try:
        return DEFAULT_THRESHOLDS.with_overrides(athlete.threshold_overrides or {})
    except ThresholdError as error:
        log.warning("athlete %s has invalid threshold overrides (%s): using the defaults", athlete.id, error)
        return DEFAULT_THRESHOLDS


def pain_guidance(session: Session, athlete: Athlete, day: date) -> PainGuidance | None:
    """What the runner's check-in of `day` means for the next runs, or None without one."""
    thresholds = athlete_thresholds(athlete)
    checkins = tuple(
        DomainCheckin(day=c.day, score=c.score) for c in CheckinRepository(session).for_athlete(athlete.id)
        if c.day <= day
    )
    if not checkins or checkins[-1].day != day:
        return None
    since = datetime.combine(day - timedelta(days=GUIDANCE_HISTORY_DAYS), time.min)
    activities = ActivityRepository(session).for_athlete(athlete.id, since_local=since)
    history = build_history(clean_activities(activities, thresholds.quality).activities, day,
                            stride_guard_spm=thresholds.quality.stride_guard_spm)
    units = normalise_units(athlete.units)
    ctx = RuleContext(history=history, thresholds=thresholds, checkins=checkins, units=units)
    findings = find_reported_pain(ctx).findings
    score = checkins[-1].score
    fine_up_to = thresholds.pain_reported.caution_score - 1
    if not findings:
        swap_min = ctx.usual_run_minutes(USUAL_RUN_DAYS)
        headline = "No knee pain: carry on with your plan." if score == 0 else (
            f"{score} of 10: generally fine to keep running.")
        return PainGuidance(score, "fine", headline, None, (
            Advice("Let pain be your guide", f"Up to {fine_up_to} of 10 is generally fine during and after runs. "
                   "If the pain rises during a run or the next morning, back off."),
            Advice("If it rises", f"Swap your next run for about {swap_min} minutes of cycling or swimming, "
                   "then check in again the morning after."),
        ), fine_up_to)
    finding = findings[0]
    advice = tuple(Advice(catalogue.category_title(s.category), s.text) for s in suggest(finding, units))
    if finding.severity >= Severity.WARNING:
        return PainGuidance(score, "stop", f"{score} of 10: stop running until the knee settles.",
                            finding.why, advice, fine_up_to)
    return PainGuidance(score, "back-off", f"{score} of 10: back off for the next runs.", finding.why, advice,
                        fine_up_to)


def checkin_url(runtime: Runtime, athlete: Athlete, now_utc: datetime) -> str:
    """The check-in page with no score chosen yet (the emails' links choose one)."""
    from coaching.services.notify import LINK_LIFETIME

    secret = runtime.settings.require_link_secret()
    token = links.sign(secret, "checkin", str(athlete.id), int((now_utc + LINK_LIFETIME).timestamp()))
    return f"{runtime.settings.public_url.rstrip('/')}/checkin?t={token}"


def wants_prompts(athlete: Athlete) -> bool:
    """Prompts are short pushes: only for runners who chose push and still take alerts."""
    return bool(athlete.send_push and athlete.push_url_encrypted and athlete.alerts_enabled
                and athlete.unsubscribed_at is None)


def prompting_run_km(session: Session, athlete_id: int, evaluation: Evaluation) -> float | None:
    """The km of the evaluated day's long or flagged run (the longest such), or None."""
    day = evaluation.as_of
    since = datetime.combine(day - timedelta(days=USUAL_RUN_DAYS), time.min)
    runs = [a for a in ActivityRepository(session).for_athlete(athlete_id, since_local=since)
            if a.category is SportCategory.RUN and a.local_day <= day]
    that_day = [a for a in runs if a.local_day == day]
    usual_km = median([a.distance_km for a in runs if a.local_day < day])
    flagged = {f.activity_id for f in evaluation.findings if f.activity_id and f.severity >= Severity.CAUTION}
    prompting = [
        a.distance_km for a in that_day
        if a.id in flagged or (usual_km is not None and a.distance_km >= LONG_RUN_FACTOR * usual_km)
    ]
    return max(prompting, default=None)


def queue_checkin_prompt(runtime: Runtime, session: Session, athlete: Athlete, evaluation: Evaluation,
                         now_utc: datetime) -> int:
    """Queue tomorrow morning's "how is your knee?" push after a long or flagged run; 1 if queued.

    Keyed by the morning's date, so a rerun of the night queues nothing more."""
    if not wants_prompts(athlete):
        return 0
    morning = evaluation.as_of + timedelta(days=1)
    tz = zone(athlete.timezone)
    send_at = datetime.combine(morning, PROMPT_AT, tzinfo=tz)
    if now_utc >= datetime.combine(morning, PROMPT_UNTIL, tzinfo=tz):
        return 0
    if checkin_on(session, athlete.id, morning) is not None:
        return 0
    km = prompting_run_km(session, athlete.id, evaluation)
    if km is None:
        return 0
    fine_up_to = athlete_thresholds(athlete).pain_reported.caution_score - 1
    distance = fmt.format_distance(km, fmt.normalize_units(athlete.units))
    body = fit_push_body(
        f"After yesterday's {distance} run, rate your knee from 0 to 10. Up to {fine_up_to} is generally fine; "
        "if it rose overnight, back off.", checkin_url(runtime, athlete, now_utc))
    message = NewMessage("athlete", athlete.id, PROMPT_KIND, morning.isoformat(), "push",
                         "How is your knee this morning?", body)
    if not OutboxRepository(session).enqueue(message, now_utc):
        return 0
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.recipient_type == "athlete", OutboxMessage.recipient_id == athlete.id,
               OutboxMessage.kind == PROMPT_KIND, OutboxMessage.period == morning.isoformat())
        .values(next_attempt_at=max(now_utc, send_at))
        .execution_options(synchronize_session=False)
    )
    return 1


def prompt_still_wanted(session: Session, athlete: Athlete, period: str) -> bool:
    """False once the runner has answered that morning anyway (from an email's scale, say)."""
    try:
        morning = date.fromisoformat(period)
    except ValueError:
        return True
    return checkin_on(session, athlete.id, morning) is None
