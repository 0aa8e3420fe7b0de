"""What the tenant's appraisal reads, over GraphQL (``appraisalInputs``): the figures form a
front-end builds, from the grading plugin the tenant selected."""

from __future__ import annotations

from typing import Any

import pytest

from server.domain import Role
from tests.conftest import Api

INPUTS = """
query($p: Period!) { appraisalInputs(period: $p) {
  plugin pluginVersion period findingCodesListed
  indicators { key unit source label description required computedByCore recordedWith }
  findingCodes { item finding description }
} }
"""


async def inputs(api: Api, tenant: str, period: str) -> dict[str, Any] | None:
    response = await api.post(
        INPUTS, {"p": period}, token=api.token(tenant, (Role.BRANCH_HEAD,), "bh-1")
    )
    body = response.json()
    assert "errors" not in body, body
    result: dict[str, Any] | None = body["data"]["appraisalInputs"]
    return result


async def test_shandong_lists_every_input_of_its_yearly_appraisal(api: Api) -> None:
    found = await inputs(api, "sd-demo", "2025")
    assert found is not None
    assert (found["plugin"], found["period"], found["findingCodesListed"]) == (
        "shandong",
        "2025",
        True,
    )
    by_key = {(i["key"], i["source"]): i for i in found["indicators"]}
    assert by_key[("interest_recovered", "RECORDED")] == {
        "key": "interest_recovered",
        "unit": "yuan",
        "source": "RECORDED",
        "label": "收回贷款利息",
        "description": "loan interest recovered (B6)",
        "required": True,
        "computedByCore": False,
        "recordedWith": "recordIndicators",
    }
    assert by_key[("interest_recovered", "TASK_PLAN")]["label"] == "收回贷款利息计划"
    assert by_key[("interest_recovered", "TASK_PLAN")]["recordedWith"] == "recordTaskPlan"
    balance = by_key[("loan_balance", "COMPUTED")]
    assert (balance["computedByCore"], balance["recordedWith"]) == (True, None)
    assert by_key[("education", "PROFILE")]["recordedWith"] == "updateManager"
    # What a branch head records on the sheet: the required actuals and plans.
    to_record = {
        (i["key"], i["source"])
        for i in found["indicators"]
        if i["required"] and i["source"] in ("RECORDED", "TASK_PLAN")
    }
    assert to_record == {
        ("deposit_net_increase", "RECORDED"),
        ("npl_cash_recovered", "RECORDED"),
        ("writeoff_recovered", "RECORDED"),
        ("interest_recovered", "RECORDED"),
        ("deposit_net_increase", "TASK_PLAN"),
        ("npl_net_reduction", "TASK_PLAN"),
        ("npl_cash_recovered", "TASK_PLAN"),
        ("writeoff_recovered", "TASK_PLAN"),
        ("interest_recovered", "TASK_PLAN"),
    }
    codes = {(c["item"], c["finding"]) for c in found["findingCodes"]}
    assert ("C1.4", "MISSING_INSPECTION_REPORT") in codes
    assert {item for item, _ in codes} == {
        "C1.1",
        "C1.2",
        "C1.3",
        "C1.4",
        "C1.5",
        "C2",
        "C3",
        "C4",
        "C5",
        "C6",
    }


@pytest.mark.parametrize(
    ("tenant", "period", "plugin", "count"),
    [
        ("sd-demo", "2025-Q3", "shandong", 0),  # 第八条: a quarter is not graded
        ("ah-demo", "2025-Q3", "anhui", 5),
        ("ah-demo", "2025", "anhui", 6),
    ],
)
async def test_the_inputs_follow_the_tenant_and_the_period(
    api: Api, tenant: str, period: str, plugin: str, count: int
) -> None:
    found = await inputs(api, tenant, period)
    assert found is not None
    assert found["plugin"] == plugin
    assert len(found["indicators"]) == count
    assert found["findingCodes"] == []


async def test_a_tenant_that_grades_nobody_reads_no_inputs(api: Api) -> None:
    switched = await api.post(
        "mutation { setTenantPolicy(category: GRADING, plugin: null) { __typename } }",
        token=api.token("sd-demo", (Role.FEDERATION_ADMIN,), "fed.admin"),
    )
    assert switched.json()["data"]["setTenantPolicy"]["__typename"] == "Tenant"
    assert await inputs(api, "sd-demo", "2025") is None
