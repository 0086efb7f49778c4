from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from coaching.messages import format as fmt


def test_strava_measurement_preferences_map_to_our_units() -> None:
    assert fmt.normalize_units("feet") == "imperial"
    assert fmt.normalize_units("meters") == "metric"
    with pytest.raises(ValueError):
        fmt.normalize_units("furlongs")


def test_distances_and_elevations_follow_the_readers_units() -> None:
    assert fmt.format_distance(42.195, "metric") == "42.2 km"
    assert fmt.format_distance(42.195, "imperial") == "26.2 mi"
    assert fmt.format_elevation(350, "metric") == "350 m"
    assert fmt.format_elevation(350, "imperial") == "1148 ft"


def test_a_distance_range_is_rounded_inwards_so_its_limits_hold() -> None:
    assert fmt.format_distance_range(37.1, 46.9, "metric") == "38–46 km"
    assert fmt.format_distance_range(10.0, 11.0, "metric") == "10.0–11.0 km"
    assert fmt.format_distance_range(10.05, 10.08, "metric") == "10.1–10.1 km"


def test_durations_and_paces_read_naturally() -> None:
    assert fmt.format_duration(45 * 60) == "45 min"
    assert fmt.format_duration(15_000) == "4 h 10 min"
    assert fmt.format_pace(1000 / 300, "metric") == "5:00 /km"
    assert fmt.format_pace(1609.344 / 480, "imperial") == "8:00 /mi"


@pytest.mark.parametrize(
    ("key", "value", "metric", "imperial"),
    [
        ("longest_previous_km", 12.0, "12.0 km", "7.5 mi"),
        ("gain_7d_m", 640.0, "640 m", "2100 ft"),
        ("cadence_spm", 158.4, "158 spm", "158 spm"),
        ("spike_pct", 75.8, "76%", "76%"),
        ("swap_cross_training_min", 95, "1 h 35 min", "1 h 35 min"),
        ("cross_training_min_7d", 0, "0 min", "0 min"),
        ("acute_daily_km", 4.13, "4.1 km", "2.6 mi"),
        ("strength_sessions_per_week", 0.5, "0.5/week", "0.5/week"),
        ("acwr", 1.62, "1.62", "1.62"),
        ("checkin_day", "2025-03-04", "Tue 4 Mar", "Tue 4 Mar"),
        ("shoe_name", "Pegasus 40", "Pegasus 40", "Pegasus 40"),
        ("monotony", None, "–", "–"),
        ("monotony", float("inf"), "–", "–"),
    ],
)
def test_a_metric_is_formatted_by_its_unit_suffix(key: str, value: object, metric: str, imperial: str) -> None:
    assert fmt.format_metric(key, value, "metric") == metric  # type: ignore[arg-type]
    assert fmt.format_metric(key, value, "imperial") == imperial  # type: ignore[arg-type]


def test_metric_labels_drop_the_unit_and_keep_the_window() -> None:
    assert fmt.metric_label("longest_previous_km") == "Longest previous"
    assert fmt.metric_label("hard_runs_7d") == "Hard runs (7d)"
    assert fmt.metric_label("median_cadence_28d_spm") == "Median cadence (28d)"
    assert fmt.metric_label("strength_sessions_per_week") == "Strength sessions"
    assert fmt.metric_label("acwr") == "Acute:chronic ratio"


def test_dates_are_english_whatever_the_process_locale() -> None:
    assert fmt.format_day(date(2025, 3, 4)) == "Tue 4 Mar"
    assert fmt.format_long_day(date(2025, 3, 4)) == "Tuesday 4 March 2025"
    assert fmt.format_day_range(date(2025, 2, 24), date(2025, 3, 2)) == "24 Feb – 2 Mar 2025"
    assert fmt.format_day_range(date(2024, 12, 30), date(2025, 1, 5)) == "30 Dec 2024 – 5 Jan 2025"


def test_an_instant_is_shown_in_the_readers_time_zone_and_naive_times_are_refused() -> None:
    moment = datetime(2025, 3, 30, 0, 30, tzinfo=timezone.utc)  # the night Paris moves to summer time
    assert fmt.format_local_datetime(moment, "Europe/Paris") == "Sun 30 Mar 2025, 01:30"
    assert fmt.format_local_datetime(moment, "Asia/Tokyo") == "Sun 30 Mar 2025, 09:30"
    with pytest.raises(ValueError):
        fmt.format_local_datetime(datetime(2025, 3, 30, 0, 30), "Europe/Paris")
