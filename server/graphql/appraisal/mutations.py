"""Root mutations of appraisal: the appraisal life cycle (run, confirm, appeal, resolve),
and the records it reads (task plans, figures, findings, violations)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry
from strawberry.file_uploads import Upload

from server.db import models
from server.errors import FieldProblem, InvalidInput
from server.graphql.appraisal.inputs import (
    FigureInput,
    FindingInput,
    RecordViolationInput,
    SheetOffice,
)
from server.graphql.appraisal.types import AppraisalRun, IndicatorFigure, InspectionFinding
from server.graphql.appraisal.uploads import SheetUploaded, UploadResult
from server.graphql.appraisal.violations import Violation, ViolationResult
from server.graphql.context import Ctx
from server.graphql.errors import ErrorType, RunInProgressError
from server.graphql.mutation import mutation
from server.graphql.nodes import Appraisal, Manager, Office
from server.graphql.paths import input_paths
from server.graphql.scalars import Period
from server.jobs import appraisal_run
from server.services import appraisal, penalties, records
from server.uploads import writes


@strawberry.type(description="The figures recorded for a manager and period.")
class FiguresRecorded:
    manager: Manager
    period: Period
    figures: list[IndicatorFigure]


@strawberry.type(description="The inspection findings recorded.")
class FindingsRecorded:
    manager: Manager
    findings: list[InspectionFinding]


@strawberry.type(description="An office's own totals recorded for a period.")
class OfficeFiguresRecorded:
    office: Office
    period: Period
    figures: list[IndicatorFigure]


OfficeFiguresResult = Annotated[
    OfficeFiguresRecorded | ErrorType, strawberry.union("RecordOfficeIndicatorsResult")
]
AppraisalResult = Annotated[Appraisal | ErrorType, strawberry.union("AppraisalResult")]
AppraisalRunResult = Annotated[
    AppraisalRun | RunInProgressError | ErrorType, strawberry.union("AppraisalRunResult")
]
RecordTaskPlanResult = Annotated[
    FiguresRecorded | ErrorType, strawberry.union("RecordTaskPlanResult")
]
RecordIndicatorsResult = Annotated[
    FiguresRecorded | ErrorType, strawberry.union("RecordIndicatorsResult")
]
RecordInspectionFindingsResult = Annotated[
    FindingsRecorded | ErrorType, strawberry.union("RecordInspectionFindingsResult")
]
RecordViolationResult = ViolationResult

BY_ID = input_paths(overrides={"appraisal_id": "id"})
"""The paths of the appraisal's life-cycle steps, whose appraisal is the argument ``id``."""


def _figures(figures: list[records.Figure]) -> list[IndicatorFigure]:
    return [IndicatorFigure(indicator=f.indicator, value=f.value) for f in figures]  # type: ignore[arg-type]


async def _record_figures(
    info: Ctx,
    record: Callable[..., Awaitable[models.Manager]],
    argument: str,
    manager_id: strawberry.ID,
    period: str,
    given: list[FigureInput],
    office_id: strawberry.ID | None,
) -> FiguresRecorded:
    ctx = info.context
    figures = [records.Figure(f.indicator, f.value) for f in given]
    row = await record(
        ctx.session,
        ctx.registry,
        ctx.principal,
        manager_id=str(manager_id),
        period=period,
        office_id=str(office_id) if office_id else None,
        **{argument: figures},
    )
    return FiguresRecorded(
        manager=Manager.from_row(row),
        period=period,  # type: ignore[arg-type]
        figures=_figures(figures),
    )


@strawberry.type
class OfficeFiguresMutation:
    @mutation(
        description=(
            "Set an office's own totals for a period; appraisal runs report where the sum of "
            "its managers' figures exceeds them (山东办法 第十四条)."
        ),
        fields=input_paths(),
    )
    async def record_office_indicators(
        self, info: Ctx, office_id: strawberry.ID, period: Period, values: list[FigureInput]
    ) -> OfficeFiguresResult:
        ctx = info.context
        figures = [records.Figure(v.indicator, v.value) for v in values]
        office = await records.record_office_indicators(
            ctx.session,
            ctx.registry,
            ctx.principal,
            office_id=str(office_id),
            period=period,
            values=figures,
        )
        return OfficeFiguresRecorded(
            office=Office.from_row(office), period=period, figures=_figures(figures)
        )


