"""Corrupt, truncated, oversized and hostile files (a zip bomb, a path leaving the archive, 10,000
tiny files, XML entities) are refused with a clear one-line message, and nothing of them, nor of
the command they came with, is stored. Through `coach import` (exit code 2, no traceback)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

import coaching.cli.import_files  # noqa: F401  (registers `coach import`)
from coaching.cli import app
from coaching.crypto import generate_key
from coaching.store.db import make_engine, upgrade
from coaching.store.models import Activity
from device_files import fit_run, gpx_run, zip_of

GOOD = fit_run()
BAD_BYTE = bytearray(GOOD)
BAD_BYTE[len(GOOD) // 2] ^= 0xFF


def _bomb() -> bytes:
    return zip_of({"activities/1.fit": b"\0" * (24 * 1024 * 1024)})  # ~24 MB of zeros, a few KB zipped


HOSTILE = {
    "a corrupt FIT file": ("corrupt.fit", bytes(BAD_BYTE), "checksum does not match"),
    "a truncated FIT file": ("cut.fit", GOOD[: len(GOOD) // 2], "truncated or corrupt (IndexError)"),
    "not a FIT file at all": ("photo.fit", b"\xff\xd8\xff\xe0" + b"x" * 100, "not a FIT file"),
    "an oversized file": ("huge.gpx", b"<gpx>" + b" " * (26 * 1024 * 1024), "larger than 25 MB"),
    "a zip bomb": ("bomb.zip", None, "would inflate past the limits"),
    "a path leaving the archive": ("evil.zip", zip_of({"../../etc/cron.d/x.fit": GOOD}), "path leaves the archive"),
    "an absolute path in a zip": ("abs.zip", zip_of({"/tmp/x.fit": GOOD}), "path leaves the archive"),
    "10,000 tiny files": ("many.zip", None, "holds 10,000 files"),
    "a nested archive": ("nested.zip", zip_of({"inner.zip": zip_of({"a.fit": GOOD})}), "holds another archive"),
    "XML entities (billion laughs)": ("lol.gpx", b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]>'
                                      b"<gpx>&lol;</gpx>", "DOCTYPE or entities"),
    "a zip that is not one": ("broken.zip", b"PK\x03\x04 not really", "not a readable zip"),
    "an unknown kind of file": ("notes.txt", b"ran 10k", "not a FIT, GPX, TCX or zip file"),
}


def _many() -> bytes:
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for i in range(10_000):
            archive.writestr(f"a/{i}.gpx", b"x")
    return buffer.getvalue()


@pytest.fixture
def coach(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    url = f"sqlite:///{tmp_path / 'coach.db'}"
    engine = make_engine(url)
    upgrade(engine)
    for name, value in {"COACH_DATABASE_URL": url, "COACH_TOKEN_KEY": generate_key(),
                        "COACH_LINK_SECRET": "hostile-files"}.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str, int]:
        result = runner.invoke(app, ["import", *args])
        with engine.connect() as connection:
            stored = connection.scalar(select(func.count()).select_from(Activity))
        return result.exit_code, result.output, int(stored or 0)

    yield run
    engine.dispose()


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_file_is_refused_in_one_line_and_nothing_is_stored(coach, tmp_path: Path, case: str) -> None:
    name, data, message = HOSTILE[case]
    data = _bomb() if case == "a zip bomb" else _many() if case == "10,000 tiny files" else data
    bad = tmp_path / name
    bad.write_bytes(data)
    good = tmp_path / "good.gpx"
    good.write_bytes(gpx_run())
    code, output, stored = coach("--athlete", "victim@example.org", str(good), str(bad))
    assert code == 2, output
    assert message in output and "nothing was imported" in output or "too large" in output, output
    assert "Traceback" not in output and len(output.strip().splitlines()) == 1
    assert stored == 0


def test_good_files_through_the_command_line_and_a_rerun_that_changes_nothing(coach, tmp_path: Path) -> None:
    run = tmp_path / "run.fit"
    run.write_bytes(GOOD)
    code, output, stored = coach("--athlete", "cli@example.org", str(run))
    assert code == 0 and "1 activities stored" in output and "a new runner" in output and stored == 1
    code, output, stored = coach("--athlete", "cli@example.org", str(run))
    assert code == 0 and "0 activities stored, 1 already stored" in output and stored == 1


def test_a_missing_file_or_a_bad_runner_is_one_line(coach, tmp_path: Path) -> None:
    code, output, _ = coach("--athlete", "x@example.org", str(tmp_path / "nope.fit"))
    assert code == 2 and "no such file" in output
    run = tmp_path / "run.fit"
    run.write_bytes(GOOD)
    code, output, _ = coach("--athlete", "not an address", str(run))
    assert code == 2 and "neither an email address nor a Strava athlete id" in output
