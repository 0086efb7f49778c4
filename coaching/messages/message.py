"""A message as rendered, ready for any channel: email (HTML + text) or push (title + short body)."""

from __future__ import annotations

from dataclasses import dataclass

PUSH_BODY_MAX_CHARS = 240


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    html: str
    text: str
    push_title: str | None = None  # None: this message has no push form (the coach digest)
    push_body: str | None = None  # at most PUSH_BODY_MAX_CHARS, the link to the full version included
    kind: str = "message"  # "alert" | "weekly_summary" | "coach_digest"
    unsubscribe_url: str | None = None  # also sent as the List-Unsubscribe header
    urgency: str = "info"  # "info" | "warning": push services that can, show it

    def __post_init__(self) -> None:
        if self.push_body is not None and len(self.push_body) > PUSH_BODY_MAX_CHARS:
            raise ValueError(f"push body is {len(self.push_body)} characters, over {PUSH_BODY_MAX_CHARS}")
        if (self.push_title is None) != (self.push_body is None):
            raise ValueError("a push form needs both a title and a body")

    @property
    def has_push_form(self) -> bool:
        return self.push_body is not None
