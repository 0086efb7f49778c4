"""SQLAlchemy 2.0 models: the only place that knows the schema.

Strava ids are BIGINT (activity ids are past 2^31 already). Secrets (tokens, push URLs) are stored
encrypted; this module only sees ciphertext.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on both SQLite (which drops tzinfo) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


# Our tables' integer keys are 32-bit on PostgreSQL: a larger number names no row, and handed to a
# query it is a database error, not "not found". Links and forms check ids against it first.
MAX_ROW_ID = 2**31 - 1


class Base(DeclarativeBase):
    pass


class Athlete(Base):
    __tablename__ = "athletes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    strava_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")  # IANA name
    units: Mapped[str] = mapped_column(String(10), default="metric")  # metric | imperial
    email: Mapped[str | None] = mapped_column(String(320))
    push_url_encrypted: Mapped[str | None] = mapped_column(Text)  # an Apprise URL: a secret
    send_email: Mapped[bool] = mapped_column(Boolean, default=True)
    send_push: Mapped[bool] = mapped_column(Boolean, default=False)
    alerts_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    summaries_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    connected: Mapped[bool] = mapped_column(Boolean, default=True)
    disconnected_reason: Mapped[str | None] = mapped_column(String(200))
    threshold_overrides: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    @property
    def display_name(self) -> str:
        # A runner who joined with files alone has a negative placeholder for a Strava id.
        fallback = f"athlete {self.strava_id}" if self.strava_id > 0 else (self.email or f"runner {self.id}")
        return f"{self.first_name} {self.last_name}".strip() or fallback


class StravaToken(Base):
    __tablename__ = "strava_tokens"

    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), primary_key=True)
    access_token_encrypted: Mapped[str] = mapped_column(Text)
    refresh_token_encrypted: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[int] = mapped_column(BigInteger)  # epoch seconds, as Strava gives it
    scopes: Mapped[str] = mapped_column(String(200), default="")
    # Bumped on every write: a compare-and-swap guard so two workers refreshing at once cannot
    # overwrite the newest rotated refresh token with an older one.
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Activity(Base):
    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_athlete_start", "athlete_id", "start_utc"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)  # Strava's id
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255), default="")
    sport_type: Mapped[str] = mapped_column(String(50))  # raw string: unknown types are kept
    start_utc: Mapped[datetime] = mapped_column(UtcDateTime)
    start_local: Mapped[datetime] = mapped_column(DateTime(timezone=False))  # naive local wall time
    distance_m: Mapped[float] = mapped_column(Float, default=0.0)
    moving_s: Mapped[int] = mapped_column(Integer, default=0)
    elapsed_s: Mapped[int] = mapped_column(Integer, default=0)
    elevation_gain_m: Mapped[float] = mapped_column(Float, default=0.0)
    average_speed_mps: Mapped[float | None] = mapped_column(Float)
    average_heartrate_bpm: Mapped[float | None] = mapped_column(Float)
    max_heartrate_bpm: Mapped[float | None] = mapped_column(Float)
    average_cadence_raw: Mapped[float | None] = mapped_column(Float)  # per leg for runs, as Strava says
    workout_type: Mapped[int | None] = mapped_column(Integer)
    gear_id: Mapped[str | None] = mapped_column(String(32))
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    trainer: Mapped[bool] = mapped_column(Boolean, default=False)
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where it came from (0009): strava, or the file format it was imported from (fit, gpx, tcx).
    source: Mapped[str] = mapped_column(String(12), default="strava", server_default="strava")
    raw: Mapped[dict] = mapped_column(JSON)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Gear(Base):
    __tablename__ = "gear"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # "g123" shoe, "b123" bike
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    distance_m: Mapped[float] = mapped_column(Float, default=0.0)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class SyncState(Base):
    __tablename__ = "sync_state"

    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), primary_key=True)
    # Incremental sync asks Strava for activities after this instant (the newest stored start).
    newest_start_utc: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # History back-fill walks backwards with before=; a failed back-fill resumes from here.
    backfill_before_utc: Mapped[datetime | None] = mapped_column(UtcDateTime)
    backfill_done: Mapped[bool] = mapped_column(Boolean, default=False)
    last_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # A lease so that two workers never sync the same athlete at once.
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class FindingRecord(Base):
    __tablename__ = "findings"
    __table_args__ = (UniqueConstraint("athlete_id", "key", name="uq_findings_athlete_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(120))  # rule + activity: the same finding across nights
    rule: Mapped[str] = mapped_column(String(50))
    severity: Mapped[int] = mapped_column(Integer)  # 1 info, 2 caution, 3 warning
    evidence: Mapped[str] = mapped_column(String(1))
    activity_id: Mapped[int | None] = mapped_column(BigInteger)
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)
    why: Mapped[str] = mapped_column(Text, default="")
    suggestions: Mapped[list] = mapped_column(JSON, default=list)
    first_seen_on: Mapped[date] = mapped_column(Date)
    last_seen_on: Mapped[date] = mapped_column(Date)
    alerted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acknowledged_note: Mapped[str | None] = mapped_column(Text)


class EvaluationRecord(Base):
    """The latest evaluation's metrics per athlete: what summaries and digests show."""

    __tablename__ = "evaluations"

    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)
    skipped: Mapped[list] = mapped_column(JSON, default=list)
    data_quality: Mapped[list] = mapped_column(JSON, default=list)
    risk_score: Mapped[float] = mapped_column(Float, default=0.0)
    evaluated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class OutboxMessage(Base):
    """A message is written here before it is sent: the unique key makes a rerun a no-op."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint(
            "recipient_type", "recipient_id", "kind", "period", "channel", name="uq_outbox_message"
        ),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient_type: Mapped[str] = mapped_column(String(10))  # athlete | coach
    recipient_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(30))  # alert | weekly_summary | coach_digest | test
    period: Mapped[str] = mapped_column(String(30))  # e.g. 2026-11-24 or 2026-W47
    channel: Mapped[str] = mapped_column(String(10))  # email | push
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    unsubscribe_url: Mapped[str | None] = mapped_column(Text)  # also sent as List-Unsubscribe
    urgency: Mapped[str] = mapped_column(String(10), default="info")  # info | warning
    status: Mapped[str] = mapped_column(String(12), default="queued")  # queued|sending|sent|cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Coach(Base):
    __tablename__ = "coaches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Set when the coach stopped the weekly digest (0005); None: they get it.
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CoachAthlete(Base):
    """A coach sees an athlete's findings only while the athlete's consent stands."""

    __tablename__ = "coach_athletes"

    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id", ondelete="CASCADE"), primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), primary_key=True)
    consented_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    @property
    def consent_active(self) -> bool:
        return self.consented_at is not None and self.withdrawn_at is None


class PainCheckin(Base):
    __tablename__ = "pain_checkins"
    __table_args__ = (UniqueConstraint("athlete_id", "day", name="uq_pain_checkins_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)  # the runner's local day
    score: Mapped[int] = mapped_column(Integer)  # 0-10
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class WebhookEvent(Base):
    """A Strava push event, queued on receipt (Strava waits only 2 s) and processed later.

    Strava retries an event it thinks we missed, so the same event can arrive more than once:
    `dedupe_key` (a hash of the event) keeps one row per event.
    """

    __tablename__ = "webhook_events"
    __table_args__ = (
        UniqueConstraint("dedupe_key", name="uq_webhook_events_dedupe"),
        Index("ix_webhook_events_due", "status", "next_attempt_at"),
        Index("ix_webhook_events_owner", "owner_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(64))
    subscription_id: Mapped[int] = mapped_column(BigInteger)
    object_type: Mapped[str] = mapped_column(String(20))  # activity | athlete
    object_id: Mapped[int] = mapped_column(BigInteger)
    aspect_type: Mapped[str] = mapped_column(String(10))  # create | update | delete
    owner_id: Mapped[int] = mapped_column(BigInteger)  # the athlete's Strava id
    updates: Mapped[dict] = mapped_column(JSON, default=dict)
    event_time: Mapped[int] = mapped_column(BigInteger)  # epoch seconds, as Strava sends it
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default="queued")  # queued|processing|done|ignored|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str | None] = mapped_column(String(500))


class PushSubscription(Base):
    """Our one Strava push subscription (one per application): events naming another id are dropped."""

    __tablename__ = "strava_subscriptions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)  # Strava's id
    callback_url: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class StravaBudget(Base):
    """Strava's request budget for one application, shared by every worker (0003).

    Workers reserve a request here before making it and reconcile with Strava's own counts from
    the rate-limit headers after; the windows roll on the quarter-hour and at UTC midnight.
    """

    __tablename__ = "strava_budget"

    application_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    window_start: Mapped[datetime] = mapped_column(UtcDateTime)  # the current quarter-hour
    day: Mapped[date] = mapped_column(Date)  # the current UTC day
    used_15min: Mapped[int] = mapped_column(Integer, default=0)
    used_daily: Mapped[int] = mapped_column(Integer, default=0)
    limit_15min: Mapped[int] = mapped_column(Integer)
    limit_daily: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class CoachSigninToken(Base):
    """A one-time sign-in link emailed to a coach (0004). Only the token's SHA-256 is stored, so a
    copy of the database does not hold working links."""

    __tablename__ = "coach_signin_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    next_path: Mapped[str | None] = mapped_column(String(200))  # where the coach was going
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ThresholdChange(Base):
    """Who changed which rule threshold for an athlete, when, from what to what (0004).

    The values are the effective ones before and after (a reset shows the default as the new value);
    `changed_by` keeps the coach's name as it was, so the record outlives the coach's account.
    """

    __tablename__ = "threshold_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("coaches.id", ondelete="SET NULL"))
    changed_by: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(100))  # "section.name", e.g. "pain_reported.caution_score"
    old_value: Mapped[float] = mapped_column(Float)
    new_value: Mapped[float] = mapped_column(Float)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class FindingAcknowledgement(Base):
    """A coach's note on a finding (0004): shown on the coach page and in the next digest.
    The finding row keeps only the latest note; this keeps every one and who wrote it."""

    __tablename__ = "finding_acknowledgements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    athlete_id: Mapped[int] = mapped_column(ForeignKey("athletes.id", ondelete="CASCADE"), index=True)
    coach_id: Mapped[int | None] = mapped_column(ForeignKey("coaches.id", ondelete="SET NULL"))
    coach_name: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    acknowledged_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class StravaAppStatus(Base):
    """Whether Strava serves our application (0006). An inactive app (its owner's Strava
    subscription lapsed, API.md §6) answers every call with 403: that is recorded here once, for
    `coach status`, the connect page and the operator's one email, and cleared when Strava answers
    again. No runner is marked for it."""

    __tablename__ = "strava_app_status"

    application_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    inactive_since: Mapped[datetime | None] = mapped_column(UtcDateTime)  # None: Strava serves the app
    last_refused_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # the latest 403 "Inactive"
    reactivated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # the end of the last episode


class WaitingRunner(Base):
    """A runner waiting for a place while the app serves as many athletes as its Strava tier allows
    (0008). Confirmed by a signed link; invited, first confirmed first, when a place frees up; the
    place is held for them until the invitation expires."""

    __tablename__ = "waiting_runners"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    invited_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    invite_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    joined_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
