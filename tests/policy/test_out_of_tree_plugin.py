"""An out-of-tree plugin, installed the way a federation's own package would be: found through its
entry point, and serving a tenant over GraphQL."""

from __future__ import annotations

import datetime as dt
import sys
import textwrap
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.app import create_app
from server.clock import business_today
from server.db import models
from server.domain import Role
from server.policy import CustomerKind, LendingCap, ManagerStatus, PolicyCategory, hookspecs
from server.policy.parameters import defaults
from server.policy.registry import PolicyRegistry
from server.settings import Settings
from tests.conftest import Api
from tests.policy.contract import IN_TREE, D, check_refusals, loan_request, profile

FEDERATION_MODULE = "federation_policy_demo"

FEDERATION_ARTICLE = "省联社贷款权限通知 第二条"

FEDERATION_SOURCE = textwrap.dedent(
    f'''
    """A federation's own lending policy: one single-loan cap for every manager."""

    from __future__ import annotations

    from dataclasses import dataclass, field
    from decimal import Decimal

    from server.policy import (
        LendingCap,
        LoanRequest,
        Parameters,
        PluginInfo,
        PolicyCategory,
        Refusal,
        hookimpl,
        parameter,
    )

    ARTICLE = "{FEDERATION_ARTICLE}"


    @dataclass(frozen=True)
    class FederationParameters(Parameters):
        """The federation's one cap."""

        cap: Decimal = field(
            default=Decimal("200000.00"),
            metadata=parameter(
                "Largest single loan any manager may originate (yuan)",
                article=ARTICLE,
                minimum=Decimal("10000.00"),
                maximum=Decimal("5000000.00"),
            ),
        )


    @hookimpl
    def policy_info() -> PluginInfo:
        return PluginInfo(
            name="federation_demo",
            version="1.0",
            title="联社贷款权限(示例)",
            sources=("省联社贷款权限通知",),
            categories=frozenset({{PolicyCategory.LENDING}}),
            params=FederationParameters,
        )


    @hookimpl
    def lending_cap(params: FederationParameters) -> LendingCap:
        return LendingCap(amount=params.cap, article=ARTICLE, explanation="one cap for all")


    @hookimpl
    def lending_check(request: LoanRequest, params: FederationParameters) -> tuple[Refusal, ...]:
        if request.amount > params.cap:
            return (
                Refusal(
                    rule="FEDERATION_CAP",
                    article=ARTICLE,
                    message=f"{{request.amount}} is above the federation's cap of {{params.cap}}",
                ),
            )
        return ()


    @hookimpl
    def lending_rotation_due_on() -> None:
        return None
    '''
)


