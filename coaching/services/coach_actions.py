"""What a coach does on the page: acknowledge a finding with a note, and set a rule's threshold
for one athlete (validated by `Thresholds.with_overrides`, recorded with who and when)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Mapping, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coaching.domain.thresholds import DEFAULT_THRESHOLDS, ThresholdError
from coaching.messages import catalogue
from coaching.messages import format as fmt
from coaching.messages.views import Acknowledgement
from coaching.services.checkins import athlete_thresholds
from coaching.store.models import (
    Athlete,
    Coach,
    FindingAcknowledgement,
    FindingRecord,
    OutboxMessage,
    ThresholdChange,
)

MAX_NOTE_CHARS = 1000
# Data-quality guards protect every rule at once; they are the operator's, not a coach's.
NOT_PER_ATHLETE = frozenset({"quality"})
HISTORY_SHOWN = 20


@dataclass(frozen=True)
class ThresholdOption:
    key: str  # "section.name", as with_overrides takes it
    rule: str  # the rule's title
    name: str
    current: str
    default: str
    low: str
    high: str
    whole: bool
    overridden: bool

    @property
    def label(self) -> str:
        return f"{self.rule}: {self.name}"


@dataclass(frozen=True)
class ThresholdChangeItem:
    label: str
    old: str
    new: str
    by: str
    when: str


def _rule_title(section: str) -> str:
    return catalogue.rule_title(section.replace("_", "-"))


def _name(field_name: str) -> str:
    return field_name.replace("_", " ")


def label_for(key: str) -> str:
    section, _, name = key.partition(".")
    return f"{_rule_title(section)}: {_name(name)}"


def flat_overrides(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Stored overrides in the flat `section.name` form (rule ids' hyphens as underscores)."""
    flat: dict[str, Any] = {}
    for key, value in (overrides or {}).items():
        if isinstance(value, Mapping):
            for name, inner in value.items():
                flat[f"{key.strip().replace('-', '_')}.{name}"] = inner
        else:
            section, _, name = str(key).partition(".")
            flat[f"{section.strip().replace('-', '_')}.{name}"] = value
    return flat


def threshold_options(athlete: Athlete) -> tuple[ThresholdOption, ...]:
    current = athlete_thresholds(athlete)
    overridden = set(flat_overrides(athlete.threshold_overrides or {}))
    options = []
    for section_field in fields(DEFAULT_THRESHOLDS):
        section = section_field.name
        if section in NOT_PER_ATHLETE:
            continue
        for spec in fields(getattr(DEFAULT_THRESHOLDS, section)):
            low, high = spec.metadata["range"]
            key = f"{section}.{spec.name}"
            options.append(ThresholdOption(
                key, _rule_title(section), _name(spec.name),
                fmt.format_number(getattr(getattr(current, section), spec.name)), fmt.format_number(spec.default),
                fmt.format_number(low), fmt.format_number(high), isinstance(spec.default, int), key in overridden,
            ))
    return tuple(options)


def _parse_value(key: str, text: str) -> float:
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        raise ThresholdError(f"threshold {key!r} must be a number, got {text.strip()!r}") from None


def _effective(overrides: Mapping[str, Any], section: str, name: str) -> float:
    return float(getattr(getattr(DEFAULT_THRESHOLDS.with_overrides(overrides), section), name))


def change_threshold(session: Session, coach: Coach, athlete: Athlete, key: str, value_text: str | None,
                     now: datetime) -> ThresholdChange:
    """Set `key` ("section.name") to `value_text` for this athlete, or back to the default when
    `value_text` is None. Raises ThresholdError (naming the key) for an unknown key or a value
    outside the threshold's range; nothing is changed then."""
    section, _, name = key.strip().replace("-", "_").partition(".")
    key = f"{section}.{name}"
    known = DEFAULT_THRESHOLDS.as_dict()
    if section in NOT_PER_ATHLETE or section not in known or name not in known[section]:
        raise ThresholdError(f"unknown threshold {key!r}")
    overrides = flat_overrides(athlete.threshold_overrides or {})
    old_value = _effective(overrides, section, name)
    if value_text is None:
        overrides.pop(key, None)
    else:
        overrides[key] = _parse_value(key, value_text)
    new_value = _effective(overrides, section, name)  # raises ThresholdError: nothing stored
    if value_text is not None:  # stored as validated: a whole-number threshold stays an int
        whole = isinstance(getattr(getattr(DEFAULT_THRESHOLDS, section), name), int)
        overrides[key] = int(new_value) if whole else new_value
    athlete.threshold_overrides = overrides  # a new dict: the JSON column sees the change
    change = ThresholdChange(athlete_id=athlete.id, coach_id=coach.id, changed_by=coach.name[:200], key=key,
                             old_value=old_value, new_value=new_value, changed_at=now)
    session.add(change)
    session.flush()
    return change


