"""Every message shows one plan: the alert opens with it, the summary replaces "Next week" with it
and says whether last week's was kept, the push is one line of it, the digest ranks by risk and trend."""

from __future__ import annotations

from datetime import timedelta

from message_samples import recipient
from plan_samples import NOW_UTC, SUNDAY, chloe

from coaching.domain.model import PainCheckin
from coaching.domain.summary import weekly_summary
from coaching.messages.render import render_alert, render_coach_digest, render_weekly_summary
from coaching.messages.views import DigestAthlete, alert_view, coach_digest_view, weekly_summary_view


def _alert(evaluation, units: str = "metric"):
    new = [f for f in evaluation.findings if f.severity >= 2]
    return render_alert(alert_view(recipient(units=units), new, evaluation, now_utc=NOW_UTC))


def test_the_alert_opens_with_the_next_7_days_each_limit_with_its_reason() -> None:
    message = _alert(chloe())
    text = message.text
    assert text.index("YOUR NEXT 7 DAYS · Mon 3 Mar – Sun 9 Mar") < text.index("WARNING: ")
    assert "- Longest run: at most 9.2 km. Your 21.1 km run was a spike: stay within 10 % of your longest run before it (8.4 km)." in text
    assert "- Rest days: at least 1." in text and "- Strength sessions: 3." in text
    assert "23.2" not in text and "23.2" not in message.html  # the old budget, 1.1 x the spike itself
    assert message.html.index("Your next 7 days") < message.html.index("What we found")


def test_the_alert_is_in_miles_and_feet_for_a_runner_who_prefers_feet() -> None:
    text = _alert(chloe(units="feet"), units="feet").text
    assert "- Longest run: at most 5.7 mi. Your 13.1 mi run was a spike" in text  # 9.2 km, rounded down
    assert " km" not in text.split("YOUR NEXT 7 DAYS")[1].split("\n\n")[0]


def test_the_push_alert_is_one_line_of_the_plan() -> None:
    message = _alert(chloe())
    assert message.push_body is not None
    plan_line, *rest = message.push_body.strip().split("\n")
    assert rest == ["https://coach.example/athletes/1"]  # the one line of the plan, then the link
    assert plan_line == "Next 7 days: runs up to 9.2 km, 18.4 km in all, 1+ rest day, at most 2 hard runs."


def test_pain_of_9_stops_running_in_the_plan_and_sends_the_runner_to_a_physiotherapist() -> None:
    message = _alert(chloe(checkins=(PainCheckin(SUNDAY, 9),)))
    assert "STOP RUNNING FOR NOW. Knee pain 9/10: stop running" in message.text
    assert "- Longest run: no running." in message.text
    assert message.push_body.startswith("Next 7 days: no running (knee pain)")
    assert "physiotherapist" in message.push_body
    hold = _alert(chloe(checkins=(PainCheckin(SUNDAY, 3),)))
    assert "HOLD: NO PROGRESSION. Knee pain 3/10" in hold.text and "STOP RUNNING" not in hold.text


def _summary(evaluation, units: str = "metric"):
    activities_week = weekly_summary([], SUNDAY - timedelta(days=6))
    view = weekly_summary_view(recipient(units=units), activities_week, evaluation.findings, None, now_utc=NOW_UTC,
                               plan=evaluation.plan, plan_check=evaluation.plan_check)
    return render_weekly_summary(view)


