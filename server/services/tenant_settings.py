"""Core parameters every tenant has, whatever its policies (core.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from server import clock
from server.db import models
from server.errors import Problems
from server.principal import Principal
from server.services.access import acting_tenant, authorize

APPEAL_DAYS_DEFAULT = 15  # core.md: 申诉/复议 within appeal_days after confirmation
LARGE_LOAN_DEFAULT = Decimal("5000000.00")
LICENCE_MONTHS_DEFAULT = 12  # 省办法 第六条: 一年一认定
LICENCE_MONTHS_MAX = 60
MAX_BACKDATING_DEFAULT = 30
MAX_BACKDATING_LIMIT = 366
_ZONES = "ruralcredit.tenant_zones"
"""Where a session keeps the zones of the tenants it has read (``session.info``)."""


@dataclass(frozen=True)
class TenantSettings:
    appeal_days: int = APPEAL_DAYS_DEFAULT
    """Days after an appraisal's confirmation within which the manager may appeal."""
    large_loan_threshold: Decimal = LARGE_LOAN_DEFAULT
    """Principal from which a loan is "large" and inspected at least once a quarter
    (山东办法 第三条(四): 大额贷款每季度至少有一次定期书面贷后检查报告). The source fixes
    no amount; the default is 5,000,000 yuan (500万元), the county union's top band."""
    licence_validity_months: int = LICENCE_MONTHS_DEFAULT
    """The longest a licence to practise (上岗证) runs from its issue (or yearly confirmation):
    ``licenceValidUntil`` may not be later than this many months after ``licenceIssuedOn``.
    The one source that fixes it, XXX省办法 第六条, confirms every licence yearly
    ("一年一认定"), hence 12; a tenant whose licences run longer says so here (1–60)."""
    max_backdating_days: int = MAX_BACKDATING_DEFAULT
    """How many days before the business date a new loan's ``issuedOn`` may lie: a loan
    entered after it was disbursed (booked late at an outlet) names its real issue date,
    but no earlier than this. No source fixes it; the default, 30 days, lets a month's
    late entries in and keeps a loan from being booked into a closed year (0–366). Every
    check of the loan's manager and customer reads the business date, whatever the issue
    date says."""
    time_zone: str = field(default_factory=lambda: clock.business_zone().key)
    """The IANA name of the zone the tenant's business dates are days of (today, the
    backdating limit, licence validity, admission lapse, duty due dates, the appeal
    window's last day, the day daily jobs run for). Not set: the server's
    ``RURALCREDIT_BUSINESS_TIMEZONE`` (default Asia/Shanghai)."""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @classmethod
    def from_json(cls, stored: dict[str, Any]) -> TenantSettings:
        return cls(
            appeal_days=int(stored.get("appeal_days", APPEAL_DAYS_DEFAULT)),
            large_loan_threshold=Decimal(
                str(stored.get("large_loan_threshold", LARGE_LOAN_DEFAULT))
            ),
            licence_validity_months=int(
                stored.get("licence_validity_months", LICENCE_MONTHS_DEFAULT)
            ),
            max_backdating_days=int(stored.get("max_backdating_days", MAX_BACKDATING_DEFAULT)),
            time_zone=str(stored.get("time_zone") or clock.business_zone().key),
        )


async def tenant_settings(session: AsyncSession, tenant_id: str) -> TenantSettings:
    tenant = await session.get(models.Tenant, tenant_id)
    return TenantSettings.from_json(tenant.settings if tenant is not None else {})


async def tenant_zone(session: AsyncSession, tenant_id: str) -> ZoneInfo:
    """The tenant's time zone, read once per session (a request's, a job chunk's) and kept
    in it; a change made through the session replaces it there."""
    zones: dict[str, ZoneInfo] = session.info.setdefault(_ZONES, {})
    zone = zones.get(tenant_id)
    if zone is None:
        zone = zones[tenant_id] = (await tenant_settings(session, tenant_id)).zone
    return zone


async def tenant_today(
    session: AsyncSession, tenant_id: str, now: dt.datetime | None = None
) -> dt.date:
    """The tenant's business date now (or at the aware instant ``now``)."""
    return clock.business_today(now, await tenant_zone(session, tenant_id))


async def tenant_date(session: AsyncSession, tenant_id: str, instant: dt.datetime) -> dt.date:
    """The tenant's business date of an aware ``instant``."""
    return clock.business_date(instant, await tenant_zone(session, tenant_id))


async def set_tenant_settings(
    session: AsyncSession,
    actor: Principal,
    *,
    appeal_days: int | None,
    large_loan_threshold: Decimal | None,
    licence_validity_months: int | None = None,
    tenant: str | None = None,
    max_backdating_days: int | None = None,
    time_zone: str | None = None,
) -> TenantSettings:
    """Change the core parameters (FEDERATION_ADMIN) of the actor's tenant, or of ``tenant``
    when given (a tenant of the actor's province; any other is not found); only those given
    change."""
    authorize(actor, "setTenantSettings")
    target = await acting_tenant(session, actor, tenant)
    problems = Problems()
    if appeal_days is not None and not 1 <= appeal_days <= 365:
        problems.add("appeal_days", "RANGE", "appeal days must be 1–365")
    if large_loan_threshold is not None and large_loan_threshold <= 0:
        problems.add("large_loan_threshold", "POSITIVE", "the large-loan threshold must be above 0")
    if licence_validity_months is not None and not (
        1 <= licence_validity_months <= LICENCE_MONTHS_MAX
    ):
        problems.add(
            "licence_validity_months",
            "RANGE",
            f"a licence runs 1–{LICENCE_MONTHS_MAX} months",
        )
    if max_backdating_days is not None and not (0 <= max_backdating_days <= MAX_BACKDATING_LIMIT):
        problems.add(
            "max_backdating_days",
            "RANGE",
            f"a loan may be back-dated 0–{MAX_BACKDATING_LIMIT} days",
        )
    if time_zone is not None and (problem := clock.zone_problem(time_zone)) is not None:
        problems.add("time_zone", "TIME_ZONE", problem)
    problems.raise_if_any()
    stored = dict(target.settings)
    if appeal_days is not None:
        stored["appeal_days"] = appeal_days
    if large_loan_threshold is not None:
        stored["large_loan_threshold"] = str(large_loan_threshold)
    if licence_validity_months is not None:
        stored["licence_validity_months"] = licence_validity_months
    if max_backdating_days is not None:
        stored["max_backdating_days"] = max_backdating_days
    if time_zone is not None:
        stored["time_zone"] = time_zone
        session.info.get(_ZONES, {}).pop(target.tenant_id, None)
    target.settings = stored
    await session.flush()
    return TenantSettings.from_json(stored)
