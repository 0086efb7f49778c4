"""The pure domain's vocabulary: plain frozen dataclasses, no I/O, no Strava types.

Units are in the names. Times: `start_local` is the athlete's naive local wall time (Strava's
`start_date_local`, whose trailing `Z` is a lie); `start_utc` is timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Mapping, Sequence

if TYPE_CHECKING:  # the plan is built from these types; only its name is needed here
    from coaching.domain.plan_model import Plan
    from coaching.domain.plan_check import PlanCheck


class SportCategory(str, Enum):
    RUN = "run"
    CROSS_TRAINING = "cross_training"
    STRENGTH = "strength"
    OTHER = "other"


# RULES.md, Conventions. VirtualRun counts for volume but not for terrain rules.
RUN_SPORTS = frozenset({"Run", "TrailRun", "VirtualRun"})
CROSS_TRAINING_SPORTS = frozenset(
    {
        "Ride", "VirtualRide", "GravelRide", "MountainBikeRide", "EBikeRide", "Swim", "Rowing",
        "VirtualRow", "Elliptical", "StairStepper", "NordicSki", "BackcountrySki", "RollerSki",
        "Canoeing", "Kayaking", "StandUpPaddling",
    }
)
STRENGTH_SPORTS = frozenset(
    {"WeightTraining", "Workout", "Crossfit", "Yoga", "Pilates", "HighIntensityIntervalTraining"}
)


# Strava's SportType enum (stravalib 2.6, 56 values): anything else is reported as unknown.
KNOWN_SPORT_TYPES = frozenset(
    {
        "AlpineSki", "BackcountrySki", "Badminton", "Basketball", "Canoeing", "Cricket", "Crossfit",
        "Dance", "EBikeRide", "Elliptical", "EMountainBikeRide", "Golf", "GravelRide", "Handcycle",
        "HighIntensityIntervalTraining", "Hike", "IceSkate", "InlineSkate", "Kayaking", "Kitesurf",
        "MountainBikeRide", "NordicSki", "Padel", "PhysicalTherapy", "Pickleball", "Pilates",
        "Racquetball", "Ride", "RockClimbing", "RollerSki", "Rowing", "Run", "Sail", "Skateboard",
        "Snowboard", "Snowshoe", "Soccer", "Squash", "StairStepper", "StandUpPaddling", "Surfing",
        "Swim", "TableTennis", "Tennis", "TrailRun", "Velomobile", "VirtualRide", "VirtualRow",
        "VirtualRun", "Volleyball", "Walk", "WeightTraining", "Wheelchair", "Windsurf", "Workout",
        "Yoga",
    }
)


_CATEGORY_BY_SPORT = {
    **{name: SportCategory.RUN for name in RUN_SPORTS},
    **{name: SportCategory.CROSS_TRAINING for name in CROSS_TRAINING_SPORTS},
    **{name: SportCategory.STRENGTH for name in STRENGTH_SPORTS},
}


def sport_category(sport_type: str) -> SportCategory:
    """Unknown sport types are kept as their raw string elsewhere and land in OTHER here."""
    try:
        return _CATEGORY_BY_SPORT.get(sport_type, SportCategory.OTHER)
    except TypeError:  # an unhashable value where a sport name belongs
        return SportCategory.OTHER


class Severity(int, Enum):
    INFO = 1
    CAUTION = 2
    WARNING = 3


class Evidence(str, Enum):
    A = "A"
    B = "B"
    C = "C"


@dataclass(frozen=True)
class Activity:
    id: int
    sport_type: str
    start_local: datetime  # naive local wall time
    start_utc: datetime  # aware UTC
    distance_m: float
    moving_s: int
    elapsed_s: int = 0
    elevation_gain_m: float = 0.0
    average_speed_mps: float | None = None
    average_heartrate_bpm: float | None = None
    max_heartrate_bpm: float | None = None
    # As Strava reports it: per leg (strides/min) for runs; see domain.cadence for steps/min.
    average_cadence_raw: float | None = None
    workout_type: int | None = None
    gear_id: str | None = None
    manual: bool = False
    trainer: bool = False
    name: str = ""

    @classmethod
    def from_values(cls, values: Sequence[object]) -> Activity:
        """Builds an Activity from all its field values in declaration order, without __init__:
        about five times cheaper, for adapters that load hundreds of thousands of rows a night.
        The values are not checked here; the evaluation's data-quality guard checks them."""
        activity = object.__new__(cls)
        activity.__dict__.update(zip(_ACTIVITY_FIELDS, values))
        return activity

    @property
    def category(self) -> SportCategory:
        return sport_category(self.sport_type)

    @property
    def local_day(self) -> date:
        return self.start_local.date()

    @property
    def distance_km(self) -> float:
        return self.distance_m / 1000.0


_ACTIVITY_FIELDS = tuple(f.name for f in fields(Activity))


@dataclass(frozen=True)
class Gear:
    id: str  # Strava ids: "g..." shoes, "b..." bikes
    name: str
    distance_m: float
    retired: bool = False

    @property
    def is_shoe(self) -> bool:
        return self.id.startswith("g")


@dataclass(frozen=True)
class PainCheckin:
    day: date  # local day the runner answered
    score: int  # 0-10


@dataclass(frozen=True)
class Suggestion:
    category: str  # strength | cross-training | recovery | cadence | shoes | terrain | warm-up
    text: str


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    evidence: Evidence
    why: str
    metrics: Mapping[str, float | int | str | None] = field(default_factory=dict)
    activity_id: int | None = None
    suggestions: tuple[Suggestion, ...] = ()
    # What a per-athlete finding is about when it is not one activity (a shoe's gear id), so
    # that two shoes' findings have two keys.
    subject: str | None = None

    @property
    def key(self) -> str:
        """Identifies 'the same finding' across nightly runs, so a runner is alerted once."""
        return f"{self.rule}:{self.activity_id or self.subject or ''}"


@dataclass(frozen=True)
class Skipped:
    rule: str
    reason: str


@dataclass(frozen=True)
class Evaluation:
    as_of: date
    metrics: Mapping[str, object]
    findings: tuple[Finding, ...]
    skipped: tuple[Skipped, ...] = ()
    data_quality: tuple[str, ...] = ()
    plan: Plan | None = None  # the next 7 days; None without 28 days of history (see skipped)
    plan_check: PlanCheck | None = None  # the plan made a week ago against the last 7 days
    risk_score_week_ago: float | None = None  # for the trend; None when the record starts later
