"""The message a runner gets when a knee-pain check-in changes the plan's running mode."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from coaching.domain.plan_model import Plan
from coaching.messages.views.common import Recipient, sent_at
from coaching.messages.views.plan import PlanView, plan_view


@dataclass(frozen=True)
class PlanChangeView:
    first_name: str
    pain_score: int
    previous_mode: str  # normal | hold | stop
    plan: PlanView
    preferences_url: str
    full_url: str | None
    sent_at: str | None

    @property
    def urgency(self) -> str:
        return "warning" if self.plan.stop else "info"


def plan_change_view(recipient: Recipient, plan: Plan, previous_mode: str, pain_score: int, *,
                     now_utc: datetime | None = None) -> PlanChangeView:
    view = plan_view(plan, recipient.units)
    assert view is not None
    return PlanChangeView(
        first_name=recipient.first_name,
        pain_score=pain_score,
        previous_mode=previous_mode,
        plan=view,
        preferences_url=recipient.preferences_url,
        full_url=recipient.web_url,
        sent_at=sent_at(now_utc, recipient.tz),
    )
