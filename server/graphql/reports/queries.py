"""Root queries of the reports."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry

from server.graphql.context import Ctx
from server.graphql.reports.appraisals import LeagueTable, TierDistribution
from server.graphql.reports.duty_compliance import DutyCompliance
from server.graphql.reports.types import LoanPortfolio, PortfolioTrendType
from server.graphql.scalars import Period
from server.services.access import authorize
from server.services.reports.appraisals import MAX_LEAGUE, appraisal_league, grade_distribution
from server.services.reports.duty_compliance import (
    MAX_MANAGER_ROWS,
    MAX_PERIOD_DAYS,
    duty_compliance,
)
from server.services.reports.portfolio import loan_portfolio
from server.services.reports.trend import MAX_TREND_DAYS, portfolio_trend


@strawberry.type
class ReportQuery:
    @strawberry.field(
        description="The loan portfolio of an office's subtree (null: the top of your scope — "
        "your office, or the head office): counts, balance, non-performing balance and ratio, "
        "the five-category classes, the overdue buckets, and the same by office. asOf a past "
        "day reads that day's loan snapshot (none that day: an error naming asOf)."
    )
    async def loan_portfolio(
        self, info: Ctx, office_id: strawberry.ID | None = None, as_of: dt.date | None = None
    ) -> LoanPortfolio:
        ctx = info.context
        scope = authorize(ctx.principal, "loanPortfolio", "query")
        today = await ctx.today()
        report = await ctx.call(
            loan_portfolio,
            scope,
            office_id=office_id,
            as_of=as_of,
            today=today,
        )
        return LoanPortfolio.from_report(report)

    @strawberry.field(
        description="The managers of an office's subtree (null: the top of your scope) by tier: "
        "their current tiers, or with a period the tiers of that period's confirmed appraisals."
    )
    async def grade_distribution(
        self, info: Ctx, office_id: strawberry.ID | None = None, period: Period | None = None
    ) -> TierDistribution:
        ctx = info.context
        scope = authorize(ctx.principal, "gradeDistribution", "query")
        report = await ctx.call(grade_distribution, scope, office_id=office_id, period=period)
        return TierDistribution.from_report(report)

    @strawberry.field(
        description=f"The appraisals of a period in an office's subtree (null: the top of "
        f"your scope) ranked by total, highest first; the first rows (1 to {MAX_LEAGUE})."
    )
    async def appraisal_league(
        self, info: Ctx, period: Period, office_id: strawberry.ID | None = None, first: int = 20
    ) -> LeagueTable:
        ctx = info.context
        scope = authorize(ctx.principal, "appraisalLeague", "query")
        report = await ctx.call(
            appraisal_league, scope, period=period, office_id=office_id, first=first
        )
        return LeagueTable.from_report(report)

    @strawberry.field(
        description=f"An office subtree's (null: the top of your scope) balance, "
        f"non-performing balance and ratio on each loan snapshot day from `from` to `to` "
        f"(both included; at most {MAX_TREND_DAYS} snapshot days)."
    )
    async def portfolio_trend(
        self,
        info: Ctx,
        from_: Annotated[dt.date, strawberry.argument(name="from")],
        to: dt.date,
        office_id: strawberry.ID | None = None,
    ) -> PortfolioTrendType:
        ctx = info.context
        scope = authorize(ctx.principal, "portfolioTrend", "query")
        report = await ctx.call(portfolio_trend, scope, office_id=office_id, start=from_, end=to)
        return PortfolioTrendType.from_report(report)

    @strawberry.field(
        description=f"The post-loan duties of an office subtree's loans (null: the top of "
        f"your scope) from `from` to `to` (both included; `to` today at the latest, at most "
        f"{MAX_PERIOD_DAYS} days): collection notices due and sent on time, late or not at "
        f"all, inspection reports due and done, for the subtree, by office and for the first "
        f"managers (1 to {MAX_MANAGER_ROWS}) by duties missing."
    )
    async def duty_compliance(
        self,
        info: Ctx,
        from_: Annotated[dt.date, strawberry.argument(name="from")],
        to: dt.date,
        office_id: strawberry.ID | None = None,
        first: int = 20,
    ) -> DutyCompliance:
        ctx = info.context
        scope = authorize(ctx.principal, "dutyCompliance", "query")
        today = await ctx.today()
        report = await ctx.call(
            duty_compliance,
            scope,
            office_id=office_id,
            start=from_,
            end=to,
            first=first,
            today=today,
        )
        return DutyCompliance.from_report(report)
