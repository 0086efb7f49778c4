"""What the templates render: frozen views built by pure functions from domain objects."""

from coaching.messages.views.alert import AlertView, alert_view
from coaching.messages.views.common import (
    CheckinLink,
    FindingView,
    Number,
    Recipient,
    SuggestionView,
    finding_view,
)
from coaching.messages.views.digest import (
    Acknowledgement,
    CoachDigestView,
    DigestAthlete,
    DigestRow,
    coach_digest_view,
)
from coaching.messages.views.summary import (
    Bar,
    GuidanceView,
    Stat,
    WeeklySummaryView,
    weekly_summary_view,
)

__all__ = [
    "Acknowledgement",
    "AlertView",
    "Bar",
    "CheckinLink",
    "CoachDigestView",
    "DigestAthlete",
    "DigestRow",
    "FindingView",
    "GuidanceView",
    "Number",
    "Recipient",
    "Stat",
    "SuggestionView",
    "WeeklySummaryView",
    "alert_view",
    "coach_digest_view",
    "finding_view",
    "weekly_summary_view",
]
