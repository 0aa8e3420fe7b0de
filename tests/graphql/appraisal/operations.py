"""The GraphQL operations, inputs and callers the appraisal tests share."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import Role
from tests.conftest import Api

PERIOD = "2026"

APPRAISAL_FIELDS = """
  __typename
  ... on Appraisal { id status graded total rating ratingLabel tier { code rank } plugin pluginVersion
                     parameters inputs explanation explanationEn warnings tierMove confirmedBy
                     reviewReason computedBy recomputedBy appealedBy
                     items { key name article maxPoints score explanation explanationEn inputs } }
  ... on MissingInputs { code missing { key source reason } }
  ... on UserError { code message field }
"""

SD_PLANS = {
    "deposit_net_increase": "5000000",
    "npl_net_reduction": "20000",
    "npl_cash_recovered": "10000",
    "writeoff_recovered": "5000",
    "interest_recovered": "300000",
}

SD_ACTUALS = {
    "deposit_net_increase": "4500000",
    "npl_cash_recovered": "12000",
    "writeoff_recovered": "5000",
    "interest_recovered": "310000",
}


async def active_manager(session: AsyncSession, tenant: str, **where: Any) -> models.Manager:
    stmt = (
        select(models.Manager)
        .where(
            models.Manager.tenant_id == tenant,
            models.Manager.status == "ACTIVE",
            *(getattr(models.Manager, k) == v for k, v in where.items()),
        )
        .order_by(models.Manager.employee_no)
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one()


async def record_figures(
    api: Api, manager_id: str, plans: dict[str, str], actuals: dict[str, str], tenant: str
) -> None:
    data = await api(
        """mutation($m: ID!, $p: Period!, $plans: [FigureInput!]!, $values: [FigureInput!]!) {
          a: recordTaskPlan(managerId: $m, period: $p, plans: $plans) { __typename }
          b: recordIndicators(managerId: $m, period: $p, values: $values) { __typename } }""",
        {
            "m": manager_id,
            "p": PERIOD,
            "plans": [{"indicator": k, "value": v} for k, v in plans.items()],
            "values": [{"indicator": k, "value": v} for k, v in actuals.items()],
        },
        tenant=tenant,
    )
    assert data == {"a": {"__typename": "FiguresRecorded"}, "b": {"__typename": "FiguresRecorded"}}


def _employee_no(api: Api, tenant: str, user: str) -> str | None:
    """``user`` when it is a demo employee number (``SD000123``): the tests act as a manager
    under their own employee number."""
    return user if re.fullmatch(r"[A-Z]{2}\d{6}", user) else None


async def run_as(
    api: Api,
    query: str,
    variables: dict[str, Any],
    *,
    user: str,
    roles: tuple[Role, ...],
    tenant: str = "sd-demo",
    manager: str | None = None,
) -> dict[str, Any]:
    """Run as ``user``; a MANAGER is the manager ``manager`` (by default: employee number
    ``user``, or the tenant's first manager when ``user`` is none)."""
    token = api.token(tenant, roles, user, manager=manager or _employee_no(api, tenant, user))
    response = await api.post(query, variables, token=token)
    body = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


RUN = f'mutation($m: ID!) {{ runAppraisal(managerId: $m, period: "{PERIOD}") {{ {APPRAISAL_FIELDS} }} }}'

CONFIRM = f"mutation($id: ID!) {{ confirmAppraisal(id: $id) {{ {APPRAISAL_FIELDS} }} }}"
