"""The checks a new loan passes before it is written.

Core rules (every tenant): the manager is active and licensed; the customer is
admitted (a corporate customer's first credit needs approval, and approvals
lapse after 6 months without credit), not blacklisted, and keeps one office
relationship. Then the tenant's ``lending`` plugin (caps and its own rules) and
its ``classification`` plugin (what the customer's class allows). Every failed
rule is reported, each with its article; nothing is written when any fails.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import (
    AdmissionStatus,
    CustomerKind,
    LoanProduct,
    ManagerStatus,
    PolicyCategory,
)
from server.errors import Refusal
from server.policy import LoanRequest
from server.policy.registry import PolicyRegistry
from server.services.admission import LAPSE_MONTHS, credit_standing, lapse_due, last_credit_on
from server.services.exposure import reference_exposure
from server.services.policies import selection
from server.services.profiles import manager_profile

ADMISSION_DOC = "首次建立信贷关系客户准入管理办法"
LICENCE_DOC = "信贷客户经理管理暂行办法 第三条(持证上岗)"
ADMISSION_LAPSED = "ADMISSION_LAPSED"


def admission_refusals(
    customer: models.Customer, exposure: Decimal, last_maturity: dt.date | None, on: dt.date
) -> list[Refusal]:
    refusals: list[Refusal] = []
    if customer.blacklisted:
        refusals.append(
            Refusal(
                "BLACKLISTED",
                f"{ADMISSION_DOC} 第五条(一)",
                "the customer is on the tenant's blacklist (不良信用客户名单库)",
            )
        )
    if customer.kind != CustomerKind.CORPORATE:
        return refusals
    if customer.admission_status != AdmissionStatus.APPROVED:
        refusals.append(
            Refusal(
                "ADMISSION_REQUIRED",
                f"{ADMISSION_DOC} 第七条",
                "a corporate customer's first credit needs an approved admission review "
                f"(admission is {customer.admission_status.value})",
            )
        )
        return refusals
    # The rule and what "every approval lapsed" means: server.services.admission.
    last_credit = last_credit_on(customer, exposure, last_maturity)
    if lapse_due(last_credit, on):
        refusals.append(
            Refusal(
                ADMISSION_LAPSED,
                f"{ADMISSION_DOC} 第二条",
                f"no credit since {last_credit}: more than {LAPSE_MONTHS} months, "
                "so the customer counts as new and needs admission again",
            )
        )
    return refusals


def manager_refusals(
    manager: models.Manager, on: dt.date, issued_on: dt.date | None = None
) -> list[Refusal]:
    """The manager's status and licence on the business date ``on``; a licence issued only
    after a back-dated ``issued_on`` did not cover the loan either."""
    refusals: list[Refusal] = []
    if manager.status != ManagerStatus.ACTIVE:
        refusals.append(
            Refusal(
                "MANAGER_NOT_ACTIVE",
                LICENCE_DOC,
                f"the manager is {manager.status.value}, not ACTIVE",
            )
        )
    if manager.licence_valid_until is None or manager.licence_valid_until < on:
        until = manager.licence_valid_until or "never issued"
        refusals.append(
            Refusal(
                "LICENCE_NOT_VALID",
                LICENCE_DOC,
                f"the manager's licence (上岗证) is not valid on {on} (valid until {until})",
            )
        )
    elif (
        issued_on is not None
        and manager.licence_issued_on is not None
        and issued_on < manager.licence_issued_on
    ):
        refusals.append(
            Refusal(
                "LICENCE_NOT_VALID",
                LICENCE_DOC,
                f"the manager's licence (上岗证) was issued on {manager.licence_issued_on}, "
                f"after the loan's issue date {issued_on}",
            )
        )
    return refusals


async def loan_refusals(
    session: AsyncSession,
    registry: PolicyRegistry,
    *,
    customer: models.Customer,
    manager: models.Manager,
    amount: Decimal,
    product: LoanProduct,
    issued_on: dt.date,
    today: dt.date,
    renewal: bool = False,
) -> list[Refusal]:
    """Every rule the new loan breaks (empty when it may be written). The manager's status
    and licence and the customer's admission are those of the business date ``today``.

    ``renewal``: the loan renews credit the customer has (借新还旧, 续贷, 展期).

    The caller holds the customer's row lock and a share of the manager's (see
    :mod:`server.services`), so nothing these checks read changes before the loan is written.
    """
    tenant_id = customer.tenant_id
    exposure, last_maturity = await credit_standing(session, customer.tenant_id, customer.id)
    refusals = manager_refusals(manager, today, issued_on)
    refusals += admission_refusals(customer, exposure, last_maturity, today)
    if manager.office_id != customer.office_id:
        refusals.append(
            Refusal(
                "RELATIONSHIP_ELSEWHERE",
                f"{ADMISSION_DOC} 第六条(一)",
                "the customer's credit relationship is with another office; transfer it first",
            )
        )
    lending = await selection(session, registry, tenant_id, PolicyCategory.LENDING)
    classification = await selection(session, registry, tenant_id, PolicyCategory.CLASSIFICATION)
    if lending is None and classification is None:
        return refusals
    grading = await selection(session, registry, tenant_id, PolicyCategory.GRADING)
    tiers = registry.grading(grading.plugin).tiers() if grading else ()
    request = LoanRequest(
        manager=manager_profile(manager, tiers=tiers),
        customer_id=str(customer.id),
        customer_kind=customer.kind,
        customer_class=customer.class_code,
        product=product,
        amount=amount,
        issued_on=issued_on,
        exposure_now=exposure,
        exposure_at_class_set=customer.exposure_at_class_set,
        reference_exposure=(
            await reference_exposure(session, customer) if classification is not None else None
        ),
        is_renewal=renewal,
    )
    if lending is not None:
        found = registry.lending(lending.plugin).check(request, lending.params)
        _add_new_rules(refusals, found)
    if classification is not None:
        found = registry.classification(classification.plugin).credit_check(
            request, classification.params
        )
        _add_new_rules(refusals, found)
    return refusals


def _add_new_rules(refusals: list[Refusal], found: tuple[Refusal, ...]) -> None:
    """Add a plugin's refusals; a rule already listed (a plugin may repeat a core check) once."""
    listed = {r.rule for r in refusals}
    for r in found:
        if r.rule not in listed:
            refusals.append(r)
            listed.add(r.rule)
