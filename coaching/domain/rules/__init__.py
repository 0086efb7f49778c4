"""The rule catalogue of RULES.md, in the order rules run.

Later rules read earlier findings (low-cadence, no-cross-training and strength-missing depend on
which load rules fired), so the order is part of the contract.
"""

from __future__ import annotations

from typing import Callable

from coaching.domain.rules.base import RuleContext, RuleOutcome
from coaching.domain.rules.cadence import find_low_cadence
from coaching.domain.rules.intensity import find_hill_jump, find_intensity_jump
from coaching.domain.rules.load import (
    find_acwr,
    find_long_run_spikes,
    find_returns_after_break,
    find_weekly_ramp,
)
from coaching.domain.rules.pain import find_reported_pain
from coaching.domain.rules.recovery import find_monotony, find_no_rest_day
from coaching.domain.rules.shoes import find_worn_or_unrotated_shoes
from coaching.domain.rules.support import find_no_cross_training, find_strength_missing

Rule = Callable[[RuleContext], RuleOutcome]

RULES: tuple[Rule, ...] = (
    find_long_run_spikes,
    find_returns_after_break,
    find_weekly_ramp,
    find_acwr,
    find_no_rest_day,
    find_monotony,
    find_intensity_jump,
    find_hill_jump,
    find_low_cadence,  # reads the load rules' findings
    find_worn_or_unrotated_shoes,
    find_no_cross_training,  # reads the load rules' findings
    find_strength_missing,  # reads the knee-load rules' findings, low-cadence among them
    find_reported_pain,
)