@strawberry.type
class AppraisalMutation:
    @mutation(
        description="Appraise one manager for one period as a DRAFT.",
        fields=input_paths(),
    )
    async def run_appraisal(
        self, info: Ctx, manager_id: strawberry.ID, period: Period
    ) -> AppraisalResult:
        ctx = info.context
        row = await appraisal.run_appraisal(
            ctx.session, ctx.registry, ctx.principal, manager_id=str(manager_id), period=period
        )
        return Appraisal.from_row(row)

    @mutation(
        description=(
            "Appraise every manager of the tenant for one period, in the background: the run "
            "is returned at once (QUEUED). Re-running replaces drafts, never confirmed "
            "results; one run of a period at a time (else RunInProgress). Progress: query "
            "appraisalRun, or subscribe to appraisalRunProgress."
        ),
        fields=input_paths(),
    )
    async def run_appraisals(self, info: Ctx, period: Period) -> AppraisalRunResult:
        ctx = info.context
        row = await ctx.call(
            appraisal_run.start_run, ctx.registry, ctx.principal, period=str(period)
        )
        jobs, tenant_id, run_id = ctx.jobs, row.tenant_id, row.id
        if jobs is not None:
            ctx.after_commit.append(lambda: jobs.run_queued(tenant_id, run_id))
        return AppraisalRun.from_row(row)

    @mutation(
        description=(
            "Confirm a draft (a second person: not who computed or recomputed it, nor the "
            "appellant of a draft under review; the tier changes here)."
        ),
        fields=BY_ID,
    )
    async def confirm_appraisal(self, info: Ctx, id: strawberry.ID) -> AppraisalResult:
        ctx = info.context
        row = await appraisal.confirm_appraisal(
            ctx.session, ctx.registry, ctx.principal, appraisal_id=str(id)
        )
        return Appraisal.from_row(row)

    @mutation(
        description="Appeal your own confirmed appraisal within the appeal window.",
        fields=BY_ID,
    )
    async def appeal_appraisal(self, info: Ctx, id: strawberry.ID, reason: str) -> AppraisalResult:
        ctx = info.context
        row = await appraisal.appeal_appraisal(
            ctx.session, ctx.principal, appraisal_id=str(id), reason=reason
        )
        return Appraisal.from_row(row)

    @mutation(
        description=(
            "Decide an appeal with the review's reason (not the appellant, nor who computed or "
            "recomputed the appraisal). Without recompute the result is CONFIRMED again; with "
            "recompute it is made again from the current inputs and left a DRAFT under review, "
            "which a second person confirms with confirmAppraisal (its tier change has cause "
            "APPEAL)."
        ),
        fields=BY_ID,
    )
    async def resolve_appeal(
        self, info: Ctx, id: strawberry.ID, reason: str, recompute: bool = False
    ) -> AppraisalResult:
        ctx = info.context
        row = await appraisal.resolve_appeal(
            ctx.session,
            ctx.registry,
            ctx.principal,
            appraisal_id=str(id),
            reason=reason,
            recompute=recompute,
        )
        return Appraisal.from_row(row)


