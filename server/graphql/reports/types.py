"""Types of the reports: sums and counts, each beside the office or tier it is of."""

from __future__ import annotations

import dataclasses
import datetime as dt

import strawberry

from server.graphql.limits import MAX_ITEMS
from server.graphql.nodes import Office
from server.graphql.province.types import LoanBook, optional_decimal
from server.graphql.scalars import DecimalValue, Money
from server.services.reports import portfolio as figures
from server.services.reports.portfolio import PortfolioReport
from server.services.reports.trend import MAX_TREND_DAYS, PortfolioTrend


@strawberry.type(
    description="The loans of one overdue bucket: days overdue fromDays to toDays (toDays null: "
    "no upper bound)."
)
class OverdueBucket:
    from_days: int
    to_days: int | None
    count: int
    balance: Money


@strawberry.type(
    description="A loan book's figures: counts, balances, the non-performing share, the "
    "five-category classes and the overdue buckets."
)
class PortfolioFigures(LoanBook):
    overdue: list[OverdueBucket] = strawberry.field(
        description="Every bucket, zeros included: 0, 1–30, 31–90, 91–180, 181–360 and over "
        "360 days overdue.",
        metadata={MAX_ITEMS: len(figures.OVERDUE_BUCKETS)},
    )

    @classmethod
    def from_portfolio(cls, p: figures.Portfolio) -> PortfolioFigures:
        book = LoanBook.from_book(p)
        return cls(
            **{f.name: getattr(book, f.name) for f in dataclasses.fields(LoanBook)},
            overdue=[
                OverdueBucket(from_days=lo, to_days=hi, count=t.count, balance=Money(t.balance))
                for (lo, hi), t in zip(figures.OVERDUE_BUCKETS, p.by_bucket.values(), strict=True)
            ],
        )


@strawberry.type(description="One office's part of a portfolio.")
class OfficePortfolio:
    office: Office
    subtree: bool = strawberry.field(
        description="True: the office's whole subtree; false: only the loans booked at the "
        "report's own office."
    )
    figures: PortfolioFigures


@strawberry.type(description="The loan portfolio of an office subtree on one day.")
class LoanPortfolio:
    office: Office
    as_of: dt.date = strawberry.field(description="The day the figures are of.")
    from_snapshot: bool = strawberry.field(
        description="True: read from that day's loan snapshot; false: the current loans."
    )
    figures: PortfolioFigures = strawberry.field(description="The whole subtree.")
    by_office: list[OfficePortfolio] = strawberry.field(
        description="The office's own book (subtree false), then each direct child office's "
        "subtree, by office code; every row present, zeros included. The rows add up to "
        "figures."
    )

    @classmethod
    def from_report(cls, r: PortfolioReport) -> LoanPortfolio:
        return cls(
            office=Office.from_row(r.office),
            as_of=r.as_of,
            from_snapshot=r.from_snapshot,
            figures=PortfolioFigures.from_portfolio(r.total),
            by_office=[
                OfficePortfolio(
                    office=Office.from_row(row.office),
                    subtree=row.subtree,
                    figures=PortfolioFigures.from_portfolio(row.portfolio),
                )
                for row in r.by_office
            ],
        )


@strawberry.type(name="TrendPoint", description="An office subtree's book on one snapshot day.")
class TrendPointType:
    as_of: dt.date
    count: int
    balance: Money
    non_performing_balance: Money
    non_performing_ratio: DecimalValue | None = strawberry.field(
        description="As LoanBook.nonPerformingRatio: 4 decimal places, null without a balance."
    )


@strawberry.type(
    name="PortfolioTrend",
    description="An office subtree's balance and non-performing share over time.",
)
class PortfolioTrendType:
    office: Office
    points: list[TrendPointType] = strawberry.field(
        description="One per day the tenant took a loan snapshot in the range, oldest first; "
        "zeros on a day the subtree had no loan.",
        metadata={MAX_ITEMS: MAX_TREND_DAYS},
    )

    @classmethod
    def from_report(cls, r: PortfolioTrend) -> PortfolioTrendType:
        return cls(
            office=Office.from_row(r.office),
            points=[
                TrendPointType(
                    as_of=p.as_of,
                    count=p.count,
                    balance=Money(p.balance),
                    non_performing_balance=Money(p.non_performing_balance),
                    non_performing_ratio=optional_decimal(p.non_performing_ratio),
                )
                for p in r.points
            ],
        )
