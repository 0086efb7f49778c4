from __future__ import annotations

from coaching.strava.budget import RequestBudget, Usage, parse_usage
from coaching.strava.errors import BudgetExhausted

import pytest


def test_the_recorded_mixed_case_headers_are_read():
    headers = {"X-Ratelimit-Usage": "8,151", "X-Ratelimit-Limit": "200,2000",
               "X-Readratelimit-Limit": "100,1000", "X-Readratelimit-Usage": "8,151"}
    assert parse_usage(headers) == Usage(8, 151, 100, 1000)


def test_the_tighter_bucket_wins_window_by_window():
    headers = {"x-ratelimit-usage": "190,300", "x-ratelimit-limit": "200,2000",
               "x-readratelimit-usage": "50,900", "x-readratelimit-limit": "100,1000"}
    assert parse_usage(headers) == Usage(190, 900, 200, 1000)


def test_garbled_headers_are_ignored_rather_than_trusted():
    assert parse_usage({"X-RateLimit-Usage": "lots", "X-RateLimit-Limit": "200,2000"}) is None
    assert parse_usage({}) is None


def test_the_budget_stops_before_the_reserve_is_touched():
    budget = RequestBudget(margin=0.1)
    budget.check()  # nothing known yet: go
    budget.record({"X-ReadRateLimit-Usage": "89,100", "X-ReadRateLimit-Limit": "100,1000"})
    budget.check()
    budget.record({"X-ReadRateLimit-Usage": "90,101", "X-ReadRateLimit-Limit": "100,1000"})
    with pytest.raises(BudgetExhausted, match="15-minute"):
        budget.check()
