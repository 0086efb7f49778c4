"""The files a runner hands in, opened safely: single files, `.gz` files, and zip exports (a
Strava bulk export with its `activities.csv`, a Garmin export of FIT files).

A zip is refused whole, before anything is read from it, when it could hurt: a member whose path
leaves the archive (`../`, absolute, a drive), more members than any export has, members that
claim or turn out to inflate past the limits (a zip bomb), or nested archives. Sizes are checked
while reading, not only from the headers, which a hostile zip may fake.
"""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from coaching.activity_files.readers import FileRefused

MAX_FILE_BYTES = 25 * 1024 * 1024  # a 24-hour FIT recording is about 5 MB; GPX is wordier
MAX_ZIP_MEMBERS = 5_000  # a Strava export of ten years of daily training has about 3,650
MAX_ZIP_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 200  # activity files compress 3-10x; a bomb, thousands of times
ACTIVITY_SUFFIXES = (".fit", ".gpx", ".tcx")


@dataclass(frozen=True)
class Member:
    name: str  # the file name, inside its archive when it has one ("export.zip:activities/1.fit")
    data: bytes
    strava_id: int | None = None  # from activities.csv: the same activity's id on Strava
    title: str = ""
    sport_type: str | None = None


@dataclass
class Opened:
    members: list[Member] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # not activity files (photos, profile.csv...)


def _bounded(stream: io.BufferedIOBase, limit: int, what: str) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise FileRefused(f"{what} is larger than {limit // (1024 * 1024)} MB")
    return data


def _gunzip(data: bytes, what: str) -> bytes:
    try:
        return _bounded(gzip.GzipFile(fileobj=io.BytesIO(data)), MAX_FILE_BYTES, what)  # type: ignore[arg-type]
    except (OSError, EOFError) as error:
        raise FileRefused(f"{what} is not a readable gzip file ({type(error).__name__})") from None


def open_file(name: str, data: bytes) -> Opened:
    lowered = name.lower()
    if lowered.endswith(".zip"):
        return _open_zip(name, data)
    if lowered.endswith(".gz"):
        return Opened([Member(name[:-3], _gunzip(data, name))])
    if lowered.endswith(ACTIVITY_SUFFIXES):
        if len(data) > MAX_FILE_BYTES:
            raise FileRefused(f"{name} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
        return Opened([Member(name, data)])
    raise FileRefused(f"{name}: not a FIT, GPX, TCX or zip file")


def _safe_path(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return not (path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]))


def _open_zip(archive: str, data: bytes) -> Opened:
    try:
        zipped = zipfile.ZipFile(io.BytesIO(data))
        infos = [info for info in zipped.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, ValueError) as error:
        raise FileRefused(f"{archive} is not a readable zip file ({type(error).__name__})") from None
    if len(infos) > MAX_ZIP_MEMBERS:
        raise FileRefused(f"{archive} holds {len(infos):,} files; an export holds at most {MAX_ZIP_MEMBERS:,}")
    unsafe = next((info.filename for info in infos if not _safe_path(info.filename)), None)
    if unsafe is not None:
        raise FileRefused(f"{archive} has a file whose path leaves the archive ({unsafe[:80]!r})")
    if sum(info.file_size for info in infos) > MAX_ZIP_TOTAL_BYTES:
        raise FileRefused(f"{archive} would unpack to more than {MAX_ZIP_TOTAL_BYTES // 1024 ** 3} GB")
    for info in infos:
        if info.file_size > MAX_FILE_BYTES or info.file_size > max(1, info.compress_size) * MAX_RATIO:
            raise FileRefused(f"{archive}: {info.filename[:80]} would inflate past the limits (a zip bomb?)")
    opened, csv_rows, unpacked = Opened(), {}, 0
    for info in infos:
        lowered = info.filename.lower()
        if lowered.endswith(".zip"):
            raise FileRefused(f"{archive} holds another archive ({info.filename[:80]}): unpack it and import its files")
        wanted = lowered.endswith(ACTIVITY_SUFFIXES) or lowered.endswith(tuple(s + ".gz" for s in ACTIVITY_SUFFIXES))
        if not wanted and PurePosixPath(lowered).name != "activities.csv":
            opened.ignored.append(info.filename)
            continue
        try:
            with zipped.open(info) as member:
                content = _bounded(member, MAX_FILE_BYTES, f"{archive}: {info.filename[:80]}")
        except (zipfile.BadZipFile, OSError, EOFError) as error:  # a CRC mismatch, a cut-off member
            raise FileRefused(f"{archive}: {info.filename[:80]} is corrupt ({type(error).__name__})") from None
        unpacked += len(content)
        if unpacked > MAX_ZIP_TOTAL_BYTES:
            raise FileRefused(f"{archive} unpacks to more than {MAX_ZIP_TOTAL_BYTES // 1024 ** 3} GB")
        if not wanted:
            csv_rows = _activities_csv(content)
            continue
        if lowered.endswith(".gz"):
            content = _gunzip(content, f"{archive}: {info.filename[:80]}")
        name = info.filename[:-3] if lowered.endswith(".gz") else info.filename
        opened.members.append(Member(f"{archive}:{name}", content))
    return Opened([_with_csv(member, archive, csv_rows) for member in opened.members], opened.ignored)


def _activities_csv(content: bytes) -> dict[str, dict[str, str]]:
    """Strava's export lists each activity with its id, name, type and file name."""
    text = content.decode("utf-8-sig", errors="replace")
    rows: dict[str, dict[str, str]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        filename = (row.get("Filename") or "").strip()
        if filename:
            rows[filename.removesuffix(".gz")] = row
    return rows


def _with_csv(member: Member, archive: str, rows: dict[str, dict[str, str]]) -> Member:
    row = rows.get(member.name.removeprefix(f"{archive}:"))
    if row is None:
        return member
    strava_id = (row.get("Activity ID") or "").strip()
    kind = (row.get("Activity Type") or "").replace(" ", "").strip()
    return Member(member.name, member.data, int(strava_id) if strava_id.isdigit() and len(strava_id) < 19 else None,
                  (row.get("Activity Name") or "").strip()[:255], kind or None)
