"""The messages read the metric keys the real domain writes: findings from `evaluate()` get their
own rule sentence, not the generic list of numbers."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from message_samples import alert_for, recipient

from coaching.domain.evaluate import evaluate
from coaching.domain.model import Activity, PainCheckin
from coaching.domain.summary import next_week_guidance, weekly_summary
from coaching.messages.render import default_renderer, render_alert, render_weekly_summary
from coaching.messages.views import finding_view, weekly_summary_view

AS_OF = date(2025, 3, 4)


def _run(activity_id: int, day: date, km: float) -> Activity:
    start = datetime.combine(day, datetime.min.time()).replace(hour=7)
    return Activity(
        id=activity_id, sport_type="Run", start_local=start, start_utc=start.replace(tzinfo=timezone.utc),
        distance_m=km * 1000, moving_s=int(km * 330), average_speed_mps=1000 / 330,
        average_cadence_raw=80, gear_id="g1",
    )


def _activities() -> list[Activity]:
    # Two months of 8 km every other day (3 or 4 runs a week), then 20 km on the evaluation day.
    steady = [_run(i, AS_OF - timedelta(days=2 * i + 1), 8.0) for i in range(1, 30)]
    return [*steady, _run(999, AS_OF, 20.0)]


def test_every_finding_of_a_real_evaluation_gets_its_rule_sentence() -> None:
    evaluation = evaluate(_activities(), AS_OF, checkins=[PainCheckin(AS_OF, 5)])
    rules = {f.rule for f in evaluation.findings}
    assert {"long-run-spike", "weekly-ramp", "strength-missing", "pain-reported"} <= rules
    renderer = default_renderer()
    generic = renderer.env.get_template("rules/_generic.txt.j2")
    for finding in evaluation.findings:
        view = finding_view(finding, "metric")
        sentence = renderer.what_happened(view)
        assert sentence != " ".join(generic.render(f=view).split()), finding.rule
    message = render_alert(alert_for(*evaluation.findings))
    assert "A 20.0 km run, 150% longer than the longest of the 30 days before it (8.0 km)." in message.text
    assert "Knee pain 5/10 on Tue 4 Mar." in message.text


def test_a_real_weekly_summary_and_its_guidance_render() -> None:
    summary = weekly_summary(_activities(), date(2025, 2, 24))
    view = weekly_summary_view(recipient(), summary, [], next_week_guidance(summary))
    message = render_weekly_summary(view)
    assert message.subject == "Your week 24 Feb – 2 Mar 2025: 24.0 km in 3 runs"
    assert view.chart[-1].value == "24.0 km" and view.chart[-2].value == "32.0 km"
    assert view.guidance is not None and "Aim for " + view.guidance.week_range in message.text
