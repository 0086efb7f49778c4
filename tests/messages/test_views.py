from __future__ import annotations

from dataclasses import replace
import pytest
from message_samples import AS_OF, SAMPLES, alert_for, recipient, summary_for

from coaching.domain.model import Evaluation, Evidence, Finding, Severity
from coaching.messages.views import DigestAthlete, alert_view, coach_digest_view, finding_view


def _finding(rule: str, severity: Severity, evidence: Evidence) -> Finding:
    return Finding(rule, severity, evidence, why="w")


def test_the_digest_ranks_everyone_by_risk_score_in_one_order_and_marks_the_flagged() -> None:
    athletes = [
        DigestAthlete.from_findings("Cleo", [_finding("monotony", Severity.WARNING, Evidence.C)], 30.0),  # 0.9
        DigestAthlete.from_findings("Anna", [_finding("long-run-spike", Severity.CAUTION, Evidence.A)], 40.0),  # 2.0
        DigestAthlete.from_findings(
            "Ben",
            [_finding("strength-missing", Severity.INFO, Evidence.A), _finding("low-cadence", Severity.INFO, Evidence.B),
             _finding("shoe-mileage", Severity.INFO, Evidence.B)],
            50.0,
        ),  # 2.2, but nothing at caution: not flagged
        DigestAthlete.from_findings("Dan", [], 20.0),
    ]
    view = coach_digest_view("Carla", athletes, preferences_url="https://coach.example/p")
    # One ranking (the issue: flagged and everyone else sorted apart read 0.9, 2.2 in one list).
    assert [(row.name, row.flagged) for row in view.rows] == [("Ben", False), ("Anna", True), ("Cleo", True), ("Dan", False)]
    assert [row.name for row in view.flagged] == ["Anna", "Cleo"]
    assert [row.name for row in view.others] == ["Ben", "Dan"]
    assert [row.risk for row in view.flagged] == ["2", "0.9"]
    assert view.others[0].top is not None and view.others[0].top.rule == "strength-missing"
    assert view.others[1].top is None and view.athlete_count == 4


def test_the_digest_shows_distances_in_the_coachs_units() -> None:
    view = coach_digest_view(
        "Carla", [DigestAthlete.from_findings("Anna", [], 42.195)], preferences_url="https://coach.example/p", units="feet"
    )
    assert view.others[0].weekly_distance == "26.2 mi"


def test_findings_still_open_are_listed_apart_from_the_new_ones() -> None:
    new, old = SAMPLES[0].finding, SAMPLES[7].finding
    evaluation = Evaluation(as_of=AS_OF, metrics={}, findings=(old, new))
    view = alert_view(recipient(), [new], evaluation)
    assert [f.rule for f in view.findings] == ["long-run-spike"]
    assert [f.rule for f in view.still_open] == ["no-rest-day"]
    assert view.sent_at is None


def test_an_alert_without_a_new_finding_is_a_bug() -> None:
    with pytest.raises(ValueError):
        alert_view(recipient(), [], Evaluation(as_of=AS_OF, metrics={}, findings=()))


def test_a_recipient_is_checked_when_it_is_built() -> None:
    with pytest.raises(ValueError, match="time zone"):
        recipient(tz="Mars/Olympus")
    with pytest.raises(ValueError, match="score"):
        recipient(checkin_url_template="https://coach.example/checkin")
    with pytest.raises(ValueError, match="preferences"):
        recipient(preferences_url="")
    assert recipient(units="meters").units == "metric"


def test_a_finding_view_links_its_activity_on_strava_and_leaves_out_empty_metrics() -> None:
    view = finding_view(SAMPLES[4].finding, "metric")  # weekly-ramp caution: two_weeks_ago_km is None
    assert "two_weeks_ago_km" not in view.n and "label" not in view.n
    assert [n.key for n in view.numbers][:2] == ["week_km", "previous_week_km"]
    assert view.activity_url is None
    assert finding_view(SAMPLES[0].finding, "metric").activity_url == "https://www.strava.com/activities/111"


def test_the_week_labels_are_the_mondays_of_the_twelve_weeks() -> None:
    view = summary_for()
    assert [bar.label for bar in view.chart] == [
        "9 Dec", "16 Dec", "23 Dec", "30 Dec", "6 Jan", "13 Jan", "20 Jan", "27 Jan", "3 Feb", "10 Feb", "17 Feb", "24 Feb",
    ]


def test_the_alert_severity_is_the_worst_new_finding() -> None:
    assert alert_for(SAMPLES[3].finding, SAMPLES[0].finding).severity == "warning"
    assert alert_for(replace(SAMPLES[3].finding)).severity == "info"
