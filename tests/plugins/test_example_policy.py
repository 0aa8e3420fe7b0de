"""The worked example of ``docs/plugin-authors.md``, hook by hook and served over GraphQL.

The example (``example_policy``) is registered beside the in-tree plugins; a
federation administrator selects it for every category of a tenant, and an
appraisal, a lending check, a classification, a penalty and rotation run
through the API on it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import plugins.anhui
import plugins.county_coop
import plugins.shandong
import plugins.shanxi_customer_class
from server.app import create_app
from server.clock import business_today
from server.db import models
from server.domain import Role
from server.policy import (
    AppraisalOutcome,
    CustomerClass,
    IndicatorSource,
    ManagerStatus,
    PenaltyKind,
    PolicyCategory,
    RiskClass,
    TierDirection,
    ViolationKind,
    parse_period,
    testing,
)
from server.policy.registry import PolicyRegistry
from server.settings import Settings

from ..conftest import Api
from . import example_policy as example
from .example_policy import LEVEL_1, LEVEL_2, GuangxiParameters

D = Decimal
REGISTRY = testing.registry(example)
YEAR = parse_period("2026")
TENANT = "sd-demo"

# --- hook by hook --------------------------------------------------------------------------


def test_example_declares_every_category_and_its_parameters() -> None:
    info = REGISTRY.info("guangxi")
    assert info.categories == frozenset(PolicyCategory)
    assert [p.name for p in info.parameters] == [
        "promote_at",
        "cap_level_1",
        "cap_level_2",
        "rotation_years",
    ]
    assert GuangxiParameters.of({"cap_level_1": "250000"}).cap_level_1 == D(250_000)


def test_example_grading() -> None:
    grading = REGISTRY.grading("guangxi")
    assert grading.tiers() == (LEVEL_1, LEVEL_2)
    specs = grading.indicators(YEAR, {})
    assert {(s.key, s.source) for s in specs} == {
        ("sales_score", IndicatorSource.RECORDED),
        ("loan_balance", IndicatorSource.COMPUTED),
    }
    assert grading.indicators(parse_period("2026-Q1"), {}) == ()
    members = testing.cohort({"loan_balance": D(100)}, {"loan_balance": D(300)})
    assert grading.cohort_figures(YEAR, members, {}) == {"average_loan_balance": D(200)}
    appraisal = testing.appraisal_input(
        YEAR,
        values={"sales_score": D(90), "loan_balance": D(100)},
        cohort={"average_loan_balance": D(200)},
    )
    outcome = grading.appraise(appraisal)
    assert (outcome.total, outcome.tier) == (D(74), LEVEL_1)  # 54 + 20
    promoted = grading.appraise(
        testing.appraisal_input(
            YEAR, values=appraisal.values, cohort={}, params={"promote_at": "74"}
        )
    )
    assert (promoted.total, promoted.tier) == (D(94), LEVEL_2)  # no average: balance counts as met
    probationer = testing.manager_profile(status=ManagerStatus.PROBATION)
    refused = grading.unscored_outcome(testing.appraisal_input(YEAR, manager=probationer))
    assert refused is not None and not refused.graded and "第三条" in refused.explanation
    move = grading.tier_move(testing.manager_profile(tier=LEVEL_1), promoted, YEAR, {})
    assert (move.direction, move.to_tier) == (TierDirection.PROMOTION, LEVEL_2)
    ungraded = AppraisalOutcome(graded=False, explanation="no (第六条)")
    assert grading.tier_move(testing.manager_profile(), ungraded, YEAR, {}).to_tier is None


@pytest.mark.parametrize(
    ("changes", "customer_class", "rule"),
    [
        ({"blacklisted": True, "max_days_overdue": 9}, CustomerClass.EXIT, "exit.blacklisted"),
        ({"worst_risk_class": RiskClass.LOSS}, CustomerClass.RESTRICT, "restrict.non_performing"),
        ({"max_days_overdue": 1}, CustomerClass.MAINTAIN, "maintain.overdue"),
        ({}, CustomerClass.SUPPORT, "support.sound"),
    ],
)
def test_example_classification(
    changes: dict[str, Any], customer_class: CustomerClass, rule: str
) -> None:
    classification = REGISTRY.classification("guangxi")
    result = classification.classify(testing.customer_facts(**changes), {})
    assert (result.customer_class, [hit.rule for hit in result.rules]) == (customer_class, [rule])
    refusals = classification.credit_check(testing.loan_request(customer_class=customer_class), {})
    refused = customer_class in (CustomerClass.EXIT, CustomerClass.RESTRICT)
    assert [r.rule for r in refusals] == (["NO_NEW_CREDIT"] if refused else [])


def test_example_lending() -> None:
    lending = REGISTRY.lending("guangxi")
    level_1, level_2 = testing.manager_profile(tier=LEVEL_1), testing.manager_profile(tier=LEVEL_2)
    assert lending.cap(level_1, YEAR.start, {}).amount == D("300000.00")
    assert lending.cap(level_2, YEAR.start, {}).amount is None
    at_cap = testing.loan_request(manager=level_1, amount=D("300000.00"))
    assert lending.check(at_cap, {}) == ()
    above = testing.loan_request(manager=level_1, amount=D("300000.01"))
    assert [r.rule for r in lending.check(above, {})] == ["AMOUNT_OVER_CAP"]
    leap = testing.manager_profile(post_started_on=dt.date(2024, 2, 29))
    assert lending.rotation_due_on(leap, {}) == dt.date(2029, 2, 28)
    assert lending.rotation_due_on(leap, {"rotation_years": 4}) == dt.date(2028, 2, 28)


@pytest.mark.parametrize(
    ("kind", "tier", "effect"),
    [
        (ViolationKind.NOMINEE_LOAN, LEVEL_2, PenaltyKind.DOWN_ONE_TIER),
        (ViolationKind.NOMINEE_LOAN, LEVEL_1, PenaltyKind.SUSPEND),
        (ViolationKind.AUDIT_NOTICE, LEVEL_2, PenaltyKind.NONE),
    ],
)
def test_example_penalty(kind: ViolationKind, tier: Any, effect: PenaltyKind) -> None:
    case = testing.violation_case(kind=kind, manager=testing.manager_profile(tier=tier))
    result = REGISTRY.penalty("guangxi").effect(case, {})
    assert (result.effect, result.article) == (effect, "第十条")


# --- served over GraphQL ---------------------------------------------------------------------


@pytest.fixture
async def example_api(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Api]:
    """The app with the example installed beside the in-tree plugins."""
    installed = PolicyRegistry(
        [
            plugins.anhui,
            plugins.county_coop,
            plugins.shandong,
            plugins.shanxi_customer_class,
            example,
        ]
    )
    app = create_app(settings, sessionmaker=sessionmaker, registry=installed)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield Api(client, settings)


async def run(api: Api, query: str, variables: dict[str, Any], role: Role, user: str) -> Any:
    response = await api.post(query, variables, token=api.token(TENANT, (role,), user))
    body = response.json()
    assert "errors" not in body, body
    (result,) = body["data"].values()
    return result


SET_POLICY = """mutation($category: PolicyCategory!, $parameters: JSON) {
  setTenantPolicy(category: $category, plugin: "guangxi", parameters: $parameters) {
    __typename ... on UserError { code message } } }"""
POLICIES = "{ policies { name categories tiers { code rank } parameters { name default } } }"
APPRAISAL = """__typename ... on Appraisal { id status graded total tier { code } plugin
  items { key article score } } ... on UserError { code message }"""
MANAGER = """query($m: ID!) { manager(id: $m) {
  tier { code } tierHistory { cause toTier { code } plugin } } }"""
CREATE_LOAN = """mutation($input: CreateLoanInput!) { createLoan(input: $input) {
  __typename ... on Loan { id } ... on Refused { refusals { rule article } }
  ... on UserError { code message } } }"""
BLACKLIST = """mutation($id: ID!) { blacklistCustomer(customerId: $id, reason: "骗贷") {
  __typename ... on Customer { class classHistory { toClass plugin rules } } } }"""
VIOLATION = """__typename ... on Violation { id effect effectArticle
  manager { tier { code } tierHistory { cause toTier { code } } } }"""


async def _select_example(api: Api) -> None:
    for category, parameters in [
        ("GRADING", {"promote_at": "50"}),
        ("CLASSIFICATION", {}),
        ("LENDING", {"cap_level_1": "250000.00"}),
        ("PENALTY", {}),
    ]:
        variables = {"category": category, "parameters": parameters}
        chosen = await run(api, SET_POLICY, variables, Role.FEDERATION_ADMIN, "fed.admin")
        assert chosen == {"__typename": "Tenant"}, chosen


async def _appraise_and_confirm(api: Api, session: AsyncSession) -> models.Manager:
    """An active 一级 manager with a sales score of 95 is appraised 二级 and confirmed."""
    manager = (
        await session.execute(
            select(models.Manager)
            .where(models.Manager.tenant_id == TENANT, models.Manager.status == "ACTIVE")
            .order_by(models.Manager.employee_no)
            .limit(1)
        )
    ).scalar_one()
    await session.execute(
        update(models.Manager)
        .where(models.Manager.tenant_id == TENANT, models.Manager.id == manager.id)
        .values(tier_code=LEVEL_1.code, tier_rank=LEVEL_1.rank, tier_name=LEVEL_1.name)
    )
    recorded = await run(
        api,
        """mutation($m: ID!) { recordIndicators(managerId: $m, period: "2026",
             values: [{indicator: "sales_score", value: "95"}]) { __typename } }""",
        {"m": str(manager.id)},
        Role.HR,
        "hr-1",
    )
    assert recorded == {"__typename": "FiguresRecorded"}
    draft = await run(
        api,
        f'mutation($m: ID!) {{ runAppraisal(managerId: $m, period: "2026") {{ {APPRAISAL} }} }}',
        {"m": str(manager.id)},
        Role.HR,
        "hr-1",
    )
    assert (draft["__typename"], draft["plugin"], draft["graded"]) == ("Appraisal", "guangxi", True)
    assert [(i["key"], i["article"]) for i in draft["items"]] == [
        ("sales", "第五条(一)"),
        ("balance", "第五条(二)"),
    ]
    assert D(draft["items"][0]["score"]) == D(57)
    assert draft["tier"] == {"code": "GX_2"}
    confirmed = await run(
        api,
        f"mutation($id: ID!) {{ confirmAppraisal(id: $id) {{ {APPRAISAL} }} }}",
        {"id": draft["id"]},
        Role.HR,
        "hr-2",
    )
    assert confirmed["status"] == "CONFIRMED", confirmed
    after = await run(api, MANAGER, {"m": str(manager.id)}, Role.HR, "hr-2")
    assert after["tier"] == {"code": "GX_2"}
    assert after["tierHistory"][-1] == {
        "cause": "APPRAISAL",
        "toTier": {"code": "GX_2"},
        "plugin": "guangxi",
    }
    return manager


async def _lendable_customer(session: AsyncSession) -> models.Customer:
    """An individual customer, not blacklisted, whose manager (at its office) is licensed,
    put in 一级 (selecting the example's grading moved every manager to one of its grades)."""
    customer, manager = models.Customer, models.Manager
    found = (
        await session.execute(
            select(customer)
            .join(
                manager,
                (manager.tenant_id == customer.tenant_id) & (manager.id == customer.manager_id),
            )
            .where(
                customer.tenant_id == TENANT,
                customer.kind == "INDIVIDUAL",
                customer.blacklisted.is_(False),
                manager.status == "ACTIVE",
                manager.licence_valid_until >= business_today(),
                manager.office_id == customer.office_id,
            )
            .order_by(customer.id)
            .limit(1)
        )
    ).scalar_one()
    await session.execute(
        update(models.Manager)
        .where(models.Manager.tenant_id == TENANT, models.Manager.id == found.manager_id)
        .values(tier_code=LEVEL_1.code, tier_rank=LEVEL_1.rank, tier_name=LEVEL_1.name)
    )
    return found


def _loan(customer: models.Customer, principal: str) -> dict[str, Any]:
    return {
        "input": {
            "customerId": str(customer.id),
            "contractNo": f"GX-{uuid.uuid4().hex[:12]}",
            "product": "FARMER_MICRO_CREDIT",
            "principal": principal,
            "annualRate": "0.0435",
            "issuedOn": business_today().isoformat(),
            "maturesOn": (business_today() + dt.timedelta(days=365)).isoformat(),
            "guarantee": "CREDIT",
        }
    }


async def test_the_example_serves_a_tenant_over_graphql(
    example_api: Api, session: AsyncSession
) -> None:
    listed = {p["name"]: p for p in (await run(example_api, POLICIES, {}, Role.HR, "hr-1"))}
    assert set(listed["guangxi"]["categories"]) == {c.value for c in PolicyCategory}
    assert [t["code"] for t in listed["guangxi"]["tiers"]] == ["GX_1", "GX_2"]
    await _select_example(example_api)

    # grading: an appraisal on the example's items, confirmed into the tier history
    manager = await _appraise_and_confirm(example_api, session)

    # lending: the tenant's cap (250,000.00, not the default 300,000.00) is checked
    customer = await _lendable_customer(session)
    above = await run(
        example_api, CREATE_LOAN, _loan(customer, "250000.01"), Role.BRANCH_HEAD, "bh-1"
    )
    assert above["__typename"] == "Refused", above
    assert {"rule": "AMOUNT_OVER_CAP", "article": "第八条"} in above["refusals"]
    at_cap = await run(
        example_api, CREATE_LOAN, _loan(customer, "250000.00"), Role.BRANCH_HEAD, "bh-1"
    )
    assert at_cap["__typename"] == "Loan", at_cap

    # classification: blacklisting reclassifies the customer by the example's table
    blacklisted = await run(example_api, BLACKLIST, {"id": str(customer.id)}, Role.RISK, "risk-1")
    assert blacklisted["class"] == "EXIT"
    change = blacklisted["classHistory"][-1]
    assert (change["toClass"], change["plugin"]) == ("EXIT", "guangxi")
    assert [(r["rule"], r["article"]) for r in change["rules"]] == [
        ("exit.blacklisted", "第七条(一)")
    ]
    refused = await run(
        example_api, CREATE_LOAN, _loan(customer, "1000.00"), Role.BRANCH_HEAD, "bh-1"
    )
    assert {"rule": "NO_NEW_CREDIT", "article": "第七条"} in refused["refusals"]

    # penalty: a nominee loan costs the 二级 manager the grade
    recorded = await run(
        example_api,
        f"mutation($input: RecordViolationInput!) {{ recordViolation(input: $input) {{ {VIOLATION} }} }}",
        {
            "input": {
                "managerId": str(manager.id),
                "kind": "NOMINEE_LOAN",
                "occurredOn": "2026-05-06",
                "description": "背冒名贷款一笔",
            }
        },
        Role.BRANCH_HEAD,
        "qian.branch",
    )
    confirmed = await run(
        example_api,
        f"mutation($id: ID!) {{ confirmViolation(id: $id) {{ {VIOLATION} }} }}",
        {"id": recorded["id"]},
        Role.RISK,
        "sun.risk",
    )
    assert (confirmed["effect"], confirmed["effectArticle"]) == ("DOWN_ONE_TIER", "第十条")
    assert confirmed["manager"]["tier"] == {"code": "GX_1"}
    assert confirmed["manager"]["tierHistory"][-1] == {
        "cause": "PENALTY",
        "toTier": {"code": "GX_1"},
    }

    # rotation: every active manager with a post is due five years after it started
    due = await run(
        example_api,
        'query { rotationDue(asOf: "2100-01-01") { manager { id } dueOn } }',
        {},
        Role.HR,
        "hr-1",
    )
    started = {
        str(m.id): m.post_started_on
        for m in (
            await session.execute(
                select(models.Manager).where(
                    models.Manager.tenant_id == TENANT,
                    models.Manager.status == "ACTIVE",
                    models.Manager.post_started_on.is_not(None),
                )
            )
        ).scalars()
    }
    assert due and {d["manager"]["id"] for d in due} == set(started)
    for entry in due:
        on = started[entry["manager"]["id"]]
        assert on is not None
        assert dt.date.fromisoformat(entry["dueOn"]).year == on.year + 5
