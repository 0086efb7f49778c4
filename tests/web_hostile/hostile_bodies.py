"""Malformed and hostile webhook bodies by category: what someone (not Strava) might post to our
callback. Each is refused with a 4xx and a JSON error, and nothing is queued. The README's
"bad inputs tried" figure for the webhook counts these."""

from __future__ import annotations

import json

JSON = "application/json"
VALID = {"aspect_type": "create", "event_time": 1_790_000_000, "object_id": 9_001, "object_type": "activity",
         "owner_id": 7, "subscription_id": 0, "updates": {}}  # subscription_id: set by the test


def _with(**changes: object) -> dict:
    return {**VALID, **changes}


def _without(name: str) -> dict:
    return {k: v for k, v in VALID.items() if k != name}


def _raw(value: object) -> bytes:
    return json.dumps(value).encode()


def _nested(depth: int, opener: str = "[", closer: str = "]") -> bytes:
    return (opener * depth + closer * depth).encode()


# category -> [(label, body or a dict (dumped with our subscription id), content type)]
BAD_BODIES: dict[str, list[tuple[str, bytes | dict, str | None]]] = {
    "not JSON": [
        ("plain words", b"hello strava", JSON),
        ("html", b"<html><body>event</body></html>", JSON),
        ("form encoding", b"object_type=activity&object_id=1", JSON),
        ("python repr", b"{'object_type': 'activity'}", JSON),
        ("invalid utf-8", b'{"object_type": "\xff\xfe"}', JSON),
        ("a NUL byte", b"\x00", JSON),
        ("trailing garbage", _raw(VALID) + b" trailing", JSON),
        ("two objects", _raw(VALID) + _raw(VALID), JSON),
        ("single quotes", b"{'a': 1}", JSON),
    ],
    "truncated": [
        ("half an object", _raw(VALID)[: len(_raw(VALID)) // 2], JSON),
        ("no closing brace", _raw(VALID)[:-1], JSON),
        ("open string", b'{"object_type": "activ', JSON),
        ("just a brace", b"{", JSON),
        ("cut in a number", b'{"object_id": 12', JSON),
    ],
    "not an object": [
        ("null", b"null", JSON),
        ("a list", _raw([VALID]), JSON),
        ("a string", _raw("activity"), JSON),
        ("a number", b"42", JSON),
        ("true", b"true", JSON),
    ],
    "wrong types": [
        ("object_id as string", _with(object_id="9001"), JSON),
        ("owner_id as float", _with(owner_id=7.0), JSON),
        ("owner_id as bool", _with(owner_id=True), JSON),
        ("subscription_id as list", _with(subscription_id=[1]), JSON),
        ("event_time as object", _with(event_time={"t": 1}), JSON),
        ("object_type as number", _with(object_type=1), JSON),
        ("aspect_type as list", _with(aspect_type=["create"]), JSON),
        ("updates as list", _with(updates=["title"]), JSON),
        ("updates as string", _with(updates="title"), JSON),
        ("unknown object_type", _with(object_type="club"), JSON),
        ("unknown aspect_type", _with(aspect_type="explode"), JSON),
        ("negative id", _with(object_id=-1), JSON),
        ("zero owner", _with(owner_id=0), JSON),
        ("null id", _with(object_id=None), JSON),
        ("too many updates", _with(updates={f"k{i}": "v" for i in range(21)}), JSON),
    ],
    "missing fields": [(f"no {name}", _without(name), JSON) for name in VALID if name != "updates"]
    + [("empty object", b"{}", JSON)],
    "ids above 2^63": [
        ("object_id 2^63", _with(object_id=2**63), JSON),
        ("owner_id 2^64", _with(owner_id=2**64), JSON),
        ("subscription_id 2^70", _with(subscription_id=2**70), JSON),
        ("event_time 10^30", _with(event_time=10**30), JSON),
    ],
    "huge numbers": [
        ("1e400 (infinite)", _raw(VALID).replace(b'"object_id": 9001', b'"object_id": 1e400'), JSON),
        ("5000 digits", _raw(VALID).replace(b'"object_id": 9001', b'"object_id": ' + b"9" * 5000), JSON),
        ("NaN", _raw(VALID).replace(b'"object_id": 9001', b'"object_id": NaN'), JSON),
        ("-Infinity", _raw(VALID).replace(b'"owner_id": 7', b'"owner_id": -Infinity'), JSON),
        ("exponent integer", _raw(VALID).replace(b'"object_id": 9001', b'"object_id": 9.001e3'), JSON),
    ],
    "nested junk": [
        ("4,000 nested lists", _nested(4_000), JSON),
        ("1,300 nested objects", (b'{"a":' * 1_300) + b"1" + b"}" * 1_300, JSON),
        ("deep updates", _raw(VALID).replace(b'"updates": {}', b'"updates": ' + _nested(3_000)), JSON),
        ("object as object_type", _with(object_type={"$ne": None}), JSON),
        ("list in owner", _with(owner_id=[[[[7]]]]), JSON),
    ],
    "wrong content type": [
        ("text/plain", VALID, "text/plain"),
        ("form", VALID, "application/x-www-form-urlencoded"),
        ("multipart", VALID, "multipart/form-data; boundary=x"),
        ("xml", VALID, "application/xml"),
        ("json-ish", VALID, "application/jsonp"),
        ("html", VALID, "text/html; charset=utf-8"),
    ],
    "empty body": [
        ("nothing", b"", JSON),
        ("whitespace", b"   \n\t ", JSON),
        ("nothing, no content type", b"", None),
    ],
}


def bad_body_count() -> dict[str, int]:
    return {category: len(cases) for category, cases in BAD_BODIES.items()}
