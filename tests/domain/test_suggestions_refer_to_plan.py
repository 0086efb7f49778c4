"""Suggestions point to the plan and name no distance cap of their own; sentences that read right."""

from __future__ import annotations

import re

from domain_builders import AS_OF, run, steady_weeks

from coaching.domain.evaluate import evaluate
from coaching.domain.model import Gear, PainCheckin

DISTANCE = re.compile(r"\d+(\.\d+)?\s*(km|mi)\b")

HISTORIES = {
    "spike": steady_weeks(6, 10.0, first_days_before=2) + [run(0, 21.0)],
    "break": steady_weeks(10, 8.0, first_days_before=20) + [run(0, 7.0)],
    "ramp": steady_weeks(6, 10.0, first_days_before=7) + [run(d, 12.0) for d in (0, 2, 4, 6)],
    "hills": steady_weeks(6, 10.0, first_days_before=7) + [run(d, 10.0, elevation_m=400.0) for d in (0, 2, 4)],
    "streak": steady_weeks(6, 6.0, first_days_before=9) + [run(d, 5.0 + d % 3) for d in range(8)],
    "hard": steady_weeks(6, 10.0, first_days_before=2) + [run(0, 8.0, workout_type=3), run(3, 8.0, workout_type=1)],
}


def test_no_suggestion_but_the_shoes_names_a_distance_the_plan_is_the_one_place_for_them() -> None:
    seen_rules = set()
    for name, history in HISTORIES.items():
        for units in ("metric", "imperial"):
            evaluation = evaluate(history, AS_OF, units=units, checkins=[PainCheckin(AS_OF, 4)])
            for finding in evaluation.findings:
                seen_rules.add(finding.rule)
                for suggestion in finding.suggestions:
                    if suggestion.category != "shoes":
                        assert not DISTANCE.search(suggestion.text), (name, finding.rule, suggestion.text)
    assert {"long-run-spike", "return-after-break", "weekly-ramp", "acwr", "hill-jump", "no-rest-day",
            "intensity-jump", "pain-reported", "no-cross-training", "strength-missing"} <= seen_rules


def test_the_single_shoe_suggestion_is_one_sentence_that_reads_right() -> None:
    history = [run(d, 10.0, gear_id="g1") for d in range(0, 42, 2)]  # 35 km a week, all in one pair
    evaluation = evaluate(history, AS_OF, gear=[Gear("g1", "Daily trainer", 310_000.0)])
    rotation = next(f for f in evaluation.findings if f.rule == "shoe-mileage" and f.subject == "g1:rotation")
    text = rotation.suggestions[0].text
    assert text.startswith("All your recent runs were in Daily trainer (310.0 km so far). ")
    assert "Daily trainer has" not in text


def test_the_strength_numbers_are_said_once_and_no_strength_work_is_said_in_words() -> None:
    evaluation = evaluate(HISTORIES["spike"], AS_OF)
    finding = next(f for f in evaluation.findings if f.rule == "strength-missing")
    words = finding.why + " ".join(s.text for s in finding.suggestions)
    assert words.count("strength sessions a week") == 0 and words.count("You average") == 0
    assert finding.why.startswith("You did no strength work in the last 4 weeks")


def test_pain_of_9_gets_a_different_bullet_from_pain_of_3() -> None:
    def bullets(score: int) -> list[str]:
        evaluation = evaluate(HISTORIES["spike"], AS_OF, checkins=[PainCheckin(AS_OF, score)])
        finding = next(f for f in evaluation.findings if f.rule == "pain-reported")
        return [s.text for s in finding.suggestions]

    mild, severe = bullets(3), bullets(9)
    assert set(mild).isdisjoint(severe)
    assert "physiotherapist" in severe[0] and "9/10" in severe[0] and "Stop running" in severe[0]
    assert "3/10" in mild[0] and "Stop running" not in mild[0]