def test_the_weekly_summary_shows_the_plan_instead_of_next_week_and_whether_last_weeks_was_kept() -> None:
    message = _summary(chloe())
    text = message.text
    assert "NEXT WEEK" not in text and "YOUR NEXT 7 DAYS · Mon 3 Mar – Sun 9 Mar" in text
    assert "LAST WEEK'S PLAN · Mon 24 Feb – Sun 2 Mar: not kept: longest run, running this week" in text
    # Last week's plan (made on Sun 23 Feb): 1.1 x the 8.4 km runs, 1.1 x the 16.8 km week.
    assert "- Longest run: up to 9.2 km, done 21.1 km (not kept)" in text
    assert "- Running this week: up to 18.4 km, done 37.9 km (not kept)" in text
    assert "- Strength sessions: at least 2, done 0 (missed)" in text  # a target: shown, breaks nothing
    assert "Last week's plan: not kept: longest run, running this week" in message.html
    assert message.push_body is not None and "Next 7 days: runs up to 9.2 km" in message.push_body


def test_a_week_that_kept_its_plan_says_kept() -> None:
    quiet = chloe(as_of=SUNDAY - timedelta(days=1))  # the Saturday before the spike
    text = _summary(quiet).text
    assert "LAST WEEK'S PLAN · Sun 23 Feb – Sat 1 Mar: kept\n- Longest run: up to 9.2 km, done 8.4 km\n" in text


def _athlete(name: str, evaluation, *, week_ago=None, checks=None, pain=None) -> DigestAthlete:
    return DigestAthlete.from_findings(
        name, evaluation.findings, 30.0, None,
        risk_week_ago=evaluation.risk_score_week_ago if week_ago is None else week_ago,
        plan=evaluation.plan, checks=checks if checks is not None else (evaluation.plan_check,),
        pain_score=pain, pain_day=SUNDAY if pain is not None else None,
    )


def test_the_digest_ranks_everyone_by_risk_then_trend_with_plan_adherence_and_pain() -> None:
    spike = chloe()
    quiet = chloe(as_of=SUNDAY - timedelta(days=1))
    broken = spike.plan_check
    athletes = [
        _athlete("Quiet falling", quiet, week_ago=5.0),
        _athlete("Quiet rising", quiet, week_ago=0.0),
        _athlete("Spiking", spike, checks=(broken, broken), pain=7),
    ]
    view = coach_digest_view("Carla", athletes, preferences_url="https://coach.example/p", units="feet")
    assert [row.name for row in view.rows] == ["Spiking", "Quiet rising", "Quiet falling"]
    risks = [float(row.risk) for row in view.rows]
    assert risks == sorted(risks, reverse=True)
    top = view.rows[0]
    assert top.flagged and top.broken_twice and top.pain == "7/10 on Sun 2 Mar"
    assert top.running == "normal" and top.plan.startswith("Next 7 days: runs up to 5.7 mi")
    assert top.adherence == "not kept: longest run, running this week"
    assert view.rows[1].trend == "rising" and view.rows[2].trend == "falling"
    message = render_coach_digest(view)
    assert "1. Spiking · FLAGGED · risk" in message.text
    assert "Last week's plan: not kept: longest run, running this week (broken two weeks running)" in message.text
    assert "Latest knee pain: 7/10 on Sun 2 Mar" in message.text
    assert "broken two weeks running" in message.html


def test_one_ranking_across_flagged_and_others_reads_in_one_order() -> None:
    from coaching.domain.model import Evidence, Finding, Severity

    def athlete(name, *findings):
        return DigestAthlete.from_findings(name, [Finding(r, s, e, why="w") for r, s, e in findings], 20.0)

    athletes = [
        athlete("Flagged low", ("monotony", Severity.CAUTION, Evidence.C)),  # 0.6
        athlete("Unflagged high", ("strength-missing", Severity.INFO, Evidence.A), ("shoe-mileage", Severity.INFO, Evidence.B)),  # 1.6
        athlete("Flagged high", ("long-run-spike", Severity.WARNING, Evidence.A)),  # 3
    ]
    view = coach_digest_view("Carla", athletes, preferences_url="https://coach.example/p")
    assert [row.risk for row in view.rows] == ["3", "1.6", "0.6"]
    text = render_coach_digest(view).text
    assert text.index("Flagged high") < text.index("Unflagged high") < text.index("Flagged low")
