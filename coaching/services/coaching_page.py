"""What the coach page shows: the roster (the digest's ranking) and one athlete's page.

Everything is read for one coach and only through a standing consent: an athlete who withdrew is
not on the roster and has no page (None), whatever the coach types into the address bar.
Numbers are metric (a coach reads many athletes; one unit keeps them comparable).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from coaching.domain.cadence import steps_per_min
from coaching.domain.model import Severity, SportCategory
from coaching.domain.risk import risk_score, risk_trend
from coaching.domain.stats import median
from coaching.messages import format as fmt
from coaching.messages.render import default_renderer
from coaching.messages.views import Acknowledgement, CoachDigestView, DigestAthlete, FindingView, coach_digest_view
from coaching.messages.views import finding_view as make_finding_view
from coaching.services.checkins import athlete_thresholds
from coaching.messages.plan_text import check_lines, check_summary
from coaching.messages.views.digest import TREND_ARROWS
from coaching.messages.views.plan import PlanView, plan_view
from coaching.services.plan_status import PlanStatus, plan_status
from coaching.services.coach_actions import (
    ThresholdChangeItem,
    ThresholdOption,
    acknowledgements_for,
    acknowledgements_since,
    threshold_history,
    threshold_options,
)
from coaching.store.activities import ActivityRepository
from coaching.store.athletes import CheckinRepository, CoachRepository
from coaching.store.findings import FindingRepository, to_domain_finding
from coaching.store.models import Athlete, CoachAthlete, EvaluationRecord

WEEKS_SHOWN = 12
ADHERENCE_WEEKS = 4
CHECKIN_DAYS_SHOWN = 84


@dataclass(frozen=True)
class FindingItem:
    id: int
    view: FindingView
    what: str  # the one line of the emails, in numbers
    acknowledgements: tuple[Acknowledgement, ...]


@dataclass(frozen=True)
class WeekPoint:
    label: str  # "7 days to 24 Feb": the rolling week ending that day
    short: str  # "24 Feb", under the chart's bar
    value: float | None
    text: str
    pct: int  # of the chart's height, 0-100


@dataclass(frozen=True)
class Stat:
    label: str
    value: str
    help: str


@dataclass(frozen=True)
class Shoe:
    name: str
    distance: str
    worn: bool
    retired: bool


@dataclass(frozen=True)
class CheckinItem:
    day: str
    score: int


@dataclass(frozen=True)
class AdherenceWeek:
    days: str  # "Thu 5 Mar – Wed 11 Mar"
    summary: str  # "kept" | "not kept: longest run" | "no plan yet"
    kept: bool | None  # None: no plan a week before that week
    broken: tuple[str, ...]  # "longest run up to 9.2 km, done 21.1 km"


@dataclass(frozen=True)
class AthletePage:
    athlete_id: int
    name: str
    as_of: str | None
    risk: str
    flagged: bool
    findings: tuple[FindingItem, ...]
    weekly_load: tuple[WeekPoint, ...]
    load: tuple[Stat, ...]
    cadence: tuple[WeekPoint, ...]
    shoes: tuple[Shoe, ...]
    checkins: tuple[CheckinItem, ...]
    thresholds: tuple[ThresholdOption, ...]
    changes: tuple[ThresholdChangeItem, ...]  # newest first
    plan: PlanView | None = None  # the next 7 days from the latest evaluated day
    adherence: tuple[AdherenceWeek, ...] = ()  # the last four weeks, newest first
    trend: str = ""  # "↑ rising from 0.6 a week ago"

    @property
    def load_summary(self) -> str:
        return _series_summary("Weekly running distance", self.weekly_load)

    @property
    def cadence_summary(self) -> str:
        return _series_summary("Weekly median cadence", self.cadence)


def consent_stands(session: Session, coach_id: int, athlete_id: int) -> bool:
    link = session.get(CoachAthlete, (coach_id, athlete_id))
    return bool(link and link.consent_active)


def digest_athletes(session: Session, coach_id: int, *, page_url_base: str, tz: str = "UTC",
                    acknowledged_since: datetime | None = None, with_acknowledgements: bool = False,
                    ) -> list[DigestAthlete]:
    """Each consenting athlete's open findings, 7-day km and page link: what the digest and the
    roster rank. With acknowledgements: the coaches' notes made since `acknowledged_since`."""
    athletes = CoachRepository(session).consenting_athletes(coach_id)
    ids = [a.id for a in athletes]
    findings = FindingRepository(session).open_findings_for(ids)
    records = {r.athlete_id: r
               for r in session.scalars(select(EvaluationRecord).where(EvaluationRecord.athlete_id.in_(ids)))}
    notes = acknowledgements_since(session, ids, acknowledged_since, tz) if with_acknowledgements else {}
    entries = []
    for athlete in athletes:
        record = records.get(athlete.id)
        weekly = (record.metrics or {}).get("weekly_run_km") if record is not None else None
        # The plan, the risk a week ago and two weeks of adherence, recomputed for the latest
        # evaluated day (nothing about plans is stored).
        status = plan_status(session, athlete, record.as_of) if record is not None else None
        entries.append(DigestAthlete.from_findings(
            athlete.display_name, [to_domain_finding(r) for r in findings[athlete.id]],
            float(weekly[-1]) if weekly else 0.0, f"{page_url_base}/coach/athletes/{athlete.id}",
            notes.get(athlete.id, ()),
            **({} if status is None else {
                "risk_week_ago": status.risk_week_ago, "plan": status.plan, "checks": status.checks,
                "pain_score": status.pain_score, "pain_day": status.pain_day,
            }),
        ))
    return entries


