"""`coach status`'s view of the database, and the run-summary artifact's text."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from coaching.services.claims import ensure_sync_states
from coaching.services.status import budget_line, format_status, pipeline_status, stored_budget, summary_markdown
from coaching.store.budget import BudgetRepository
from coaching.store.models import Activity, EvaluationRecord, FindingRecord, OutboxMessage, SyncState
from coaching.strava.budget import Usage
from scale_helpers import NOW, add_athletes


def _activity(athlete_id: int, activity_id: int, fetched_at: datetime) -> Activity:
    return Activity(id=activity_id, athlete_id=athlete_id, sport_type="Run", start_utc=NOW - timedelta(days=1),
                    start_local=datetime(2026, 11, 24, 7, 0), raw={}, fetched_at=fetched_at)


def _message(recipient_id: int, status: str, created_at: datetime, sent_at: datetime | None = None) -> OutboxMessage:
    return OutboxMessage(recipient_type="athlete", recipient_id=recipient_id, kind="alert", period=f"p{created_at:%H%M}",
                         channel="email", subject="s", body_text="b", status=status, next_attempt_at=created_at,
                         created_at=created_at, sent_at=sent_at)


def test_status_counts_syncs_activities_findings_and_messages_from_the_database(sessions):
    fresh, failing, never = add_athletes(sessions, ["Europe/Berlin", "Asia/Tokyo", "UTC"])
    add_athletes(sessions, ["UTC"], connected=False)
    with sessions.begin() as session:
        ensure_sync_states(session)
        ok = session.get(SyncState, fresh)
        ok.last_success_at = ok.last_attempt_at = NOW - timedelta(hours=9)
        bad = session.get(SyncState, failing)
        bad.last_success_at, bad.last_attempt_at = NOW - timedelta(days=3), NOW - timedelta(hours=9)
        bad.last_error = "StravaUnavailable: list activities: Strava server error (500)"
        bad.lease_owner, bad.lease_until = "host:1:abc", NOW + timedelta(minutes=5)
        session.add_all([_activity(fresh, 1001, NOW - timedelta(hours=9)), _activity(fresh, 1002, NOW - timedelta(days=5))])
        session.add(EvaluationRecord(athlete_id=fresh, as_of=date(2026, 11, 24), metrics={}, skipped=[], data_quality=[]))
        for key, rule, seen in [("a", "long-run-spike", date(2026, 11, 24)), ("b", "no-rest-day", date(2026, 11, 20))]:
            session.add(FindingRecord(athlete_id=fresh, key=key, rule=rule, severity=2, evidence="B", metrics={},
                                      suggestions=[], first_seen_on=seen, last_seen_on=seen))
        session.add_all([
            _message(fresh, "sent", NOW - timedelta(hours=10), sent_at=NOW - timedelta(hours=9)),
            _message(fresh, "queued", NOW - timedelta(hours=2)),
            _message(failing, "queued", NOW - timedelta(hours=30)),
        ])
    with sessions.begin() as session:
        status = pipeline_status(session, NOW, athlete_limit=10, budget=Usage(40, 300, 100, 1000))
    assert (status.athletes, status.connected, status.synced_last_day, status.never_synced, status.failing,
            status.leased_now) == (4, 3, 1, 1, 1, 1)
    assert (status.activities, status.activities_last_day) == (2, 1)
    assert status.findings_by_rule == {"long-run-spike": 1}  # the other is not in the latest evaluation
    assert status.messages == {"queued": 2, "sent": 1} and (status.sent_last_day, status.queued_due) == (1, 2)
    assert status.oldest_queued_at == NOW - timedelta(hours=30)
    assert [line.athlete_id for line in status.athletes_detail][:3] == [failing, never, fresh]  # failing first
    text = format_status(status, margin=0.1)
    assert "athletes: 4 (3 connected), synced in the last 24 h: 1, never synced: 1, failing: 1" in text
    assert "15-minute window 60 of 100 left, today 700 of 1000 left (the pipeline keeps 10% in reserve)" in text
    assert "Strava server error (500)" in text and "open findings by rule: long-run-spike 1" in text


def test_the_stored_budget_reads_a_rolled_over_window_as_empty(sessions):
    with sessions.begin() as session:
        repo = BudgetRepository(session, 5150)
        repo.reconcile(NOW, 80, 600, 100, 1000)
    with sessions.begin() as session:
        assert stored_budget(session, 5150, NOW) == Usage(80, 600, 100, 1000)
        assert stored_budget(session, 5150, NOW + timedelta(minutes=20)) == Usage(0, 600, 100, 1000)
        assert stored_budget(session, 5150, NOW + timedelta(days=1)) == Usage(0, 0, 100, 1000)
        assert stored_budget(session, 1, NOW) is None
    assert budget_line(None).startswith("unknown")


def test_the_run_summary_artifact_lists_counts_then_each_breakdown_then_the_failures():
    markdown = summary_markdown(
        "Nightly run",
        {"athletes": 3, "sync_failed": 1, "failure_reasons": {"StravaUnavailable": 1},
         "findings_by_rule": {}, "failures": ["athlete 7: StravaUnavailable: 500"]},
        ["athlete 7: StravaUnavailable: 500"],
    )
    assert markdown.splitlines()[:6] == ["# Nightly run", "", "| what | value |", "|---|---|", "| athletes | 3 |",
                                         "| sync failed | 1 |"]
    assert "## failure reasons\n\n| name | count |\n|---|---|\n| StravaUnavailable | 1 |" in markdown
    assert "## findings by rule\n\n| name | count |\n|---|---|\n| none | 0 |" in markdown
    assert markdown.endswith("## details\n\n- athlete 7: StravaUnavailable: 500")
