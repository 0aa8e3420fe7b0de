"""The demo data set as stored: sizes, valid identities, policies, plausible risk mix."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.demo import database_is_empty
from server.domain import NON_PERFORMING, CustomerKind, PolicyCategory
from server.identity_codes import validate_resident_id, validate_social_credit_code

from .conftest import DEMO_SIZES

TENANTS = {"sd-demo", "ah-demo", "sx-demo", "cc-demo"}


async def test_every_tenant_has_the_requested_sizes(session: AsyncSession) -> None:
    assert not await database_is_empty(session)
    for model, size in (
        (models.Manager, DEMO_SIZES["managers"]),
        (models.Customer, DEMO_SIZES["customers"]),
        (models.Loan, DEMO_SIZES["loans"]),
    ):
        rows = (
            await session.execute(select(model.tenant_id, func.count()).group_by(model.tenant_id))
        ).all()
        assert dict(rows) == dict.fromkeys(TENANTS, size), model.__name__


async def test_every_identity_number_validates(session: AsyncSession) -> None:
    rows = (await session.execute(select(models.Customer.kind, models.Customer.id_number))).all()
    assert rows
    for kind, number in rows:
        check = (
            validate_resident_id if kind == CustomerKind.INDIVIDUAL else validate_social_credit_code
        )
        assert check(number) is None, number


async def test_policy_selection_per_tenant(session: AsyncSession) -> None:
    rows = (
        await session.execute(
            select(
                models.TenantPolicy.tenant_id,
                models.TenantPolicy.category,
                models.TenantPolicy.plugin,
            )
        )
    ).all()
    selection = {(t, c): p for t, c, p in rows}
    assert selection[("sd-demo", PolicyCategory.GRADING)] == "shandong"
    assert selection[("ah-demo", PolicyCategory.LENDING)] == "anhui"
    assert selection[("sx-demo", PolicyCategory.CLASSIFICATION)] == "shanxi_customer_class"
    assert selection[("cc-demo", PolicyCategory.LENDING)] == "county_coop"


async def test_most_loans_are_normal_and_a_few_non_performing(session: AsyncSession) -> None:
    total = await session.scalar(select(func.count()).select_from(models.Loan))
    normal = await session.scalar(
        select(func.count()).select_from(models.Loan).where(models.Loan.risk_class == "NORMAL")
    )
    npl = await session.scalar(
        select(func.count())
        .select_from(models.Loan)
        .where(models.Loan.risk_class.in_(NON_PERFORMING))
    )
    assert total and normal and npl is not None
    assert normal / total > 0.8
    assert 0 < npl / total < 0.1
    overdue_npl = await session.scalar(
        select(func.count())
        .select_from(models.Loan)
        .where(models.Loan.risk_class.in_(NON_PERFORMING), models.Loan.days_overdue == 0)
    )
    assert overdue_npl == 0


async def test_loans_sit_with_their_customers_office_and_manager(session: AsyncSession) -> None:
    mismatched = await session.scalar(
        select(func.count())
        .select_from(models.Loan)
        .join(
            models.Customer,
            (models.Customer.tenant_id == models.Loan.tenant_id)
            & (models.Customer.id == models.Loan.customer_id),
        )
        .where(
            (models.Customer.office_id != models.Loan.office_id)
            | (models.Customer.manager_id != models.Loan.manager_id)
        )
    )
    assert mismatched == 0
