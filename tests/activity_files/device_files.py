"""Activity files shaped as devices write them, made in the test: FIT through Garmin's own SDK
encoder (read back by its decoder), GPX and TCX as Strava's and Garmin's exports write them."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timedelta, timezone

START = datetime(2026, 11, 20, 7, 0, tzinfo=timezone.utc)


def fit_run(start: datetime = START, *, distance_m: float = 10_000.0, seconds: int = 3000, sport: str = "running",
            sub_sport: str = "generic", offset_s: int = 3600, points: int = 30) -> bytes:
    from garmin_fit_sdk import Encoder, Profile

    mesg = Profile["mesg_num"]
    end = start + timedelta(seconds=seconds)
    encoder = Encoder()
    encoder.on_mesg(mesg["FILE_ID"], {"type": "activity", "manufacturer": "garmin", "product": 3113,
                                      "time_created": start, "serial_number": 3_900_000_001})
    for i in range(points):
        at = start + timedelta(seconds=seconds * i / points)
        encoder.on_mesg(mesg["RECORD"], {"timestamp": at, "distance": distance_m * i / points, "heart_rate": 145,
                                         "cadence": 86, "position_lat": 613_566_756, "position_long": -1_193_046})
    encoder.on_mesg(mesg["LAP"], {"timestamp": end, "start_time": start, "total_distance": distance_m,
                                  "total_timer_time": float(seconds), "total_elapsed_time": float(seconds),
                                  "message_index": 0})
    encoder.on_mesg(mesg["SESSION"], {
        "timestamp": end, "start_time": start, "sport": sport, "sub_sport": sub_sport, "total_distance": distance_m,
        "total_timer_time": float(seconds - 30), "total_elapsed_time": float(seconds), "total_ascent": 60,
        "avg_heart_rate": 148, "max_heart_rate": 171, "avg_cadence": 86, "message_index": 0,
        "start_position_lat": 613_566_756, "start_position_long": -1_193_046,
    })
    fit_epoch = datetime(1989, 12, 31, tzinfo=timezone.utc)
    encoder.on_mesg(mesg["ACTIVITY"], {"timestamp": end, "num_sessions": 1, "type": "manual",
                                       "local_timestamp": int((end - fit_epoch).total_seconds()) + offset_s})
    return bytes(encoder.close())


def gpx_run(start: datetime = START, *, points: int = 60, step_m: float = 0.0009, name: str = "Morning Run") -> bytes:
    """A Strava-style GPX export: ~100 m between points along a meridian, one every 30 s."""
    rows = []
    for i in range(points):
        at = (start + timedelta(seconds=30 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        rows.append(f'<trkpt lat="{51.5 + i * step_m:.6f}" lon="-0.1"><ele>{20 + (i % 10)}</ele><time>{at}</time></trkpt>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx creator="StravaGPX" version="1.1" xmlns="http://www.topografix.com/GPX/1/1">'
        f'<metadata><time>{start:%Y-%m-%dT%H:%M:%SZ}</time></metadata>'
        f'<trk><name>{name}</name><type>running</type><trkseg>{"".join(rows)}</trkseg></trk></gpx>'
    ).encode()


def tcx_run(start: datetime = START, *, distance_m: float = 8000.0, seconds: int = 2700) -> bytes:
    ns = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><TrainingCenterDatabase xmlns="{ns}"><Activities>'
        f'<Activity Sport="Running"><Id>{start:%Y-%m-%dT%H:%M:%SZ}</Id>'
        f'<Lap StartTime="{start:%Y-%m-%dT%H:%M:%SZ}"><TotalTimeSeconds>{seconds}</TotalTimeSeconds>'
        f'<DistanceMeters>{distance_m}</DistanceMeters><AverageHeartRateBpm><Value>150</Value></AverageHeartRateBpm>'
        '<MaximumHeartRateBpm><Value>175</Value></MaximumHeartRateBpm><Intensity>Active</Intensity>'
        '<TriggerMethod>Manual</TriggerMethod></Lap></Activity></Activities></TrainingCenterDatabase>'
    ).encode()


def strava_export(runs: list[tuple[int, str, bytes]]) -> bytes:
    """A Strava bulk export: activities.csv and activities/<id>.fit.gz (id, name, FIT bytes)."""
    import gzip

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        lines = ["Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Filename"]
        for strava_id, name, data in runs:
            lines.append(f'{strava_id},"Nov 20, 2026, 7:00:00 AM",{name},Run,,activities/{strava_id}.fit.gz')
            archive.writestr(f"activities/{strava_id}.fit.gz", gzip.compress(data))
        archive.writestr("activities.csv", "\n".join(lines) + "\n")
        archive.writestr("profile.csv", "Athlete ID,Email Address\n1,runner@example.org\n")
        archive.writestr("media/photo.jpg", b"\xff\xd8\xff")
    return buffer.getvalue()


def zip_of(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()
