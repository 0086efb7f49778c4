"""The words messages use for rule ids, severities, evidence grades and suggestion categories.

Rule ids and their order follow the table in RULES.md; a rule the domain adds later still renders
(with a title made from its id and the generic numbers partial) until it is given words here.
"""

from __future__ import annotations

from coaching.domain.model import Evidence, Severity

RULE_TITLES: dict[str, str] = {
    "long-run-spike": "Long-run spike",
    "return-after-break": "Return after a break",
    "weekly-ramp": "Weekly distance ramp",
    "acwr": "Acute vs chronic load",
    "no-rest-day": "No rest day",
    "monotony": "Same load every day",
    "intensity-jump": "Sudden speed work",
    "hill-jump": "Sudden hills or trails",
    "low-cadence": "Low cadence",
    "shoe-mileage": "Shoe mileage",
    "no-cross-training": "No low-impact training",
    "strength-missing": "Strength work missing",
    "pain-reported": "Knee pain reported",
}

RULE_IDS: tuple[str, ...] = tuple(RULE_TITLES)

SEVERITY_LABELS: dict[Severity, str] = {
    Severity.INFO: "Heads-up",
    Severity.CAUTION: "Caution",
    Severity.WARNING: "Warning",
}

EVIDENCE_LABELS: dict[Evidence, str] = {
    Evidence.A: "strong evidence (running cohorts or trials)",
    Evidence.B: "moderate evidence (biomechanics or other sports)",
    Evidence.C: "convention or rule of thumb",
}

# The order a runner should read "what to do" in: the cheapest, most protective change first.
SUGGESTION_CATEGORIES: dict[str, str] = {
    "recovery": "Recovery",
    "cross-training": "Cross-training",
    "strength": "Strength",
    "cadence": "Cadence",
    "shoes": "Shoes",
    "terrain": "Terrain",
    "warm-up": "Warm-up",
}


def rule_title(rule: str) -> str:
    return RULE_TITLES.get(rule) or rule.replace("-", " ").capitalize()


def rule_order(rule: str) -> int:
    return RULE_IDS.index(rule) if rule in RULE_TITLES else len(RULE_IDS)


def category_title(category: str) -> str:
    return SUGGESTION_CATEGORIES.get(category) or category.replace("-", " ").capitalize()


def category_order(category: str) -> int:
    order = list(SUGGESTION_CATEGORIES)
    return order.index(category) if category in SUGGESTION_CATEGORIES else len(order)
