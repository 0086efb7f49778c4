"""What the fake keeps in memory: athletes, their gear and activities, in units-named fields.

`documents.py` turns these into Strava's JSON; nothing here knows the wire format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

# ActivityType (deprecated `type`) for the newer sport types we generate (API.md §2.1).
_LEGACY_TYPE = {
    "TrailRun": "Run",
    "GravelRide": "Ride",
    "MountainBikeRide": "Ride",
}


@dataclass(frozen=True)
class Traits:
    """An athlete's training habits; the generator follows them for history and for new days."""

    weekly_km_end: float
    growth_per_week: float
    run_weekdays: tuple[int, ...]  # 0 = Monday
    long_weekday: int
    workout_weekday: int | None
    strength_weekdays: tuple[int, ...]
    ride_weekday: int | None
    swim_weekday: int | None
    yoga_prob: float
    walk_prob: float
    trail_weekday: int | None  # an easy run on trails every week
    trail_prob: float
    treadmill_prob: float
    skip_prob: float
    easy_speed_mps: float
    cadence_strides_per_min: float  # Strava's per-leg value at easy pace
    hr_max_bpm: float
    run_noise: float
    hilliness_m_per_km: float
    morning_hour: int
    evening_workouts: bool
    shoe_retire_km: float
    followers_only_prob: float


@dataclass
class GearRecord:
    id: str  # "g..." shoes, "b..." bikes
    athlete_id: int
    name: str
    brand_name: str
    model_name: str
    base_distance_m: float  # what the gear carried before the generated history
    use: str = "road"  # road | trail | bike: which sessions the generator puts it on
    nickname: str | None = None
    retired: bool = False
    primary: bool = False
    description: str = ""
    frame_type: int | None = None  # bikes only
    weight_kg: float | None = None  # bikes only
    notification_distance_km: int = 0  # shoes only

    @property
    def is_shoe(self) -> bool:
        return self.id.startswith("g")


@dataclass
class AthleteRecord:
    id: int
    firstname: str
    lastname: str
    sex: str
    city: str
    state: str
    country: str
    timezone: str  # IANA name
    latitude: float
    longitude: float
    altitude_m: float
    measurement_preference: str  # "feet" or "meters"
    weight_kg: float
    created_at: datetime
    updated_at: datetime
    premium: bool
    follower_count: int
    friend_count: int
    device_name: str
    persona: str
    traits: Traits
    plan_end: date  # the last day the generator has filled
    plan_anchor: date  # the seeded history's end: week blocks are counted from it
    clubs: list[dict] = field(default_factory=list)


@dataclass
class ActivityRecord:
    id: int
    athlete_id: int
    sport_type: str
    name: str
    start_utc: datetime  # aware, UTC
    timezone: str  # IANA name
    distance_m: float
    moving_s: int
    elapsed_s: int
    elevation_gain_m: float
    average_speed_mps: float
    max_speed_mps: float
    average_heartrate_bpm: float
    max_heartrate_bpm: float
    # Per leg for runs and walks (Strava style), rpm for rides; None when no sensor gives one.
    cadence_raw: float | None = None
    elev_low_m: float | None = None  # None when there is no GPS/barometer track
    elev_high_m: float | None = None
    workout_type: int | None = None
    gear_id: str | None = None
    visibility: str = "everyone"  # everyone | followers_only | only_me
    trainer: bool = False
    commute: bool = False
    manual: bool = False
    average_temp_c: int = 15
    suffer_score: float = 0.0
    calories: float = 0.0
    kudos_count: int = 0
    comment_count: int = 0
    achievement_count: int = 0
    pr_count: int = 0
    athlete_count: int = 1
    total_photo_count: int = 0
    device_name: str = ""
    external_id: str = ""
    upload_id: int = 0
    start_latlng: tuple[float, float] | None = None
    end_latlng: tuple[float, float] | None = None
    description: str = ""

    @property
    def private(self) -> bool:
        return self.visibility == "only_me"

    @property
    def legacy_type(self) -> str:
        return _LEGACY_TYPE.get(self.sport_type, self.sport_type)

    @property
    def start_epoch_s(self) -> int:
        return int(self.start_utc.timestamp())

    @property
    def start_local(self) -> datetime:
        """Naive local wall time, as Strava's `start_date_local` means it."""
        return self.start_utc.astimezone(ZoneInfo(self.timezone)).replace(tzinfo=None)

    @property
    def utc_offset_s(self) -> float:
        offset = self.start_utc.astimezone(ZoneInfo(self.timezone)).utcoffset()
        return (offset or timedelta(0)).total_seconds()


def timezone_label(tz_name: str, at: datetime) -> str:
    """Strava's "(GMT-05:00) America/New_York": the zone's standard offset, whatever the season
    (the 2025 recording shows GMT-05:00 beside a summer utc_offset of -14400)."""
    local = at.astimezone(ZoneInfo(tz_name))
    standard = (local.utcoffset() or timedelta(0)) - (local.dst() or timedelta(0))
    minutes = int(standard.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"(GMT{sign}{hours:02d}:{mins:02d}) {tz_name}"


def local_to_utc(local: datetime, tz_name: str) -> datetime:
    return local.replace(tzinfo=ZoneInfo(tz_name)).astimezone(timezone.utc)
