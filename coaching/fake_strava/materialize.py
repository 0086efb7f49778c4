"""Planned sessions -> activity records with plausible physiology: pace, cadence, heart rate,
elevation, temperature, start times and names the way Strava writes them."""

from __future__ import annotations

import math
import random
import uuid
from datetime import date, datetime, time, timezone

from coaching.fake_strava.gear import GearPool
from coaching.fake_strava.plan import PlannedSession
from coaching.fake_strava.records import ActivityRecord, AthleteRecord, local_to_utc

# kind -> (sport_type, speed factor vs easy pace, share of max HR, extra elapsed seconds)
_RUNS = {
    "easy": ("Run", 1.0, 0.75, 90),
    "long": ("Run", 0.97, 0.78, 300),
    "workout": ("Run", 1.10, 0.86, 240),
    "trail": ("TrailRun", 0.82, 0.80, 420),
    "treadmill": ("VirtualRun", 1.0, 0.76, 30),
    "race": ("Run", 1.12, 0.89, 15),
}
# kind -> (sport_type, speed m/s or None for no distance, share of max HR, kcal per minute)
_OTHERS = {
    "ride": ("Ride", 7.2, 0.68, 9.0),
    "swim": ("Swim", 0.85, 0.70, 9.5),
    "strength": ("WeightTraining", None, 0.56, 6.0),
    "yoga": ("Yoga", None, 0.46, 3.0),
    "walk": ("Walk", 1.4, 0.50, 4.5),
}
_NAMES = {
    "Run": "Run", "TrailRun": "Trail Run", "VirtualRun": "Run", "Ride": "Ride", "VirtualRide": "Ride",
    "Swim": "Swim", "WeightTraining": "Weight Training", "Yoga": "Yoga", "Walk": "Walk",
}


def default_name(sport_type: str, local_hour: int) -> str:
    """Strava's automatic titles: the part of the day plus the sport."""
    if 4 <= local_hour < 11:
        part = "Morning"
    elif local_hour < 14:
        part = "Lunch"
    elif local_hour < 17:
        part = "Afternoon"
    elif local_hour < 21:
        part = "Evening"
    else:
        part = "Night"
    return f"{part} {_NAMES.get(sport_type, sport_type)}"


def _start_hour(session: PlannedSession, athlete: AthleteRecord) -> float:
    traits = athlete.traits
    weekend = session.day.weekday() >= 5
    if session.kind in _RUNS:
        if session.kind == "workout" and traits.evening_workouts:
            return 18.0
        return 8.5 if weekend else float(traits.morning_hour)
    return {"ride": 16.0 if weekend else 17.5, "swim": 12.0, "strength": 19.0, "yoga": 20.0, "walk": 15.0}[session.kind]


def _temperature_c(athlete: AthleteRecord, day: date, rng: random.Random) -> int:
    # Warmest around day 200 in the north, day 17 in the south; amplitude grows with latitude.
    peak_day = 17 if athlete.latitude < 0 else 200
    season = math.cos(2 * math.pi * (day.timetuple().tm_yday - peak_day) / 365.0)
    mean_c = 27.0 - 0.3 * abs(athlete.latitude)
    return int(round(mean_c + 0.22 * abs(athlete.latitude) * season + rng.uniform(-3, 3)))


def _external_id(athlete: AthleteRecord, start: datetime, rng: random.Random) -> str:
    style = "garmin" if athlete.device_name.startswith("Garmin") else "uuid" if "Apple" in athlete.device_name else "fit"
    if style == "garmin":
        return f"garmin_ping_{rng.randint(10**11, 10**12 - 1)}"
    if style == "uuid":
        return str(uuid.UUID(int=rng.getrandbits(128))).upper()
    return f"{start:%Y%m%d%H%M%S}.fit"


def _near(athlete: AthleteRecord, rng: random.Random) -> tuple[float, float]:
    return (round(athlete.latitude + rng.uniform(-0.03, 0.03), 6), round(athlete.longitude + rng.uniform(-0.03, 0.03), 6))