@pytest.fixture
def federation_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The federation's package, installed on ``sys.path`` with its entry point."""
    (tmp_path / f"{FEDERATION_MODULE}.py").write_text(FEDERATION_SOURCE, encoding="utf-8")
    dist_info = tmp_path / f"{FEDERATION_MODULE}-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {FEDERATION_MODULE}\nVersion: 1.0\n", encoding="utf-8"
    )
    (dist_info / "entry_points.txt").write_text(
        f"[{hookspecs.ENTRY_POINT_GROUP}]\nfederation_demo = {FEDERATION_MODULE}\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop(FEDERATION_MODULE, None)


def test_out_of_tree_plugin_is_discovered_through_its_entry_point(
    federation_package: Path,
) -> None:
    assert "federation_demo" not in PolicyRegistry(IN_TREE.values()).names()
    registry = PolicyRegistry()
    assert set(registry.names()) >= {*IN_TREE, "federation_demo"}
    info = registry.info("federation_demo")
    assert (info.version, info.categories) == ("1.0", frozenset({PolicyCategory.LENDING}))
    assert [(p.name, p.default) for p in info.parameters] == [("cap", D("200000.00"))]
    params = defaults(info)
    manager = profile(None)
    lending = registry.lending("federation_demo")
    cap = lending.cap(manager, dt.date(2025, 6, 2), params)
    assert cap == LendingCap(D("200000.00"), FEDERATION_ARTICLE, "one cap for all")
    refusals = check_refusals(lending.check(loan_request(manager, D("200000.01")), params))
    assert [(r.rule, r.article) for r in refusals] == [("FEDERATION_CAP", FEDERATION_ARTICLE)]
    at_cap = loan_request(manager, D("200000.00"))
    assert lending.check(at_cap, params) == ()


@pytest.fixture
async def federation_api(
    federation_package: Path,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[Api]:
    """The app with the plugins found through entry points, the federation's included."""
    app = create_app(settings, sessionmaker=sessionmaker, registry=PolicyRegistry())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield Api(client, settings)


SET_POLICY = """
mutation($category: PolicyCategory!, $plugin: String, $parameters: JSON) {
  setTenantPolicy(category: $category, plugin: $plugin, parameters: $parameters) {
    __typename
    ... on UserError { code message field }
    ... on InvalidInput { errors { field code message } }
  }
}
"""

TENANT_POLICY = """
{ tenant { policy { category plugin pluginVersion parameters effectiveParameters } } }
"""

CREATE_LOAN = """
mutation($input: CreateLoanInput!) { createLoan(input: $input) {
  __typename
  ... on Loan { id principal }
  ... on Refused { code refusals { rule article message } }
  ... on UserError { code message field }
} }
"""

ISSUED_ON = business_today()


async def lendable_customer(session: AsyncSession, tenant: str) -> str:
    """An individual, not blacklisted customer whose manager, at the customer's own office,
    is active and licensed on ``ISSUED_ON``."""
    manager = models.Manager
    customer = models.Customer
    stmt = (
        select(customer.id)
        .join(
            manager,
            (manager.tenant_id == customer.tenant_id) & (manager.id == customer.manager_id),
        )
        .where(
            customer.tenant_id == tenant,
            customer.kind == CustomerKind.INDIVIDUAL,
            customer.blacklisted.is_(False),
            manager.status == ManagerStatus.ACTIVE,
            manager.licence_valid_until >= ISSUED_ON,
            manager.office_id == customer.office_id,
        )
        .order_by(customer.id)
        .limit(1)
    )
    return str((await session.execute(stmt)).scalar_one())


def loan_input(customer_id: str, contract_no: str, principal: str) -> dict[str, Any]:
    return {
        "customerId": customer_id,
        "contractNo": contract_no,
        "product": "FARMER_MICRO_CREDIT",
        "principal": principal,
        "annualRate": "0.0435",
        "issuedOn": ISSUED_ON.isoformat(),
        "maturesOn": (ISSUED_ON + dt.timedelta(days=365)).isoformat(),
        "guarantee": "CREDIT",
    }


async def test_out_of_tree_plugin_serves_a_tenant_over_graphql(
    federation_api: Api, session: AsyncSession
) -> None:
    chosen = await federation_api(
        SET_POLICY,
        {"category": "LENDING", "plugin": "federation_demo", "parameters": {"cap": "150000.00"}},
        roles=(Role.FEDERATION_ADMIN,),
    )
    assert chosen["setTenantPolicy"] == {"__typename": "Tenant"}
    data = await federation_api(TENANT_POLICY)
    by_category = {p["category"]: p for p in data["tenant"]["policy"]}
    assert by_category["LENDING"] == {
        "category": "LENDING",
        "plugin": "federation_demo",
        "pluginVersion": "1.0",
        "parameters": {"cap": "150000.00"},
        "effectiveParameters": {"cap": "150000.00"},
    }
    assert by_category["GRADING"]["plugin"] == "shandong"

    customer_id = await lendable_customer(session, "sd-demo")
    # Above the tenant's cap, below the plugin's default: the tenant's parameter decides.
    above = await federation_api(
        CREATE_LOAN, {"input": loan_input(customer_id, "FED-2025-0001", "150000.01")}
    )
    result = above["createLoan"]
    assert result["__typename"] == "Refused", result
    assert [(r["rule"], r["article"]) for r in result["refusals"]] == [
        ("FEDERATION_CAP", FEDERATION_ARTICLE)
    ]
    at_cap = await federation_api(
        CREATE_LOAN, {"input": loan_input(customer_id, "FED-2025-0002", "150000.00")}
    )
    assert at_cap["createLoan"]["__typename"] == "Loan", at_cap
    assert at_cap["createLoan"]["principal"] == "150000.00"
