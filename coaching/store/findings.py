"""Findings across nights: the same finding (rule + activity) is one row, so a runner is alerted once."""

from __future__ import annotations

from datetime import date, datetime
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from coaching.domain.model import Evaluation, Evidence, Finding, Severity, Suggestion
from coaching.store.models import EvaluationRecord, FindingRecord


def to_domain_finding(row: FindingRecord) -> Finding:
    return Finding(
        rule=row.rule,
        severity=Severity(row.severity),
        evidence=Evidence(row.evidence),
        why=row.why,
        metrics=dict(row.metrics or {}),
        activity_id=row.activity_id,
        suggestions=tuple(Suggestion(s["category"], s["text"]) for s in row.suggestions or []),
    )


class FindingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, athlete_id: int, evaluation: Evaluation, risk_score: float,
               evaluated_at: datetime | None = None) -> list[FindingRecord]:
        """Store tonight's evaluation; return the findings of caution or above not yet alerted.
        `evaluated_at` is the run's clock: the night compares it with the sync it followed."""
        existing = {
            row.key: row
            for row in self.session.scalars(select(FindingRecord).where(FindingRecord.athlete_id == athlete_id))
        }
        for finding in evaluation.findings:
            row = existing.get(finding.key)
            if row is None:
                row = FindingRecord(athlete_id=athlete_id, key=finding.key, first_seen_on=evaluation.as_of)
                self.session.add(row)
                existing[finding.key] = row
            elif finding.severity > row.severity and row.alerted_at is not None:
                # It got worse since we told the runner: tell them again.
                row.alerted_at = None
            row.rule = finding.rule
            row.severity = int(finding.severity)
            row.evidence = finding.evidence.value
            row.activity_id = finding.activity_id
            row.metrics = _jsonable(finding.metrics)
            row.why = finding.why
            row.suggestions = [{"category": s.category, "text": s.text} for s in finding.suggestions]
            row.last_seen_on = max(evaluation.as_of, row.last_seen_on or evaluation.as_of)
        record = self.session.get(EvaluationRecord, athlete_id)
        if record is None:
            record = EvaluationRecord(athlete_id=athlete_id)
            self.session.add(record)
        record.as_of = evaluation.as_of
        record.metrics = _jsonable(evaluation.metrics)
        record.skipped = [{"rule": s.rule, "reason": s.reason} for s in evaluation.skipped]
        record.data_quality = list(evaluation.data_quality)
        record.risk_score = risk_score
        if evaluated_at is not None:
            record.evaluated_at = evaluated_at
        self.session.flush()
        keys = {finding.key for finding in evaluation.findings}
        return [
            row
            for row in existing.values()
            if row.key in keys and row.severity >= Severity.CAUTION and row.alerted_at is None
        ]

    def open_findings(self, athlete_id: int) -> list[FindingRecord]:
        """Findings seen in the athlete's latest evaluation, most severe first."""
        record = self.session.get(EvaluationRecord, athlete_id)
        if record is None:
            return []
        rows = self.session.scalars(
            select(FindingRecord).where(
                FindingRecord.athlete_id == athlete_id, FindingRecord.last_seen_on >= record.as_of
            )
        )
        return sorted(rows, key=lambda r: (-r.severity, r.rule, r.activity_id or 0))

    def open_findings_for(self, athlete_ids: Sequence[int]) -> dict[int, list[FindingRecord]]:
        """`open_findings` for a batch of athletes in one query."""
        result: dict[int, list[FindingRecord]] = {athlete_id: [] for athlete_id in athlete_ids}
        if not athlete_ids:
            return result
        rows = self.session.scalars(
            select(FindingRecord)
            .join(EvaluationRecord, EvaluationRecord.athlete_id == FindingRecord.athlete_id)
            .where(FindingRecord.athlete_id.in_(list(athlete_ids)), FindingRecord.last_seen_on >= EvaluationRecord.as_of)
        )
        for row in rows:
            result[row.athlete_id].append(row)
        for athlete_id, found in result.items():
            found.sort(key=lambda r: (-r.severity, r.rule, r.activity_id or 0))
        return result

    def latest_evaluation(self, athlete_id: int) -> EvaluationRecord | None:
        return self.session.get(EvaluationRecord, athlete_id)

    def mark_alerted(self, rows: Sequence[FindingRecord], at: datetime) -> None:
        for row in rows:
            row.alerted_at = at


def _jsonable(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value != value:  # NaN is not JSON
        return None
    if hasattr(value, "__dataclass_fields__"):
        return _jsonable(vars(value))
    return value
