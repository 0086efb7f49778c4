"""The pure domain: activities, gear, check-ins and an evaluation day in; findings and metrics out.

No I/O library, no clock, nothing of the project outside this package. Entry points:
`coaching.domain.evaluate.evaluate`, `coaching.domain.summary.weekly_summary`,
`coaching.domain.risk.risk_score`, `coaching.domain.thresholds.DEFAULT_THRESHOLDS`.
"""
