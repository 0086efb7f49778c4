"""Records -> Strava's JSON, with the keys, order and value types of the real recordings in
`shared/strava/fixtures/` (ints stay ints, floats stay floats: gear distance is an int there,
activity distance a float)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from coaching.fake_strava.detail import RUN_SPORTS, best_efforts, iso, laps, similar_activities, splits
from coaching.fake_strava.records import ActivityRecord, AthleteRecord, GearRecord, timezone_label

MILE_M = 1609.344
AVATAR_LARGE = "avatar/athlete/large.png"
AVATAR_MEDIUM = "avatar/athlete/medium.png"


def _converted(distance_m: float, athlete: AthleteRecord | None) -> float:
    unit = MILE_M if athlete is not None and athlete.measurement_preference == "feet" else 1000.0
    return round(distance_m / unit, 1)


def _head(record: ActivityRecord, resource_state: int) -> dict:
    return {
        "resource_state": resource_state,
        "athlete": {"id": record.athlete_id, "resource_state": 1},
        "name": record.name,
        "distance": float(record.distance_m),
        "moving_time": int(record.moving_s),
        "elapsed_time": int(record.elapsed_s),
        "total_elevation_gain": float(record.elevation_gain_m),
        "type": record.legacy_type,
        "sport_type": record.sport_type,
        "workout_type": record.workout_type,
        "id": record.id,
        "start_date": iso(record.start_utc),
        # Local wall time with a misleading Z, exactly as Strava writes it.
        "start_date_local": iso(record.start_local),
        "timezone": timezone_label(record.timezone, record.start_utc),
        "utc_offset": float(record.utc_offset_s),
        "location_city": None,
        "location_state": None,
        "location_country": None,
        "achievement_count": record.achievement_count,
        "kudos_count": record.kudos_count,
        "comment_count": record.comment_count,
        "athlete_count": record.athlete_count,
        "photo_count": 0,
    }


def _body(record: ActivityRecord) -> dict:
    body: dict = {
        "trainer": record.trainer,
        "commute": record.commute,
        "manual": record.manual,
        "private": record.private,
        "visibility": record.visibility,
        "flagged": False,
        "gear_id": record.gear_id,
        "start_latlng": list(record.start_latlng) if record.start_latlng else [],
        "end_latlng": list(record.end_latlng) if record.end_latlng else [],
        "average_speed": float(record.average_speed_mps),
        "max_speed": float(record.max_speed_mps),
    }
    # Strava leaves out what no sensor measured: cadence on swims and strength work, elevation
    # without a GPS or barometric track.
    if record.cadence_raw is not None:
        body["average_cadence"] = float(record.cadence_raw)
    body.update(
        {
            "average_temp": int(record.average_temp_c),
            "has_heartrate": True,
            "average_heartrate": float(record.average_heartrate_bpm),
            "max_heartrate": float(record.max_heartrate_bpm),
            "heartrate_opt_out": False,
            "display_hide_heartrate_option": True,
        }
    )
    if record.elev_high_m is not None and record.elev_low_m is not None:
        body["elev_high"] = float(record.elev_high_m)
        body["elev_low"] = float(record.elev_low_m)
    body.update(
        {
            "upload_id": record.upload_id,
            "upload_id_str": str(record.upload_id),
            "external_id": record.external_id,
            "from_accepted_tag": False,
            "pr_count": record.pr_count,
            "total_photo_count": record.total_photo_count,
            "has_kudoed": False,
            "suffer_score": float(record.suffer_score),
        }
    )
    return body


def summary_activity(record: ActivityRecord) -> dict:
    doc = _head(record, 2)
    doc["map"] = {"id": f"a{record.id}", "summary_polyline": "", "resource_state": 2}
    doc.update(_body(record))
    return doc


def detailed_activity(
    record: ActivityRecord, gear: GearRecord | None, gear_distance_m: float, athlete: AthleteRecord | None
) -> dict:
    doc = _head(record, 3)
    doc["map"] = {"id": f"a{record.id}", "polyline": "", "resource_state": 3, "summary_polyline": ""}
    doc.update(_body(record))
    is_run = record.sport_type in RUN_SPORTS
    doc.update(
        {
            "description": record.description,
            "calories": float(record.calories),
            "perceived_exertion": None,
            "prefer_perceived_exertion": None,
            "segment_efforts": [],
        }
    )
    metric = splits(record, 1000.0)
    if metric:
        doc["splits_metric"] = metric
        doc["splits_standard"] = splits(record, MILE_M)
    doc["laps"] = laps(record)
    if is_run:
        doc["best_efforts"] = best_efforts(record)
    if gear is not None:
        # A never-set nickname is null in the athlete's gear list but "" here and in GET /gear.
        doc["gear"] = {**summary_gear(gear, gear_distance_m, athlete), "nickname": gear.nickname or ""}
    doc.update(
        {
            "photos": {"primary": None, "count": 0},
            "stats_visibility": [
                {"type": kind, "visibility": "everyone"} for kind in ("heart_rate", "pace", "power", "speed", "calories")
            ],
            "hide_from_home": False,
            "device_name": record.device_name,
            "embed_token": hashlib.sha1(f"embed:{record.id}".encode()).hexdigest(),
        }
    )
    if is_run:
        doc["similar_activities"] = similar_activities(record)
    doc["available_zones"] = ["heartrate", "pace"] if is_run else ["heartrate"]
    return doc


def summary_gear(gear: GearRecord, distance_m: float, athlete: AthleteRecord | None) -> dict:
    return {
        "id": gear.id,
        "primary": gear.primary,
        "name": gear.name,
        "nickname": gear.nickname,
        "resource_state": 2,
        "retired": gear.retired,
        "distance": int(round(distance_m)),  # whole metres, an int in the recordings
        "converted_distance": _converted(distance_m, athlete),
    }


def detailed_gear(gear: GearRecord, distance_m: float, athlete: AthleteRecord | None) -> dict:
    doc = summary_gear(gear, distance_m, athlete)
    doc["nickname"] = gear.nickname or ""
    doc["resource_state"] = 3
    doc["brand_name"] = gear.brand_name
    doc["model_name"] = gear.model_name
    if gear.is_shoe:
        doc["description"] = gear.description
        doc["notification_distance"] = gear.notification_distance_km
    else:
        doc["frame_type"] = gear.frame_type if gear.frame_type is not None else 3
        doc["description"] = gear.description
        doc["weight"] = float(gear.weight_kg or 9.0)
    return doc


def _stamp(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def summary_athlete(athlete: AthleteRecord) -> dict:
    return {
        "id": athlete.id,
        "username": None,
        "resource_state": 2,
        "firstname": athlete.firstname,
        "lastname": athlete.lastname,
        "city": athlete.city,
        "state": athlete.state,
        "country": athlete.country,
        "sex": athlete.sex,
        "premium": athlete.premium,
        "summit": athlete.premium,
        "created_at": _stamp(athlete.created_at),
        "updated_at": _stamp(athlete.updated_at),
        "badge_type_id": 1 if athlete.premium else 0,
        "profile_medium": AVATAR_MEDIUM,
        "profile": AVATAR_LARGE,
        "friend": None,
        "follower": None,
    }


def detailed_athlete(athlete: AthleteRecord, gear_with_distance: list[tuple[GearRecord, float]]) -> dict:
    summary = summary_athlete(athlete)
    doc = {key: summary[key] for key in ("id", "username")}
    doc["resource_state"] = 3
    doc.update({key: summary[key] for key in ("firstname", "lastname")})
    doc["bio"] = ""
    for key in ("city", "state", "country", "sex", "premium", "summit", "created_at", "updated_at", "badge_type_id"):
        doc[key] = summary[key]
    doc["weight"] = float(athlete.weight_kg)
    for key in ("profile_medium", "profile", "friend", "follower"):
        doc[key] = summary[key]
    us = athlete.measurement_preference == "feet"
    doc.update(
        {
            "blocked": False,
            "can_follow": True,
            "follower_count": athlete.follower_count,
            "friend_count": athlete.friend_count,
            "mutual_friend_count": 0,
            "athlete_type": 1,  # runner
            "date_preference": "%m/%d/%Y" if us else "%d/%m/%Y",
            "measurement_preference": athlete.measurement_preference,
            "clubs": [_club(club) for club in athlete.clubs],
            "postable_clubs_count": len(athlete.clubs),
            "ftp": None,
            # Retired gear is left out here (the recorded athlete lists none of its retired shoes);
            # GET /gear/{id} still answers for it.
            "bikes": [summary_gear(g, d, athlete) for g, d in gear_with_distance if not g.is_shoe and not g.retired],
            "shoes": [summary_gear(g, d, athlete) for g, d in gear_with_distance if g.is_shoe and not g.retired],
        }
    )
    return doc


def _club(club: dict) -> dict:
    slug = club["name"].lower().replace(" ", "-")
    return {
        "id": club["id"],
        "resource_state": 2,
        "name": club["name"],
        "profile_medium": AVATAR_MEDIUM,
        "profile": AVATAR_LARGE,
        "cover_photo": None,
        "cover_photo_small": None,
        "activity_types": ["Run", "VirtualRun", "Wheelchair"],
        "activity_types_icon": "sports_run_normal",
        "dimensions": ["distance", "num_activities", "best_activities_distance", "elev_gain", "moving_time", "velocity"],
        "sport_type": "running",
        "localized_sport_type": "Running",
        "city": club["city"],
        "state": club["state"],
        "country": club["country"],
        "private": False,
        "member_count": club["member_count"],
        "featured": False,
        "verified": False,
        "url": slug,
        "membership": "member",
        "admin": False,
        "owner": False,
    }