def materialize(
    session: PlannedSession, athlete: AthleteRecord, pool: GearPool, rng: random.Random, *, block: int
) -> ActivityRecord:
    """One activity for a planned session; its id is 0 until the store allocates one."""
    hour = _start_hour(session, athlete) + rng.uniform(0.0, 0.6)
    local = datetime.combine(session.day, time(int(hour), int(hour % 1 * 60), rng.randint(0, 59)))
    if session.kind in _RUNS:
        record = _run(session, athlete, rng)
    else:
        record = _other(session, athlete, rng)
    record.athlete_id = athlete.id
    record.start_utc = local_to_utc(local, athlete.timezone)
    record.timezone = athlete.timezone
    record.name = session.name or default_name(record.sport_type, local.hour)
    record.gear_id = pool.gear_for(session.kind, record.distance_m)
    indoors = record.trainer or record.sport_type in ("WeightTraining", "Yoga", "Swim")
    record.average_temp_c = 21 if indoors else _temperature_c(athlete, session.day, rng)
    record.device_name = athlete.device_name
    record.external_id = _external_id(athlete, local, rng)
    record.visibility = session.visibility or _visibility(record, athlete, rng, block)
    record.kudos_count = rng.randint(0, 14)
    record.comment_count = rng.choice((0, 0, 0, 1, 2))
    record.athlete_count = 1 if rng.random() < 0.8 else rng.randint(2, 6)
    record.total_photo_count = rng.choice((0, 0, 0, 0, 1, 2))
    minutes = record.moving_s / 60.0
    hr_share = record.average_heartrate_bpm / athlete.traits.hr_max_bpm
    # Strava's relative effort grows with time and with heart rate above ~half of max.
    record.suffer_score = float(max(1, int(minutes * max(hr_share - 0.45, 0.02) * 4.0)))
    return record


def _visibility(record: ActivityRecord, athlete: AthleteRecord, rng: random.Random, block: int) -> str:
    if record.workout_type == 1:
        return "everyone"
    private_prob = {"Walk": 0.3, "Yoga": 0.3, "WeightTraining": 0.1}.get(record.sport_type, 0.0)
    if record.sport_type in ("Run", "TrailRun", "VirtualRun"):
        private_prob = 0.03 if block >= 6 else 0.0  # recent runs stay visible: they tell the story
    if rng.random() < private_prob:
        return "only_me"
    return "followers_only" if rng.random() < athlete.traits.followers_only_prob else "everyone"


def _run(session: PlannedSession, athlete: AthleteRecord, rng: random.Random) -> ActivityRecord:
    traits = athlete.traits
    sport_type, speed_factor, hr_share, extra_s = _RUNS[session.kind]
    speed = traits.easy_speed_mps * speed_factor * rng.uniform(0.98, 1.02)
    distance_m = round(session.distance_km * 1000.0, 1)
    moving_s = max(60, int(round(distance_m / speed)))
    average_speed = round(distance_m / moving_s, 3)
    # Cadence rises ~6 % per 100 % of speed (Heiderscheit-style step-rate trend); trails are choppier.
    cadence = traits.cadence_strides_per_min * (1.0 + 0.06 * (average_speed / traits.easy_speed_mps - 1.0))
    cadence = (cadence - (1.5 if sport_type == "TrailRun" else 0.0)) * session.cadence_factor + rng.gauss(0.0, 0.5)
    avg_hr = round(traits.hr_max_bpm * hr_share + rng.gauss(0.0, 1.5), 1)
    treadmill = sport_type == "VirtualRun"
    per_km = rng.uniform(25.0, 45.0) if sport_type == "TrailRun" else traits.hilliness_m_per_km * rng.uniform(0.75, 1.25)
    gain = 0.0 if treadmill else round(per_km * distance_m / 1000.0, 1)
    low = round(athlete.altitude_m + rng.uniform(-15.0, 15.0), 1)
    max_hr = min(traits.hr_max_bpm, float(round(avg_hr + rng.uniform(8, 18))))
    elapsed_s = moving_s + int(rng.uniform(0.3, 1.0) * extra_s)
    max_speed = round(average_speed * rng.uniform(1.25, 1.7), 1)  # GPS spikes, as in the recordings
    record = _blank(sport_type, distance_m, moving_s, elapsed_s, average_speed, max_speed, avg_hr, max_hr)
    record.cadence_raw = round(cadence, 1)
    record.elevation_gain_m = gain
    record.elev_low_m = None if treadmill else low
    record.elev_high_m = None if treadmill else round(low + gain * rng.uniform(0.25, 0.6), 1)
    record.workout_type = session.workout_type if session.workout_type is not None else (0 if rng.random() < 0.5 else None)
    if session.kind == "long" and rng.random() < 0.6:
        record.workout_type = 2
    record.trainer = treadmill
    if not treadmill:
        record.start_latlng = _near(athlete, rng)
        record.end_latlng = record.start_latlng
    record.achievement_count = rng.randint(0, 6)
    record.pr_count = rng.randint(0, min(2, record.achievement_count))
    record.calories = round(distance_m / 1000.0 * athlete.weight_kg * 1.0 * rng.uniform(0.95, 1.05), 1)
    return record


