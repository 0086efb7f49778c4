"""The state of the pipeline, read from the database: what `coach status` prints and what the
flows' summary artifacts look like (the same words in both places).

Strava's budget as the workers last saw it is in the database (`strava_budget`, shared by every
worker); `probe_budget` spends one read to ask Strava itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Mapping, Sequence

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from coaching.runtime import Runtime
from coaching.services.app_status import ACTIVE, AppState, app_status
from coaching.services.capacity import Capacity, capacity_line, capacity_now
from coaching.store.budget import BudgetRepository, quarter_hour
from coaching.store.models import Activity, Athlete, EvaluationRecord, FindingRecord, OutboxMessage, SyncState, WebhookEvent
from coaching.strava.budget import Usage
from coaching.strava.errors import REACTIVATE_APP

DAY = timedelta(days=1)


@dataclass(frozen=True)
class AthleteSync:
    athlete_id: int
    name: str
    timezone: str
    connected: bool
    last_success_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str | None
    lease_owner: str | None


@dataclass(frozen=True)
class PipelineStatus:
    as_of: datetime
    athletes: int
    connected: int
    synced_last_day: int
    never_synced: int
    failing: int
    leased_now: int
    activities: int
    activities_last_day: int
    findings_by_rule: dict[str, int]  # open findings (seen in each athlete's latest evaluation)
    messages: dict[str, int]  # outbox rows by status
    sent_last_day: int
    queued_due: int
    oldest_queued_at: datetime | None
    webhook_events_pending: int
    budget: Usage | None = None
    athletes_detail: list[AthleteSync] = field(default_factory=list)
    strava_app: AppState = ACTIVE
    capacity: Capacity | None = None


def pipeline_status(session: Session, now: datetime, athlete_limit: int = 20, budget: Usage | None = None,
                    application_id: int | None = None, athlete_capacity: int | None = None) -> PipelineStatus:
    day_ago = now - DAY
    sync = session.execute(
        select(
            func.count(Athlete.id),
            func.sum(case((Athlete.connected.is_(True), 1), else_=0)),
            func.sum(case((SyncState.last_success_at >= day_ago, 1), else_=0)),
            func.sum(case(((Athlete.connected.is_(True)) & SyncState.last_success_at.is_(None), 1), else_=0)),
            func.sum(case(((Athlete.connected.is_(True)) & SyncState.last_error.is_not(None), 1), else_=0)),
            func.sum(case((SyncState.lease_until > now, 1), else_=0)),
        ).select_from(Athlete).outerjoin(SyncState, SyncState.athlete_id == Athlete.id)
    ).one()
    activities, activities_last_day = session.execute(
        select(func.count(Activity.id), func.sum(case((Activity.fetched_at >= day_ago, 1), else_=0)))
    ).one()
    findings = session.execute(
        select(FindingRecord.rule, func.count())
        .join(EvaluationRecord, EvaluationRecord.athlete_id == FindingRecord.athlete_id)
        .where(FindingRecord.last_seen_on >= EvaluationRecord.as_of)
        .group_by(FindingRecord.rule)
    ).all()
    messages = dict(session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    sent_last_day, queued_due = session.execute(
        select(
            func.sum(case(((OutboxMessage.status == "sent") & (OutboxMessage.sent_at >= day_ago), 1), else_=0)),
            func.sum(case(((OutboxMessage.status == "queued") & (OutboxMessage.next_attempt_at <= now), 1), else_=0)),
        )
    ).one()
    oldest_queued = session.scalar(select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status == "queued"))
    pending_events = session.scalar(
        select(func.count()).select_from(WebhookEvent).where(WebhookEvent.status.in_(("queued", "processing")))
    )
    return PipelineStatus(
        as_of=now, athletes=int(sync[0] or 0), connected=int(sync[1] or 0), synced_last_day=int(sync[2] or 0),
        never_synced=int(sync[3] or 0), failing=int(sync[4] or 0), leased_now=int(sync[5] or 0),
        activities=int(activities or 0), activities_last_day=int(activities_last_day or 0),
        findings_by_rule={rule: int(n) for rule, n in sorted(findings)},
        messages={str(k): int(v) for k, v in sorted(messages.items())},
        sent_last_day=int(sent_last_day or 0), queued_due=int(queued_due or 0),
        oldest_queued_at=oldest_queued, webhook_events_pending=int(pending_events or 0),
        budget=budget, athletes_detail=athlete_sync_lines(session, athlete_limit),
        strava_app=app_status(session, application_id),
        capacity=capacity_now(session, athlete_capacity, now) if athlete_capacity is not None else None,
    )


def athlete_sync_lines(session: Session, limit: int) -> list[AthleteSync]:
    """Failing athletes first, then the longest without a successful sync."""
    rows = session.execute(
        select(Athlete, SyncState)
        .outerjoin(SyncState, SyncState.athlete_id == Athlete.id)
        .order_by(
            SyncState.last_error.is_(None), Athlete.connected.is_(False),
            SyncState.last_success_at.is_not(None), SyncState.last_success_at, Athlete.id,
        )
        .limit(limit)
    ).all()
    return [
        AthleteSync(
            athlete.id, athlete.display_name, athlete.timezone, athlete.connected,
            state.last_success_at if state else None, state.last_attempt_at if state else None,
            state.last_error if state else None, state.lease_owner if state else None,
        )
        for athlete, state in rows
    ]


def stored_budget(session: Session, application_id: int, now: datetime) -> Usage | None:
    """The shared budget's counts, with windows that have rolled over since read as empty."""
    row = BudgetRepository(session, application_id).current()
    if row is None:
        return None
    short_used = row.used_15min if row.window_start >= quarter_hour(now) else 0
    daily_used = row.used_daily if row.day >= now.date() else 0
    return Usage(short_used, daily_used, row.limit_15min, row.limit_daily)