def roster(session: Session, coach_id: int) -> CoachDigestView | None:
    """Flagged athletes first, by risk score, then the rest: the digest's own ranking."""
    coach = CoachRepository(session).get(coach_id)
    if coach is None:
        return None
    entries = digest_athletes(session, coach_id, page_url_base="")
    # The page is its own "preferences" link: the view insists on one for emails.
    return coach_digest_view(coach.name, entries, preferences_url="/coach", tz=coach.timezone)


def athlete_page(session: Session, coach_id: int, athlete_id: int, today: date, tz: str = "UTC") -> AthletePage | None:
    """`today`: the coach's calendar day, where the chart ends for an athlete not evaluated yet."""
    if not consent_stands(session, coach_id, athlete_id):
        return None
    athlete = session.get(Athlete, athlete_id)
    if athlete is None:
        return None
    record = session.get(EvaluationRecord, athlete_id)
    metrics = dict(record.metrics or {}) if record else {}
    as_of = record.as_of if record else None
    rows = FindingRepository(session).open_findings(athlete_id)
    domain_findings = [to_domain_finding(r) for r in rows]
    notes = acknowledgements_for(session, [r.id for r in rows], tz)
    renderer = default_renderer()
    items = []
    for row, finding in zip(rows, domain_findings):
        view = make_finding_view(finding, "metric")
        items.append(FindingItem(row.id, view, renderer.what_happened(view), notes.get(row.id, ())))
    last_day = as_of or today
    status = plan_status(session, athlete, as_of, weeks=ADHERENCE_WEEKS) if as_of else None
    return AthletePage(
        athlete_id=athlete.id,
        name=athlete.display_name,
        as_of=fmt.format_long_day(as_of) if as_of else None,
        risk=fmt.format_number(round(risk_score(domain_findings), 1)),
        flagged=any(f.severity >= Severity.CAUTION for f in domain_findings),
        findings=tuple(items),
        weekly_load=_weekly_load(metrics.get("weekly_run_km") or [], last_day),
        load=_load_stats(metrics),
        cadence=_cadence_trend(session, athlete_id, last_day),
        shoes=_shoes(metrics.get("shoes") or [], athlete),
        checkins=_checkins(session, athlete_id, last_day),
        thresholds=threshold_options(athlete),
        changes=threshold_history(session, athlete_id, tz),
        plan=plan_view(status.plan, "metric") if status else None,
        adherence=_adherence(status) if status else (),
        trend=_trend_text(risk_score(domain_findings), status.risk_week_ago) if status else "",
    )


def _adherence(status: PlanStatus) -> tuple[AdherenceWeek, ...]:
    weeks = []
    for week, check in enumerate(status.checks):
        last = status.as_of - timedelta(days=7 * week)
        days = f"{fmt.format_day(last - timedelta(days=6))} – {fmt.format_day(last)}"
        if check is None:
            weeks.append(AdherenceWeek(days, "no plan yet", None, ()))
            continue
        broken = tuple(f"{line.label.lower()} {line.planned}, done {line.done}"
                       for line in check_lines(check, "metric") if line.limit and not line.kept)
        weeks.append(AdherenceWeek(days, check_summary(check), check.kept, broken))
    return tuple(weeks)


def _trend_text(now: float, week_ago: float | None) -> str:
    trend = risk_trend(now, week_ago)
    if trend is None or week_ago is None:
        return ""
    return f"{TREND_ARROWS[trend]} {trend} from {fmt.format_number(round(week_ago, 1))} a week ago"


