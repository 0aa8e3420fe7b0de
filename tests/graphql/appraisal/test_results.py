"""A run's typed problems and cohort figures: on a real run (managers skipped for missing inputs
and for separation of duties, an office that does not reconcile), and each stored shape."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import Role
from server.graphql.appraisal.results import (
    AppraisalRunProblem,
    CohortFigure,
    NamedValue,
    PayLine,
    TierMove,
)
from tests.conftest import Api
from tests.graphql.appraisal.operations import (
    SD_ACTUALS,
    SD_PLANS,
    active_manager,
    record_figures,
    run_as,
)

START = """mutation { runAppraisals(period: "2026") { __typename ... on AppraisalRun { id } } }"""
READ = """query($id: ID!) { appraisalRun(id: $id) { status problems cohort
  runProblems { code message managerId employeeNo officeId missing reconciliation }
  cohortFigures { key value } } }"""


def expected_problem(p: dict[str, Any]) -> dict[str, Any]:
    """The typed problem a stored one reads as."""
    base = {
        "managerId": p.get("managerId"),
        "employeeNo": p.get("employeeNo"),
        "officeId": p.get("officeId"),
        "missing": p.get("missing", []),
        "reconciliation": p.get("reconciliation", []),
    }
    if "missing" in p:
        return base | {"code": "MISSING_INPUTS"}
    if "separationOfDuties" in p:
        return base | {"code": "SEPARATION_OF_DUTIES"}
    return base | {"code": "RECONCILIATION", "message": "; ".join(p["reconciliation"])}


async def test_a_runs_problems_and_cohort_read_typed(api: Api, session: AsyncSession) -> None:
    own = await active_manager(session, "sd-demo")
    await record_figures(api, str(own.id), SD_PLANS, SD_ACTUALS, "sd-demo")
    recorded = await api(
        """mutation($o: ID!) { recordOfficeIndicators(officeId: $o, period: "2026",
             values: [{indicator: "interest_recovered", value: "1"}]) { __typename } }""",
        {"o": str(own.office_id)},
    )
    assert recorded["recordOfficeIndicators"]["__typename"] == "OfficeFiguresRecorded"
    who = {"user": "hr-self", "roles": (Role.HR, Role.MANAGER), "manager": own.employee_no}
    started = (await run_as(api, START, {}, **who))["runAppraisals"]
    await api.run_jobs()
    run = (await api(READ, {"id": started["id"]}, roles=(Role.HR,)))["appraisalRun"]
    assert run["status"] == "DONE", run

    typed = run["runProblems"]
    assert len(typed) == len(run["problems"])
    for problem, stored in zip(typed, run["problems"], strict=True):
        message = problem.pop("message")
        wanted = expected_problem(stored)
        assert message == wanted.pop("message", message)
        assert message
        assert problem == wanted
    codes = {p["code"] for p in typed}
    assert codes == {"MISSING_INPUTS", "SEPARATION_OF_DUTIES", "RECONCILIATION"}
    (own_record,) = [p for p in typed if p["code"] == "SEPARATION_OF_DUTIES"]
    assert (own_record["managerId"], own_record["employeeNo"]) == (str(own.id), own.employee_no)
    (office,) = [p for p in typed if p["code"] == "RECONCILIATION"]
    assert office["officeId"] == str(own.office_id)
    assert office["reconciliation"][0].startswith("interest_recovered")
    assert all(p["missing"] for p in typed if p["code"] == "MISSING_INPUTS")

    figures = {f["key"]: Decimal(f["value"]) for f in run["cohortFigures"]}
    assert figures == {k: Decimal(v) for k, v in run["cohort"].items()}
    assert {"average_weighted_customers", "average_loan_balance"} <= set(figures)


@pytest.mark.parametrize(
    ("stored", "code", "message"),
    [
        (
            {"managerId": "m-1", "employeeNo": "SD000001", "missing": ["a", "b"]},
            "MISSING_INPUTS",
            "missing inputs: a, b",
        ),
        (
            {"managerId": "m-1", "employeeNo": "SD000001", "separationOfDuties": "OWN_RECORD"},
            "SEPARATION_OF_DUTIES",
            "OWN_RECORD: the manager record of whoever started the run, skipped: "
            "nobody appraises themselves",
        ),
        (
            {"officeId": "o-1", "reconciliation": ["x off", "y off"]},
            "RECONCILIATION",
            "x off; y off",
        ),
        (
            {"error": "INTERRUPTED", "message": "interrupted 3 times; start the run again"},
            "INTERRUPTED",
            "interrupted 3 times; start the run again",
        ),
        ({"error": "POLICY_UNAVAILABLE", "message": "gone"}, "POLICY_UNAVAILABLE", "gone"),
    ],
)
def test_each_stored_problem_shape_reads_typed(
    stored: dict[str, Any], code: str, message: str
) -> None:
    problem = AppraisalRunProblem.from_json(stored)
    assert (problem.code, problem.message) == (code, message)
    assert problem.manager_id == stored.get("managerId")
    assert problem.office_id == stored.get("officeId")
    assert problem.missing == stored.get("missing", [])
    assert problem.reconciliation == stored.get("reconciliation", [])


@pytest.mark.parametrize("stored", [None, {}, "text", 3])
def test_what_is_not_a_list_of_problems_reads_as_none(stored: Any) -> None:
    assert AppraisalRunProblem.all_from_json(stored) == []
    assert PayLine.all_from_json(stored) == []


def test_a_tier_move_before_confirmation_is_null_and_after_it_typed() -> None:
    assert TierMove.from_json(None) is None
    move = TierMove.from_json(
        {
            "direction": "PROMOTION",
            "toTier": {"code": "SD_1", "name": "一级", "rank": 3},
            "reason": "score ≥ 90",
            "article": "第十条",
            "flags": ["DISMISSAL_REVIEW"],
        }
    )
    assert move is not None
    assert (move.direction, move.reason, move.article, move.flags) == (
        "PROMOTION",
        "score ≥ 90",
        "第十条",
        ["DISMISSAL_REVIEW"],
    )
    assert move.to_tier is not None
    assert (move.to_tier.code, move.to_tier.name, move.to_tier.rank) == ("SD_1", "一级", 3)


def test_cohort_figures_and_named_values_keep_every_entry() -> None:
    figures = CohortFigure.all_from_json({"average": "12.50", "count": 3})
    assert [(f.key, f.value) for f in figures] == [
        ("average", Decimal("12.50")),
        ("count", Decimal("3")),
    ]
    named = NamedValue.all_from_json({"ratio": "0.5", "weight": "20"})
    assert [(v.name, v.value) for v in named] == [("ratio", "0.5"), ("weight", "20")]
