"""The four demo tenants and how each one's data is flavoured (province, county, policies)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from server.domain import PolicyCategory


@dataclass(frozen=True)
class DemoTenant:
    """One tenant of the demo set and how its data is flavoured."""

    tenant_id: str
    name: str
    province: str
    code: str  # prefix of employee, licence and contract numbers
    county: str  # the county its customers live in
    regions: tuple[str, ...]  # administrative division codes, home county first
    is_union: bool  # a county union names its offices 信用社/分社, not 支行/网点
    licence_years: int  # how long a manager's licence (上岗证) runs
    policies: tuple[tuple[PolicyCategory, str], ...]

    @property
    def grading_plugin(self) -> str | None:
        return dict(self.policies).get(PolicyCategory.GRADING)

    @property
    def classification_plugin(self) -> str | None:
        return dict(self.policies).get(PolicyCategory.CLASSIFICATION)


DEMO_TENANTS = (
    DemoTenant(
        tenant_id="sd-demo",
        name="山东某农村商业银行",
        province="山东",
        code="SD",
        county="沂南县",
        regions=("371321", "371322", "371323", "371302"),
        is_union=False,
        licence_years=3,
        policies=(
            (PolicyCategory.GRADING, "shandong"),
            (PolicyCategory.PENALTY, "shandong"),
        ),
    ),
    DemoTenant(
        tenant_id="ah-demo",
        name="安徽某农村商业银行",
        province="安徽",
        code="AH",
        county="临泉县",
        regions=("341221", "341222", "341225", "341202"),
        is_union=False,
        licence_years=3,
        policies=(
            (PolicyCategory.GRADING, "anhui"),
            (PolicyCategory.LENDING, "anhui"),
            (PolicyCategory.PENALTY, "anhui"),
        ),
    ),
    DemoTenant(
        tenant_id="sx-demo",
        name="山西某农村商业银行",
        province="山西",
        code="SX",
        county="定襄县",
        regions=("140921", "140922", "140902", "140923"),
        is_union=False,
        licence_years=3,
        policies=(
            (PolicyCategory.GRADING, "shandong"),
            (PolicyCategory.CLASSIFICATION, "shanxi_customer_class"),
        ),
    ),
    DemoTenant(
        tenant_id="cc-demo",
        name="某县农村信用合作联社",
        province="河北",
        code="CC",
        county="元氏县",
        regions=("130132", "130131", "130133", "130125"),
        is_union=True,
        # 一年一认定: the union confirms every licence yearly.
        licence_years=1,
        policies=(
            (PolicyCategory.GRADING, "county_coop"),
            (PolicyCategory.LENDING, "county_coop"),
            (PolicyCategory.PENALTY, "county_coop"),
        ),
    ),
)
DEMO_TENANT_IDS = tuple(tenant.tenant_id for tenant in DEMO_TENANTS)


def choose_tenants(tenant_ids: Sequence[str] | None) -> list[DemoTenant]:
    if tenant_ids is None:
        return list(DEMO_TENANTS)
    unknown = sorted(set(tenant_ids) - set(DEMO_TENANT_IDS))
    if unknown:
        raise ValueError(
            f"unknown demo tenant(s) {', '.join(unknown)}; known: {', '.join(DEMO_TENANT_IDS)}"
        )
    return [tenant for tenant in DEMO_TENANTS if tenant.tenant_id in tenant_ids]
