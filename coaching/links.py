"""Signed links (preferences, unsubscribe, pain check-in): no login, bound to one athlete and one
purpose, and they expire. HMAC-SHA256 over `purpose.subject.expiry`."""

from __future__ import annotations

import base64
import hashlib
import hmac


class BadLink(ValueError):
    pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(secret: str, purpose: str, subject: str, expires_at_s: int) -> str:
    payload = f"{purpose}.{subject}.{expires_at_s}"
    mac = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    return f"{subject}.{expires_at_s}.{_b64(mac)}"


def verify(secret: str, purpose: str, token: str, now_s: float) -> str:
    """Return the subject (e.g. the athlete id) or raise BadLink. `now_s` is the caller's clock:
    whether a link has expired is a question about a given instant."""
    try:
        subject, expires_text, mac = token.rsplit(".", 2)
        expires_at_s = int(expires_text)
    except ValueError:
        raise BadLink("this link is malformed") from None
    expected = sign(secret, purpose, subject, expires_at_s).rsplit(".", 1)[1]
    # Bytes, not str: compare_digest raises TypeError on non-ASCII text, and a forged link may hold any.
    if not hmac.compare_digest(expected.encode(), mac.encode("utf-8", "surrogatepass")):
        raise BadLink("this link is not valid")
    if now_s > expires_at_s:
        raise BadLink("this link has expired")
    return subject


def expires_at_s(token: str) -> int:
    """The expiry a token carries; call it after `verify`, which has checked the token's shape."""
    return int(token.rsplit(".", 2)[1])
