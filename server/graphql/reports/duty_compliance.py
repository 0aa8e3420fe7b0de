"""Types of the duty-compliance report: post-loan duties due in a period and how they were
met, for an office subtree, each office row and each manager."""

from __future__ import annotations

import datetime as dt

import strawberry

from server.db.queries.indicators import NOTICE_DAYS_BEFORE_MATURITY
from server.graphql.enum_descriptions import describe
from server.graphql.limits import MAX_ITEMS
from server.graphql.nodes import Manager, Office
from server.services.reports import duty_compliance as report
from server.services.reports.duty_compliance import (
    INSPECTION_MONTHS,
    MAX_MANAGER_ROWS,
    InspectionFrequency,
)

strawberry.enum(InspectionFrequency, description="贷后检查频度 (山东办法 第三条(四), C1.4).")
describe(InspectionFrequency)


@strawberry.type(
    description=f"Written collection notices due in the period (山东办法 第三条(四): due "
    f"{NOTICE_DAYS_BEFORE_MATURITY} days before maturity): due = onTime + late + missing."
)
class NoticeFigures:
    due: int = strawberry.field(
        description=f"Loans whose notice day ({NOTICE_DAYS_BEFORE_MATURITY} days before "
        "maturity) lies in the period, issued by then and neither closed nor written off "
        "by then."
    )
    on_time: int = strawberry.field(description="With a notice recorded on or before the day.")
    late: int = strawberry.field(description="Whose first notice was recorded after the day.")
    missing: int = strawberry.field(description="With no notice recorded.")

    @classmethod
    def from_counts(cls, c: report.NoticeCounts) -> NoticeFigures:
        return cls(due=c.due, on_time=c.on_time, late=c.late, missing=c.missing)


@strawberry.type(description="The inspection reports due on one schedule.")
class InspectionFrequencyFigures:
    frequency: InspectionFrequency
    months: int = strawberry.field(description="The length of the schedule's intervals.")
    due: int
    done: int
    missing: int


@strawberry.type(
    description="Inspection reports due in the period (C1.4): one per loan and calendar "
    "interval of its schedule ending in the period; done = one recorded within the interval. "
    "due = done + missing."
)
class InspectionFigures:
    due: int
    done: int
    missing: int
    by_frequency: list[InspectionFrequencyFigures] = strawberry.field(
        description="Every schedule, zeros included: quarterly, half-yearly, yearly.",
        metadata={MAX_ITEMS: len(InspectionFrequency)},
    )

    @classmethod
    def from_figures(cls, f: report.DutyFigures) -> InspectionFigures:
        total = f.inspections
        return cls(
            due=total.due,
            done=total.done,
            missing=total.missing,
            by_frequency=[
                InspectionFrequencyFigures(
                    frequency=frequency,
                    months=INSPECTION_MONTHS[frequency],
                    due=c.due,
                    done=c.done,
                    missing=c.missing,
                )
                for frequency, c in f.by_frequency.items()
            ],
        )


@strawberry.type(description="The post-loan duties of some loans over a period.")
class DutyFigures:
    notices: NoticeFigures
    inspections: InspectionFigures

    @classmethod
    def from_figures(cls, f: report.DutyFigures) -> DutyFigures:
        return cls(
            notices=NoticeFigures.from_counts(f.notices),
            inspections=InspectionFigures.from_figures(f),
        )


@strawberry.type(description="One office's part of a duty-compliance report.")
class OfficeDuties:
    office: Office
    subtree: bool = strawberry.field(
        description="True: the office's whole subtree; false: only the loans booked at the "
        "report's own office."
    )
    figures: DutyFigures


@strawberry.type(description="One manager's duties: those of the loans they are now manager of.")
class ManagerDuties:
    manager: Manager
    office: Office = strawberry.field(description="The manager's current office.")
    figures: DutyFigures


@strawberry.type(
    description="Post-loan duty compliance of an office subtree from `from` to `to` (both "
    "included): collection notices and inspection reports due, met and missing; a duty "
    "counts at its loan's office and for its loan's current manager."
)
class DutyCompliance:
    office: Office
    from_: dt.date = strawberry.field(name="from", description="The period's first day.")
    to: dt.date = strawberry.field(description="The period's last day.")
    figures: DutyFigures = strawberry.field(description="The whole subtree.")
    by_office: list[OfficeDuties] = strawberry.field(
        description="The office's own loans (subtree false), then each direct child office's "
        "subtree, by office code; every row present, zeros included. The rows add up to "
        "figures."
    )
    managers: int = strawberry.field(
        description="How many managers have a duty due in the period (byManager may show fewer)."
    )
    by_manager: list[ManagerDuties] = strawberry.field(
        description="The first managers by duties missing (notices and inspections), most "
        "first, then by employee number.",
        metadata={MAX_ITEMS: MAX_MANAGER_ROWS},
    )

    @classmethod
    def from_report(cls, r: report.DutyCompliance) -> DutyCompliance:
        return cls(
            office=Office.from_row(r.office),
            from_=r.start,
            to=r.end,
            figures=DutyFigures.from_figures(r.total),
            by_office=[
                OfficeDuties(
                    office=Office.from_row(row.office),
                    subtree=row.subtree,
                    figures=DutyFigures.from_figures(row.figures),
                )
                for row in r.by_office
            ],
            managers=r.managers,
            by_manager=[
                ManagerDuties(
                    manager=Manager.from_row(row.manager),
                    office=Office.from_row(row.office),
                    figures=DutyFigures.from_figures(row.figures),
                )
                for row in r.by_manager
            ],
        )
