"""An appraisal's typed fields (parameterValues, inputsRead, payLines, confirmedTierMove,
items' inputValues) read the same values as the deprecated JSON fields, on a real round:
figures recorded, a draft computed, confirmed with a tier move."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import Role
from server.graphql.appraisal.inputs_read import IndicatorNames
from server.policy.indicators import COMPUTED_INDICATORS
from server.policy.registry import PolicyRegistry
from tests.conftest import Api
from tests.graphql.appraisal.operations import (
    CONFIRM,
    RUN,
    SD_ACTUALS,
    SD_PLANS,
    active_manager,
    record_figures,
    run_as,
)
from tests.graphql.appraisal.test_appraisals import CC_ACTUALS, CC_PLANS
from tests.graphql.appraisal.test_figures import _move, _other_office, _record_on

FIGURES = "indicator value unit label"
READ = f"""query($id: ID!) {{ appraisal(id: $id) {{
  id status tier {{ code }}
  parameters parameterValues {{ name value type }}
  inputs inputsRead {{ period
    profile {{ employeeNo category status hireDate birthDate probationEndsOn postStartedOn
      tier {{ code name rank }} education professionalTitle creditExam creditWorkYears
      systemProficiency qualificationLevel licenceValidUntil jurisdictionHouseholds
      ratedHouseholds officeHasCreditClerk }}
    values {{ {FIGURES} }} plans {{ {FIGURES} }} findings {{ item finding count }}
    cohort {{ key value }} prior {{ period total rating }}
    officeSheets {{ officeId actuals {{ {FIGURES} }} plans {{ {FIGURES} }} }} }}
  pay payLines {{ key name amount article explanation explanationEn account }}
  tierMove confirmedTierMove {{ direction toTier {{ code name rank }} reason article flags }}
  items {{ key inputs inputValues {{ name value }} }} }} }}"""

#: The profile's typed fields by the stored profile's keys.
PROFILE_KEYS = {
    "employeeNo": "employee_no",
    "category": "category",
    "status": "status",
    "hireDate": "hire_date",
    "birthDate": "birth_date",
    "probationEndsOn": "probation_ends_on",
    "postStartedOn": "post_started_on",
    "tier": "tier",
    "education": "education",
    "professionalTitle": "professional_title",
    "creditExam": "credit_exam",
    "creditWorkYears": "credit_work_years",
    "systemProficiency": "system_proficiency",
    "qualificationLevel": "qualification_level",
    "licenceValidUntil": "licence_valid_until",
    "jurisdictionHouseholds": "jurisdiction_households",
    "ratedHouseholds": "rated_households",
    "officeHasCreditClerk": "office_has_credit_clerk",
}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _figures(typed: list[dict[str, Any]]) -> dict[str, Decimal]:
    return {f["indicator"]: Decimal(f["value"]) for f in typed}


def _decimals(stored: dict[str, Any]) -> dict[str, Decimal]:
    return {k: Decimal(v) for k, v in stored.items()}


def assert_typed_equals_json(a: dict[str, Any]) -> None:
    """Every typed field of the appraisal holds what its JSON twin holds."""
    assert [(p["name"], p["value"]) for p in a["parameterValues"]] == sorted(
        (k, _text(v)) for k, v in a["parameters"].items()
    )
    assert all(
        p["type"] in ("DECIMAL", "INTEGER", "BOOLEAN", "CHOICE") for p in a["parameterValues"]
    )

    read, stored = a["inputsRead"], a["inputs"]
    assert read["period"] == stored["period"]
    assert _figures(read["values"]) == _decimals(stored["values"])
    assert _figures(read["plans"]) == _decimals(stored["plans"])
    # The plugin that made it is installed: every figure has its declared unit and name.
    assert all(f["unit"] and f["label"] for f in read["values"] + read["plans"]), [
        f for f in read["values"] + read["plans"] if not f["unit"]
    ]
    assert {c["key"]: Decimal(c["value"]) for c in read["cohort"]} == _decimals(stored["cohort"])
    assert read["findings"] == stored["findings"]
    assert [(p["period"], p["rating"]) for p in read["prior"]] == [
        (p["period"], p["rating"]) for p in stored["prior"]
    ]
    assert {
        sheet["officeId"]: (_figures(sheet["actuals"]), _figures(sheet["plans"]))
        for sheet in read["officeSheets"]
    } == {
        office: (_decimals(sheet["actuals"]), _decimals(sheet["plans"]))
        for office, sheet in stored.get("officeSheets", {}).items()
    }
    profile = stored["profile"]
    for typed_key, stored_key in PROFILE_KEYS.items():
        typed_value, stored_value = read["profile"][typed_key], profile[stored_key]
        if typed_key == "creditWorkYears" and stored_value is not None:
            assert Decimal(typed_value) == Decimal(stored_value)
        else:
            assert typed_value == stored_value, typed_key

    typed = [
        {
            **{k: v for k, v in line.items() if k != "explanationEn"},
            "explanation_en": line["explanationEn"],
        }
        for line in a["payLines"]
    ]
    assert [{**line, "amount": Decimal(line["amount"])} for line in typed] == [
        {**line, "amount": Decimal(line["amount"])} for line in a["pay"]
    ]
    assert a["confirmedTierMove"] == a["tierMove"]
    for item in a["items"]:
        assert {v["name"]: v["value"] for v in item["inputValues"]} == item["inputs"]


async def read(api: Api, appraisal_id: str, tenant: str = "sd-demo") -> dict[str, Any]:
    data = await api(READ, {"id": appraisal_id}, tenant=tenant, roles=(Role.HR,))
    appraisal: dict[str, Any] = data["appraisal"]
    return appraisal


async def test_a_draft_and_its_confirmation_read_typed(api: Api, session: AsyncSession) -> None:
    manager = await active_manager(session, "sd-demo")
    await record_figures(api, str(manager.id), SD_PLANS, SD_ACTUALS, "sd-demo")
    draft = (await run_as(api, RUN, {"m": str(manager.id)}, user="hr-1", roles=(Role.HR,)))[
        "runAppraisal"
    ]
    assert draft["__typename"] == "Appraisal", draft
    before = await read(api, draft["id"])
    assert_typed_equals_json(before)
    assert before["confirmedTierMove"] is None
    values = _figures(before["inputsRead"]["values"])
    assert values["interest_recovered"] == Decimal(SD_ACTUALS["interest_recovered"])
    assert _figures(before["inputsRead"]["plans"])["interest_recovered"] == Decimal(
        SD_PLANS["interest_recovered"]
    )
    units = {f["indicator"]: f["unit"] for f in before["inputsRead"]["values"]}
    assert units["interest_recovered"] == "yuan"
    assert {"average_weighted_customers", "average_loan_balance"} <= {
        c["key"] for c in before["inputsRead"]["cohort"]
    }
    assert before["inputsRead"]["profile"]["employeeNo"] == manager.employee_no
    assert before["inputsRead"]["profile"]["hireDate"] == manager.hire_date.isoformat()
    by_name = {p["name"]: p for p in before["parameterValues"]}
    assert by_name["deduction_per_case"] == {
        "name": "deduction_per_case",
        "value": "0.5",
        "type": "DECIMAL",
    }
    assert any(item["inputValues"] for item in before["items"])

    other = "SD_1" if before["tier"]["code"] != "SD_1" else "SD_3"
    await session.execute(
        update(models.Manager)
        .where(models.Manager.tenant_id == "sd-demo", models.Manager.id == manager.id)
        .values(tier_code=other, tier_rank=3 if other == "SD_1" else 1, tier_name=other)
    )
    confirmed = (await run_as(api, CONFIRM, {"id": draft["id"]}, user="hr-2", roles=(Role.HR,)))[
        "confirmAppraisal"
    ]
    assert confirmed["status"] == "CONFIRMED", confirmed
    after = await read(api, draft["id"])
    assert_typed_equals_json(after)
    move = after["confirmedTierMove"]
    assert move is not None
    assert move["toTier"]["code"] == before["tier"]["code"] != other
    assert move["direction"] in ("PROMOTION", "DEMOTION", "SET")
    assert move["reason"] and move["article"]


async def test_pay_lines_read_typed(api: Api, session: AsyncSession) -> None:
    manager = await active_manager(session, "cc-demo")
    await record_figures(api, str(manager.id), CC_PLANS, CC_ACTUALS, "cc-demo")
    draft = (
        await run_as(
            api, RUN, {"m": str(manager.id)}, user="hr-1", roles=(Role.HR,), tenant="cc-demo"
        )
    )["runAppraisal"]
    assert draft["__typename"] == "Appraisal", draft
    appraisal = await read(api, draft["id"], "cc-demo")
    assert_typed_equals_json(appraisal)
    withheld = [line for line in appraisal["payLines"] if line["account"] == "RISK_DEPOSIT"]
    assert len(withheld) == 1
    assert Decimal(withheld[0]["amount"]) > 0 and withheld[0]["article"]


async def test_the_office_sheets_of_a_transferred_manager_read_typed(
    api: Api, session: AsyncSession
) -> None:
    manager = await active_manager(session, "sd-demo")
    former = str(manager.office_id)
    current = await _other_office(session, manager)
    await _move(api, manager, current, "2026-07-01")
    await _record_on(
        api, str(manager.id), former, {"interest_recovered": "200000"}, {"interest_recovered": "1"}
    )
    await _record_on(api, str(manager.id), None, SD_ACTUALS, SD_PLANS)
    draft = (await run_as(api, RUN, {"m": str(manager.id)}, user="hr-1", roles=(Role.HR,)))[
        "runAppraisal"
    ]
    assert draft["__typename"] == "Appraisal", draft
    appraisal = await read(api, draft["id"])
    assert_typed_equals_json(appraisal)
    sheets = {s["officeId"]: s for s in appraisal["inputsRead"]["officeSheets"]}
    assert set(sheets) == {former, current}
    assert _figures(sheets[former]["actuals"]) == {"interest_recovered": Decimal("200000")}
    assert sheets[former]["actuals"][0]["unit"] == "yuan"


def test_a_plugin_no_longer_installed_leaves_only_the_core_units(
    registry: PolicyRegistry,
) -> None:
    names = IndicatorNames.declared(registry, "no_longer_installed", "2026", {})
    # A figure only the plugin declared (interest_recovered no longer serves: the core
    # computes it from the loan ledger now).
    own, core = names.named({"deposit_daily_average": "1200.50", "npl_ratio": "0.02"})
    assert "deposit_daily_average" not in COMPUTED_INDICATORS
    assert (own.indicator, own.value, own.unit, own.label) == (
        "deposit_daily_average",
        Decimal("1200.50"),
        None,
        None,
    )
    assert (core.indicator, core.value, core.unit) == ("npl_ratio", Decimal("0.02"), "ratio")
    assert core.label


def test_indicator_units_come_from_the_plugins_declaration(registry: PolicyRegistry) -> None:
    names = IndicatorNames.declared(registry, "shandong", "2026", {})
    (value,) = names.named({"interest_recovered": "1"})
    (plan,) = names.named({"interest_recovered": "2"}, plans=True)
    assert (value.unit, plan.unit) == ("yuan", "yuan")
    assert value.label and plan.label