@strawberry.type
class RecordsMutation:
    @mutation(
        description="Set a manager's planned figures (任务计划) for a period.",
        fields=input_paths(),
    )
    async def record_task_plan(
        self,
        info: Ctx,
        manager_id: strawberry.ID,
        period: Period,
        plans: list[FigureInput],
        office_id: SheetOffice = None,
    ) -> RecordTaskPlanResult:
        return await _record_figures(
            info, records.record_task_plan, "plans", manager_id, period, plans, office_id
        )

    @mutation(
        description="Set a manager's actual indicator figures for a period.",
        fields=input_paths(),
    )
    async def record_indicators(
        self,
        info: Ctx,
        manager_id: strawberry.ID,
        period: Period,
        values: list[FigureInput],
        office_id: SheetOffice = None,
    ) -> RecordIndicatorsResult:
        return await _record_figures(
            info, records.record_indicators, "values", manager_id, period, values, office_id
        )

    @mutation(
        description="Record findings of the sample inspection of a manager's work.",
        fields=input_paths(),
    )
    async def record_inspection_findings(
        self, info: Ctx, manager_id: strawberry.ID, period: Period, findings: list[FindingInput]
    ) -> RecordInspectionFindingsResult:
        ctx = info.context
        items = [
            records.Finding(
                item=f.item,
                finding=f.finding,
                count=f.count,
                loan_id=str(f.loan_id) if f.loan_id else None,
                description=f.description,
            )
            for f in findings
        ]
        rows = await records.record_inspection_findings(
            ctx.session,
            ctx.registry,
            ctx.principal,
            manager_id=str(manager_id),
            period=period,
            findings=items,
        )
        manager = await ctx.loaders.org.manager.load_referenced(rows[0].manager_id)
        return FindingsRecorded(
            manager=Manager.from_row(manager),
            findings=[InspectionFinding.from_row(r) for r in rows],
        )

    @mutation(
        description=(
            "Confirm a recorded violation (another person than the recorder); the tenant's "
            "penalty policy decides the effect, which applies at once."
        ),
        fields=input_paths(overrides={"violation_id": "id"}),
    )
    async def confirm_violation(self, info: Ctx, id: strawberry.ID) -> RecordViolationResult:
        ctx = info.context
        row = await penalties.confirm_violation(
            ctx.session, ctx.registry, ctx.principal, violation_id=str(id)
        )
        return Violation.from_row(row)

    @mutation(
        description="Record a manager's violation (to be confirmed by another person).",
        fields=input_paths("input"),
    )
    async def record_violation(
        self, info: Ctx, input: RecordViolationInput
    ) -> RecordViolationResult:
        ctx = info.context
        row = await records.record_violation(
            ctx.session,
            ctx.principal,
            manager_id=str(input.manager_id),
            kind=input.kind,
            occurred_on=input.occurred_on,
            description=input.description,
            evidence=input.evidence,
        )
        return Violation.from_row(row)

    @mutation(
        description=(
            "Record a filled 任务完成考核表 (the template of GET "
            "/exports/templates/task-figures.xlsx): each row's plans and actuals as "
            "recordTaskPlan and recordIndicators, all or nothing. Sent as a GraphQL multipart "
            "request."
        ),
        fields=input_paths(),
    )
    async def upload_task_figures(self, info: Ctx, file: Upload, period: Period) -> UploadResult:
        ctx = info.context
        outcome = await writes.upload_task_figures(
            ctx.session, ctx.registry, ctx.principal, _workbook(file), period
        )
        return SheetUploaded.from_outcome(outcome)

    @mutation(
        description=(
            "Record a filled 违规记录 sheet (GET /exports/templates/violations.xlsx): each row "
            "as recordViolation, all or nothing. Sent as a GraphQL multipart request."
        ),
        fields=input_paths(),
    )
    async def upload_violations(self, info: Ctx, file: Upload) -> UploadResult:
        ctx = info.context
        outcome = await writes.upload_violations(ctx.session, ctx.principal, _workbook(file))
        return SheetUploaded.from_outcome(outcome)

    @mutation(
        description=(
            "Record a filled 检查发现 sheet (GET /exports/templates/inspection-findings.xlsx): "
            "each row as recordInspectionFindings, all or nothing. Sent as a GraphQL "
            "multipart request."
        ),
        fields=input_paths(),
    )
    async def upload_inspection_findings(
        self, info: Ctx, file: Upload, period: Period
    ) -> UploadResult:
        ctx = info.context
        outcome = await writes.upload_inspection_findings(
            ctx.session, ctx.registry, ctx.principal, _workbook(file), period
        )
        return SheetUploaded.from_outcome(outcome)


def _workbook(file: object) -> bytes:
    """The bytes of an ``Upload`` variable (``server.uploads.multipart.UploadedFile``)."""
    data = getattr(file, "data", None)
    if not isinstance(data, bytes):
        raise InvalidInput(
            [FieldProblem("file", "NOT_A_FILE", "send the file as a multipart upload")]
        )
    return data