def _week_label(end: date) -> str:
    return f"7 days to {fmt.format_short_date(end)}"


def _scaled(values: Sequence[float | None], floor: float, margin: float = 0.0) -> list[int]:
    """Each value's height in percent between `floor` and the largest value plus `margin`."""
    known = [v for v in values if v is not None]
    span = max(known, default=floor) + margin - floor
    return [0 if v is None or span <= 0 else round(100 * (v - floor) / span) for v in values]


def _weekly_load(weekly_km: Sequence[float], last_day: date) -> tuple[WeekPoint, ...]:
    count = len(weekly_km)
    ends = [last_day - timedelta(days=7 * (count - 1 - i)) for i in range(count)]
    pcts = _scaled(list(weekly_km), floor=0.0)
    return tuple(WeekPoint(_week_label(end), fmt.format_short_date(end), float(km),
                           fmt.format_distance(float(km), "metric"), pct)
                 for end, km, pct in zip(ends, weekly_km, pcts))


def _cadence_trend(session: Session, athlete_id: int, last_day: date) -> tuple[WeekPoint, ...]:
    """The median steps/min of each rolling week's runs (trail runs too: the trend, not the rule)."""
    first_day = last_day - timedelta(days=7 * WEEKS_SHOWN - 1)
    activities = ActivityRepository(session).for_athlete(athlete_id, since_local=datetime.combine(first_day, time.min))
    by_week: list[list[float]] = [[] for _ in range(WEEKS_SHOWN)]
    for a in activities:
        spm = steps_per_min(a.average_cadence_raw) if a.category is SportCategory.RUN else None
        if spm is not None and first_day <= a.local_day <= last_day:
            by_week[(a.local_day - first_day).days // 7].append(spm)
    medians = [median(values) for values in by_week]
    # A trend, not an amount: 10 steps/min of room above and below keeps a flat line mid-chart.
    pcts = _scaled(medians, floor=min((m for m in medians if m is not None), default=0.0) - 10.0, margin=10.0)
    ends = [first_day + timedelta(days=7 * i + 6) for i in range(WEEKS_SHOWN)]
    return tuple(WeekPoint(_week_label(end), fmt.format_short_date(end), m, fmt.format_cadence(m), pct)
                 for end, m, pct in zip(ends, medians, pcts))


def _series_summary(title: str, points: Sequence[WeekPoint]) -> str:
    known = [p for p in points if p.value is not None]
    if not known:
        return f"{title}: no data yet."
    low = min(known, key=lambda p: p.value or 0.0)
    high = max(known, key=lambda p: p.value or 0.0)
    return (f"{title} over {len(points)} weeks: lowest {low.text} ({low.label}), highest {high.text} "
            f"({high.label}), latest {known[-1].text} ({known[-1].label}).")


def _load_stats(metrics: dict[str, object]) -> tuple[Stat, ...]:
    def number(key: str, signed: bool = False) -> str:
        value = metrics.get(key)
        if not isinstance(value, (int, float)):
            return "–"
        return f"{value:+.1f} km/day" if signed else f"{value:.1f} km/day"

    acwr = metrics.get("acwr")
    return (
        Stat("Fitness (CTL)", number("ctl"), "42-day weighted average of daily running km"),
        Stat("Fatigue (ATL)", number("atl"), "7-day weighted average of daily running km"),
        Stat("Form (TSB)", number("tsb", signed=True), "fitness minus fatigue: below zero is tired"),
        Stat("Acute:chronic", f"{acwr:.2f}" if isinstance(acwr, (int, float)) else "–",
             "last 7 days against the 3 weeks before; above 1.3 is a jump"),
    )


def _shoes(shoes: Sequence[dict[str, object]], athlete: Athlete) -> tuple[Shoe, ...]:
    info_km = athlete_thresholds(athlete).shoe_mileage.info_km
    result = []
    for shoe in shoes:
        km = float(shoe.get("km") or 0.0)  # type: ignore[arg-type]
        result.append(Shoe(str(shoe.get("name") or shoe.get("id")), fmt.format_distance(km, "metric"),
                           km >= info_km, bool(shoe.get("retired"))))
    return tuple(sorted(result, key=lambda s: (s.retired, s.name.casefold())))


def _checkins(session: Session, athlete_id: int, last_day: date) -> tuple[CheckinItem, ...]:
    first = last_day - timedelta(days=CHECKIN_DAYS_SHOWN)
    rows = [c for c in CheckinRepository(session).for_athlete(athlete_id) if c.day >= first]
    return tuple(CheckinItem(fmt.format_day(c.day), c.score) for c in reversed(rows))
