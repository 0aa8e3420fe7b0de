"""Which appraisals each grading plugin leaves unscored: by period and by the manager's status."""

from __future__ import annotations

import datetime as dt

import pytest

from server.domain import ManagerCategory, ManagerStatus
from server.policy import parse_period
from server.policy.parameters import defaults
from server.policy.registry import PolicyRegistry
from server.policy.types import AppraisalInput, ManagerProfile


@pytest.mark.parametrize(
    ("plugin", "period", "status", "unscored"),
    [
        ("shandong", "2026", "ACTIVE", False),
        ("shandong", "2026", "PROBATION", True),
        ("shandong", "2026-Q2", "ACTIVE", True),
        ("anhui", "2026-Q2", "ACTIVE", False),
        ("county_coop", "2026-Q2", "ACTIVE", True),
        ("county_coop", "2026", "ACTIVE", False),
    ],
)
def test_hook_grading_unscored_outcome(
    plugin: str, period: str, status: str, unscored: bool
) -> None:
    registry = PolicyRegistry()
    p = parse_period(period)
    profile = ManagerProfile(
        manager_id="m1",
        employee_no="E1",
        category=ManagerCategory.RETAIL,
        status=ManagerStatus(status),
        hire_date=dt.date(2015, 1, 1),
        birth_date=dt.date(1990, 1, 1),
        probation_ends_on=dt.date(2027, 1, 1) if status == "PROBATION" else dt.date(2016, 1, 1),
    )
    appraisal = AppraisalInput(
        period=p,
        manager=profile,
        values={},
        plans={},
        findings=(),
        cohort={},
        prior=(),
        params=defaults(registry.info(plugin)),
    )
    outcome = registry.grading(plugin).unscored_outcome(appraisal)
    assert (outcome is not None) is unscored
    if outcome is not None:
        assert outcome.explanation
        assert outcome.items == ()
