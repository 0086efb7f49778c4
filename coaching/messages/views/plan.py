"""The plan for the next 7 days and last week's plan check, as the messages show them."""

from __future__ import annotations

from dataclasses import dataclass

from coaching.domain.plan_model import HOLD, STOP, Plan
from coaching.domain.plan_check import PlanCheck
from coaching.messages import format as fmt
from coaching.messages.format import Units
from coaching.messages.plan_text import CheckLine, PlanLine, check_lines, check_summary, plan_headline, plan_lines


@dataclass(frozen=True)
class PlanView:
    days: str  # "Mon 16 Mar – Sun 22 Mar"
    mode: str  # normal | hold | stop: also a CSS class
    running: str  # the running mode's one-line reason
    headline: str  # the whole plan in one line (push, digest)
    lines: tuple[PlanLine, ...]

    @property
    def stop(self) -> bool:
        return self.mode == STOP

    @property
    def hold(self) -> bool:
        return self.mode == HOLD


@dataclass(frozen=True)
class CheckView:
    days: str
    kept: bool
    summary: str  # "kept" | "not kept: longest run"
    lines: tuple[CheckLine, ...]


def plan_view(plan: Plan | None, units: Units) -> PlanView | None:
    if plan is None:
        return None
    return PlanView(
        days=f"{fmt.format_day(plan.first_day)} – {fmt.format_day(plan.last_day)}",
        mode=str(plan.running.value),
        running=plan.running.why,
        headline=plan_headline(plan, units),
        lines=tuple(plan_lines(plan, units)),
    )


def check_view(check: PlanCheck | None, units: Units) -> CheckView | None:
    if check is None:
        return None
    return CheckView(
        days=f"{fmt.format_day(check.first_day)} – {fmt.format_day(check.last_day)}",
        kept=check.kept,
        summary=check_summary(check),
        lines=tuple(check_lines(check, units)),
    )