def probe_budget(runtime: Runtime, now: datetime) -> Usage | None:
    """Spend one read (GET /athlete with a connected athlete's token) to learn the application's
    usage from Strava's headers. None when nobody is connected."""
    from coaching.services.tokens import fresh_access_token

    with runtime.sessions.begin() as session:
        athlete_id = session.scalar(select(Athlete.id).where(Athlete.connected.is_(True)).order_by(Athlete.id).limit(1))
    if athlete_id is None:
        return None
    token = fresh_access_token(runtime.sessions, runtime.strava, runtime.box, athlete_id, now.timestamp())
    runtime.strava.get_athlete(token)
    return runtime.budget.usage


def budget_line(usage: Usage | None, margin: float = 0.0) -> str:
    if usage is None:
        return "unknown (run `coach status --probe-strava` to spend one read and ask Strava)"
    return (
        f"15-minute window {usage.short_limit - usage.short_used} of {usage.short_limit} left, "
        f"today {usage.daily_limit - usage.daily_used} of {usage.daily_limit} left"
        + (f" (the pipeline keeps {margin:.0%} in reserve)" if margin else "")
    )


def _when(value: datetime | None, now: datetime) -> str:
    if value is None:
        return "never"
    hours = (now - value).total_seconds() / 3600
    return f"{value:%Y-%m-%d %H:%M} UTC ({hours:.0f} h ago)" if hours >= 0 else f"{value:%Y-%m-%d %H:%M} UTC"


def app_line(app: AppState, now: datetime) -> str:
    if app.inactive_since is None:
        back = f" (inactive until {_when(app.reactivated_at, now)})" if app.reactivated_at else ""
        return f"Strava app: active{back}"
    return (
        f"Strava app: INACTIVE since {_when(app.inactive_since, now)}, last refused {_when(app.last_refused_at, now)}: "
        f"Strava answers every request with 403. What to do: {REACTIVATE_APP}. "
        "Nobody is synced or can connect until then; the next run asks Strava once and resumes by itself."
    )


def format_status(status: PipelineStatus, margin: float = 0.0) -> str:
    s = status
    lines = [
        f"as of {s.as_of:%Y-%m-%d %H:%M} UTC",
        app_line(s.strava_app, s.as_of),
        *([capacity_line(s.capacity)] if s.capacity is not None else []),
        f"athletes: {s.athletes} ({s.connected} connected), synced in the last 24 h: {s.synced_last_day}, "
        f"never synced: {s.never_synced}, failing: {s.failing}, leased by a worker now: {s.leased_now}",
        f"activities: {s.activities} ({s.activities_last_day} fetched in the last 24 h)",
        "open findings by rule: " + (", ".join(f"{r} {n}" for r, n in s.findings_by_rule.items()) or "none"),
        "messages: " + (", ".join(f"{k} {v}" for k, v in s.messages.items()) or "none")
        + f"; sent in the last 24 h: {s.sent_last_day}; queued and due: {s.queued_due}"
        + (f"; oldest queued since {_when(s.oldest_queued_at, s.as_of)}" if s.oldest_queued_at else ""),
        f"webhook events waiting: {s.webhook_events_pending}",
        f"Strava budget: {budget_line(s.budget, margin)}",
    ]
    if s.athletes_detail:
        lines += ["", f"{'athlete':<28} {'zone':<22} {'last successful sync':<32} last error"]
        for a in s.athletes_detail:
            name = f"{a.athlete_id} {a.name}"[:28] + ("" if a.connected else " (disconnected)")
            lines.append(f"{name:<28} {a.timezone[:22]:<22} {_when(a.last_success_at, s.as_of):<32} {a.last_error or '-'}")
    return "\n".join(lines)


def summary_markdown(title: str, summary: Mapping[str, object], details: Sequence[str] = ()) -> str:
    """A run summary as a Prefect markdown artifact: counts in a table, mappings as sub-tables."""
    lines = [f"# {title}", "", "| what | value |", "|---|---|"]
    nested: list[tuple[str, Mapping[str, object]]] = []
    for key, value in summary.items():
        if isinstance(value, Mapping):
            nested.append((key, value))
        elif isinstance(value, (list, tuple)):
            continue
        else:
            lines.append(f"| {key.replace('_', ' ')} | {value} |")
    for key, mapping in nested:
        lines += ["", f"## {key.replace('_', ' ')}", "", "| name | count |", "|---|---|"]
        lines += [f"| {name} | {count} |" for name, count in mapping.items()] or ["| none | 0 |"]
    if details:
        lines += ["", "## details", ""] + [f"- {line}" for line in details]
    return "\n".join(lines)