def threshold_history(session: Session, athlete_id: int, tz: str) -> tuple[ThresholdChangeItem, ...]:
    rows = session.scalars(select(ThresholdChange).where(ThresholdChange.athlete_id == athlete_id)
                           .order_by(ThresholdChange.changed_at.desc(), ThresholdChange.id.desc()).limit(HISTORY_SHOWN))
    return tuple(ThresholdChangeItem(label_for(r.key), fmt.format_number(r.old_value), fmt.format_number(r.new_value),
                                     r.changed_by, fmt.format_local_datetime(r.changed_at, tz)) for r in rows)


def acknowledge(session: Session, coach: Coach, athlete_id: int, finding_id: int, note: str,
                now: datetime) -> FindingAcknowledgement | None:
    """None when the finding is not this athlete's (a forged form)."""
    finding = session.get(FindingRecord, finding_id)
    if finding is None or finding.athlete_id != athlete_id:
        return None
    note = " ".join(note.split())[:MAX_NOTE_CHARS]
    finding.acknowledged_at, finding.acknowledged_note = now, note
    row = FindingAcknowledgement(finding_id=finding.id, athlete_id=athlete_id, coach_id=coach.id,
                                 coach_name=coach.name[:200], note=note, acknowledged_at=now)
    session.add(row)
    session.flush()
    return row


def _acknowledgements(session: Session, where: Any, tz: str) -> list[tuple[FindingAcknowledgement, Acknowledgement]]:
    rows = session.execute(
        select(FindingAcknowledgement, FindingRecord.rule)
        .join(FindingRecord, FindingRecord.id == FindingAcknowledgement.finding_id)
        .where(where)
        .order_by(FindingAcknowledgement.acknowledged_at, FindingAcknowledgement.id)
    )
    return [(row, Acknowledgement(catalogue.rule_title(rule), row.coach_name,
                                  fmt.format_local_datetime(row.acknowledged_at, tz), row.note)) for row, rule in rows]


def acknowledgements_for(session: Session, finding_ids: Sequence[int],
                         tz: str) -> dict[int, tuple[Acknowledgement, ...]]:
    result: dict[int, tuple[Acknowledgement, ...]] = {}
    if finding_ids:
        for row, view in _acknowledgements(session, FindingAcknowledgement.finding_id.in_(list(finding_ids)), tz):
            result[row.finding_id] = (view, *result.get(row.finding_id, ()))  # newest first
    return result


def acknowledgements_since(session: Session, athlete_ids: Sequence[int], since: datetime | None,
                           tz: str) -> dict[int, tuple[Acknowledgement, ...]]:
    """Notes on these athletes' findings made after `since` (all when None), oldest first."""
    if not athlete_ids:
        return {}
    where = FindingAcknowledgement.athlete_id.in_(list(athlete_ids))
    if since is not None:
        where = where & (FindingAcknowledgement.acknowledged_at > since)
    result: dict[int, tuple[Acknowledgement, ...]] = {}
    for row, view in _acknowledgements(session, where, tz):
        result[row.athlete_id] = (*result.get(row.athlete_id, ()), view)
    return result


def last_digest_at(session: Session, coach_id: int, before: datetime) -> datetime | None:
    """When the coach's previous digest was queued: its notes were in that one."""
    return session.scalar(
        select(func.max(OutboxMessage.created_at)).where(
            OutboxMessage.recipient_type == "coach", OutboxMessage.recipient_id == coach_id,
            OutboxMessage.kind == "coach_digest", OutboxMessage.created_at < before,
        )
    )
