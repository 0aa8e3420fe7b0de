"""Root queries of the reports."""

from __future__ import annotations

import datetime as dt

import strawberry

from server.graphql.context import Ctx
from server.graphql.reports.types import LoanPortfolio
from server.services.access import authorize
from server.services.reports.portfolio import loan_portfolio


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
