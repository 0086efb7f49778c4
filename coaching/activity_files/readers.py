"""One activity file (FIT, GPX or TCX, bytes) to its summary: the fields the rules read, and no
location (the track is read for distance and climb, then dropped).

FIT is decoded with Garmin's own SDK (`garmin-fit-sdk`), GPX with `gpxpy`, TCX with the standard
library's expat parser. XML carrying a DOCTYPE is refused before parsing: activity files never need
one, and entity tricks (billion laughs, external entities) all need one.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from datetime import datetime, timezone

FIT_EPOCH_S = 631065600  # 1989-12-31T00:00:00Z, FIT's own epoch


class FileRefused(ValueError):
    """A file that cannot be imported; the message says why, in one line, without its content."""


@dataclass(frozen=True)
class FileSummary:
    source: str  # fit | gpx | tcx
    sport_type: str  # Strava's names: Run, TrailRun, Ride, ...
    start_utc: datetime
    utc_offset_s: int | None  # None: the file does not say; the runner's zone decides
    distance_m: float
    moving_s: int
    elapsed_s: int
    elevation_gain_m: float = 0.0
    average_heartrate_bpm: float | None = None
    max_heartrate_bpm: float | None = None
    average_cadence_raw: float | None = None  # per leg (strides/min) for runs, as Strava says it
    trainer: bool = False
    name: str = ""


_FIT_SPORTS = {"running": "Run", "cycling": "Ride", "walking": "Walk", "hiking": "Hike", "swimming": "Swim",
               "training": "WeightTraining", "fitness_equipment": "Workout", "rowing": "Rowing",
               "cross_country_skiing": "NordicSki", "e_biking": "EBikeRide"}
_FIT_SUB_SPORTS = {"trail": "TrailRun", "virtual_activity": None, "strength_training": "WeightTraining",
                   "yoga": "Yoga", "elliptical": "Elliptical", "stair_climbing": "StairStepper"}
_TEXT_SPORTS = {"running": "Run", "run": "Run", "trail running": "TrailRun", "trailrun": "TrailRun",
                "biking": "Ride", "cycling": "Ride", "ride": "Ride", "walking": "Walk", "walk": "Walk",
                "hiking": "Hike", "hike": "Hike", "swimming": "Swim", "swim": "Swim", "other": "Workout"}


def read_activity(name: str, data: bytes) -> FileSummary:
    lowered = name.lower()
    if lowered.endswith(".fit"):
        return read_fit(data)
    if lowered.endswith(".gpx"):
        return read_gpx(data)
    if lowered.endswith(".tcx"):
        return read_tcx(data)
    raise FileRefused("not a FIT, GPX or TCX file")


def read_fit(data: bytes) -> FileSummary:
    from garmin_fit_sdk import Decoder, Stream

    if not Decoder(Stream.from_byte_array(bytearray(data))).is_fit():
        raise FileRefused("not a FIT file")
    # One pass: the decoder checks the CRC as it reads (a second integrity pass cost 12 %).
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    if errors:
        if "CRC" in str(errors[0]):
            raise FileRefused("the FIT file is corrupt (its checksum does not match)")
        raise FileRefused(f"the FIT file is truncated or corrupt ({type(errors[0]).__name__})")
    sessions = messages.get("session_mesgs") or []
    if not sessions:
        raise FileRefused("the FIT file holds no activity session (a course or settings file?)")
    session = sessions[0]
    start = session.get("start_time")
    if not isinstance(start, datetime):
        raise FileRefused("the FIT session has no start time")
    sport = _FIT_SUB_SPORTS.get(str(session.get("sub_sport"))) or _FIT_SPORTS.get(str(session.get("sport")), "Workout")
    activity = (messages.get("activity_mesgs") or [{}])[0]
    offset = None
    if isinstance(activity.get("local_timestamp"), int) and isinstance(activity.get("timestamp"), datetime):
        offset = activity["local_timestamp"] + FIT_EPOCH_S - int(activity["timestamp"].timestamp())
        offset = offset if abs(offset) <= 14 * 3600 else None
    cadence = session.get("avg_running_cadence", session.get("avg_cadence"))
    return FileSummary(
        source="fit", sport_type=sport, start_utc=start.astimezone(timezone.utc), utc_offset_s=offset,
        distance_m=_number(session.get("total_distance")) or 0.0,
        moving_s=int(_number(session.get("total_timer_time")) or 0),
        elapsed_s=int(_number(session.get("total_elapsed_time")) or 0),
        elevation_gain_m=_number(session.get("total_ascent")) or 0.0,
        average_heartrate_bpm=_number(session.get("avg_heart_rate")),
        max_heartrate_bpm=_number(session.get("max_heart_rate")),
        average_cadence_raw=_number(cadence),
        trainer=str(session.get("sub_sport")) in ("treadmill", "indoor_cycling", "virtual_activity"),
    )


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _xml_text(data: bytes) -> str:
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise FileRefused("XML with a DOCTYPE or entities is not accepted in an activity file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused("the file is not UTF-8 XML") from None


def read_gpx(data: bytes) -> FileSummary:
    import gpxpy
    import gpxpy.gpx

    text = _xml_text(data)
    try:
        gpx = gpxpy.parse(text)
    except (gpxpy.gpx.GPXException, ElementTree.ParseError, ValueError) as error:
        raise FileRefused(f"the GPX file could not be read ({type(error).__name__})") from None
    points = [p for track in gpx.tracks for segment in track.segments for p in segment.points]
    timed = [p for p in points if p.time is not None]
    if len(timed) < 2:
        raise FileRefused("the GPX file has no timed track (a route, not an activity?)")
    bounds = gpx.get_time_bounds()
    moving = gpx.get_moving_data()
    uphill = gpx.get_uphill_downhill().uphill or 0.0
    kind = (gpx.tracks[0].type or "").strip().lower() if gpx.tracks else ""
    start = bounds.start_time.astimezone(timezone.utc)
    return FileSummary(
        source="gpx", sport_type=_TEXT_SPORTS.get(kind, "Run"), start_utc=start, utc_offset_s=None,
        distance_m=float(gpx.length_3d() or gpx.length_2d() or 0.0),
        moving_s=int(moving.moving_time) if moving else 0,
        elapsed_s=int((bounds.end_time - bounds.start_time).total_seconds()),
        elevation_gain_m=float(uphill), name=(gpx.tracks[0].name or "") if gpx.tracks else "",
    )


_TCX = "{http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2}"


def read_tcx(data: bytes) -> FileSummary:
    text = _xml_text(data).strip()
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        raise FileRefused(f"the TCX file could not be read (line {error.position[0]})") from None
    activity = root.find(f"{_TCX}Activities/{_TCX}Activity")
    laps = activity.findall(f"{_TCX}Lap") if activity is not None else []
    if activity is None or not laps:
        raise FileRefused("the TCX file holds no activity with laps")
    try:
        start = datetime.fromisoformat(laps[0].attrib["StartTime"].replace("Z", "+00:00")).astimezone(timezone.utc)
        seconds = sum(float(lap.findtext(f"{_TCX}TotalTimeSeconds") or 0) for lap in laps)
        distance = sum(float(lap.findtext(f"{_TCX}DistanceMeters") or 0) for lap in laps)
    except (KeyError, ValueError):
        raise FileRefused("the TCX laps have no readable start time, duration or distance") from None
    heart = [float(v) for lap in laps if (v := lap.findtext(f"{_TCX}AverageHeartRateBpm/{_TCX}Value"))]
    peaks = [float(v) for lap in laps if (v := lap.findtext(f"{_TCX}MaximumHeartRateBpm/{_TCX}Value"))]
    sport = _TEXT_SPORTS.get(activity.attrib.get("Sport", "").lower(), "Workout")
    return FileSummary(
        source="tcx", sport_type=sport, start_utc=start, utc_offset_s=None, distance_m=distance,
        moving_s=int(seconds), elapsed_s=int(seconds),
        average_heartrate_bpm=sum(heart) / len(heart) if heart else None,
        max_heartrate_bpm=max(peaks) if peaks else None,
    )