def _other(session: PlannedSession, athlete: AthleteRecord, rng: random.Random) -> ActivityRecord:
    traits = athlete.traits
    sport_type, speed, hr_share, kcal_per_min = _OTHERS[session.kind]
    moving_s = int(session.minutes * 60)
    virtual = session.kind == "ride" and rng.random() < 0.25
    if virtual:
        sport_type = "VirtualRide"
    average_speed = round(speed * rng.uniform(0.9, 1.1), 3) if speed else 0.0
    distance_m = round(average_speed * moving_s, 1)
    avg_hr = round(traits.hr_max_bpm * hr_share + rng.gauss(0.0, 2.0), 1)
    record = _blank(
        sport_type, distance_m, moving_s, moving_s + rng.randint(30, 600), average_speed,
        round(average_speed * rng.uniform(1.3, 1.9), 1), avg_hr, float(round(avg_hr + rng.uniform(10, 25))),
    )
    outdoor = sport_type in ("Ride", "Walk")
    if sport_type in ("Ride", "VirtualRide"):
        record.cadence_raw = round(rng.uniform(78, 92), 1)  # rpm, from a cadence sensor
    elif sport_type == "Walk":
        record.cadence_raw = round(rng.uniform(52, 60), 1)
    if outdoor or sport_type == "VirtualRide":
        record.elevation_gain_m = round(distance_m / 1000.0 * rng.uniform(2.0, 10.0), 1)
        record.elev_low_m = round(athlete.altitude_m + rng.uniform(-15.0, 15.0), 1)
        record.elev_high_m = round(record.elev_low_m + record.elevation_gain_m * rng.uniform(0.2, 0.5), 1)
    if outdoor:
        record.start_latlng = _near(athlete, rng)
        record.end_latlng = record.start_latlng
    record.trainer = virtual
    record.workout_type = 10 if sport_type == "Ride" and rng.random() < 0.5 else None
    record.calories = round(session.minutes * kcal_per_min * athlete.weight_kg / 70.0, 1)
    return record


def _blank(
    sport_type: str, distance_m: float, moving_s: int, elapsed_s: int, average_speed: float,
    max_speed: float, avg_hr: float, max_hr: float,
) -> ActivityRecord:
    return ActivityRecord(
        id=0, athlete_id=0, sport_type=sport_type, name="", start_utc=datetime(1970, 1, 1, tzinfo=timezone.utc),
        timezone="UTC", distance_m=distance_m, moving_s=moving_s, elapsed_s=elapsed_s, elevation_gain_m=0.0,
        average_speed_mps=average_speed, max_speed_mps=max_speed, average_heartrate_bpm=avg_hr,
        max_heartrate_bpm=max_hr,
    )
