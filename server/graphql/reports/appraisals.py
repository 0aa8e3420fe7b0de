"""Types of the managers' reports: tier counts and the appraisal league table."""

from __future__ import annotations

import strawberry

from server.graphql.enums import AppraisalStatus
from server.graphql.limits import MAX_ITEMS
from server.graphql.nodes import Manager, Office
from server.graphql.org.types import Tier, tier_from
from server.graphql.scalars import DecimalValue, Period
from server.services.reports.appraisals import (
    MAX_LEAGUE,
    AppraisalLeague,
    GradeDistribution,
    LeagueRow,
)


@strawberry.type(description="How many managers hold one tier; tier null: no tier.")
class TierShare:
    tier: Tier | None
    count: int


@strawberry.type(
    description="The managers of an office subtree by tier, the best tier first, those "
    "without one last."
)
class TierDistribution:
    office: Office
    period: Period | None = strawberry.field(
        description="Null: the managers' current tiers (all but those who left); a period: "
        "the tiers of that period's confirmed appraisals."
    )
    total: int
    tiers: list[TierShare]

    @classmethod
    def from_report(cls, r: GradeDistribution) -> TierDistribution:
        return cls(
            office=Office.from_row(r.office),
            period=None if r.period is None else Period(r.period),
            total=r.total,
            tiers=[
                TierShare(tier=tier_from(t.code, t.name, t.rank), count=t.count) for t in r.tiers
            ],
        )


@strawberry.type(description="One row of a league table: a manager's appraisal and its rank.")
class LeagueEntry:
    rank: int = strawberry.field(
        description="Competition rank by total, highest first: equal totals share a rank and "
        "the next rank skips (1, 2, 2, 4)."
    )
    total: DecimalValue
    status: AppraisalStatus
    tier: Tier | None = strawberry.field(description="The tier the appraisal gives.")
    manager: Manager
    office: Office = strawberry.field(description="The manager's current office.")

    @classmethod
    def from_row(cls, r: LeagueRow) -> LeagueEntry:
        a = r.appraisal
        assert a.total is not None
        return cls(
            rank=r.rank,
            total=DecimalValue(a.total),
            status=a.status,
            tier=tier_from(a.tier_code, a.tier_name, a.tier_rank),
            manager=Manager.from_row(r.manager),
            office=Office.from_row(r.office),
        )


@strawberry.type(description="A period's appraisals of an office subtree, ranked by total.")
class LeagueTable:
    office: Office
    period: Period
    ranked: int = strawberry.field(description="How many appraisals are ranked in all.")
    entries: list[LeagueEntry] = strawberry.field(
        description="The first rows: by rank, then by employee number.",
        metadata={MAX_ITEMS: MAX_LEAGUE},
    )

    @classmethod
    def from_report(cls, r: AppraisalLeague) -> LeagueTable:
        return cls(
            office=Office.from_row(r.office),
            period=Period(r.period),
            ranked=r.ranked,
            entries=[LeagueEntry.from_row(row) for row in r.rows],
        )
