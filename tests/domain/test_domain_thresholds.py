from __future__ import annotations

import pytest

from coaching.domain.thresholds import DEFAULT_THRESHOLDS, ThresholdError, Thresholds


def test_defaults_are_the_documented_values_of_rules_md() -> None:
    t = DEFAULT_THRESHOLDS
    assert (t.long_run_spike.caution_pct, t.long_run_spike.warning_pct, t.long_run_spike.min_run_km) == (10, 100, 3)
    assert t.long_run_spike.budget_factor == 1.1 and t.long_run_spike.lookback_days == 30
    assert (t.return_after_break.break_days, t.return_after_break.baseline_weeks) == (14, 8)
    assert t.return_after_break.median_fraction == 0.5
    assert (t.weekly_ramp.info_1w_pct, t.weekly_ramp.caution_1w_pct, t.weekly_ramp.caution_2w_pct) == (10, 20, 30)
    assert t.weekly_ramp.min_base_km == 10
    assert (t.acwr.caution_ratio, t.acwr.warning_ratio, t.acwr.detraining_ratio) == (1.3, 1.5, 0.8)
    assert (t.no_rest_day.caution_days, t.no_rest_day.warning_days) == (7, 10)
    assert (t.monotony.caution, t.monotony.warning) == (1.5, 2.0)
    assert (t.intensity_jump.hr_fraction_of_max, t.intensity_jump.speed_factor) == (0.88, 1.15)
    assert (t.hill_jump.gain_factor, t.hill_jump.min_gain_m, t.hill_jump.trail_share_points) == (1.5, 300, 30)
    assert (t.low_cadence.min_moving_s, t.low_cadence.min_speed_mps, t.low_cadence.speed_band_mps) == (900, 2.2, 0.3)
    assert (t.low_cadence.drop_pct, t.low_cadence.median_floor_spm, t.low_cadence.baseline_days) == (5, 166, 60)
    assert (t.shoe_mileage.info_km, t.shoe_mileage.caution_km, t.shoe_mileage.single_shoe_weekly_km) == (600, 800, 20)
    assert t.strength_missing.min_sessions_per_week == 2
    assert (t.pain_reported.caution_score, t.pain_reported.warning_score, t.pain_reported.persistent_above) == (3, 5, 2)
    assert (t.quality.near_duplicate_s, t.quality.near_duplicate_distance_pct) == (60, 3)
    assert (t.quality.max_run_speed_mps, t.quality.max_run_km, t.quality.stride_guard_spm) == (7, 250, 120)


def test_overrides_accept_nested_flat_and_rule_id_spellings() -> None:
    nested = DEFAULT_THRESHOLDS.with_overrides({"weekly_ramp": {"info_1w_pct": 15}})
    flat = DEFAULT_THRESHOLDS.with_overrides({"weekly_ramp.info_1w_pct": 15})
    hyphen = DEFAULT_THRESHOLDS.with_overrides({"weekly-ramp": {"info_1w_pct": 15}})
    assert nested == flat == hyphen
    assert nested.weekly_ramp.info_1w_pct == 15.0
    assert nested.weekly_ramp.caution_1w_pct == 20.0  # the rest keeps its default
    assert DEFAULT_THRESHOLDS.weekly_ramp.info_1w_pct == 10.0  # the defaults are not mutated


def test_whole_number_thresholds_stay_integers() -> None:
    t = DEFAULT_THRESHOLDS.with_overrides({"no_rest_day": {"caution_days": 6.0}})
    assert t.no_rest_day.caution_days == 6 and isinstance(t.no_rest_day.caution_days, int)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"weekly_rmp": {"info_1w_pct": 15}}, "weekly_rmp"),
        ({"weekly_ramp": {"info_pct": 15}}, "weekly_ramp.info_pct"),
        ({"weekly_ramp.info_1w_pct": -5}, "weekly_ramp.info_1w_pct"),
        ({"weekly_ramp.info_1w_pct": "15"}, "weekly_ramp.info_1w_pct"),
        ({"weekly_ramp.info_1w_pct": True}, "weekly_ramp.info_1w_pct"),
        ({"weekly_ramp.info_1w_pct": float("nan")}, "weekly_ramp.info_1w_pct"),
        ({"no_rest_day.caution_days": 6.5}, "no_rest_day.caution_days"),
        ({"long_run_spike": {"caution_pct": 150}}, "long_run_spike.caution_pct"),
        ({"acwr": 1.4}, "acwr"),
    ],
)
def test_a_bad_override_fails_naming_the_key(overrides: dict, message: str) -> None:
    with pytest.raises(ThresholdError, match=message.replace(".", r"\.")):
        DEFAULT_THRESHOLDS.with_overrides(overrides)


def test_thresholds_are_frozen() -> None:
    with pytest.raises(Exception):
        DEFAULT_THRESHOLDS.weekly_ramp.info_1w_pct = 50  # type: ignore[misc]


def test_as_dict_lists_every_section_and_round_trips() -> None:
    as_dict = DEFAULT_THRESHOLDS.as_dict()
    assert set(as_dict) >= {"long_run_spike", "weekly_ramp", "acwr", "pain_reported", "quality"}
    assert Thresholds().with_overrides(as_dict) == DEFAULT_THRESHOLDS
