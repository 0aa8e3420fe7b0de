"""A filled-in sheet written through the services a single record goes through.

Every row is first read cell by cell (``server.uploads.cells``) and its codes looked up
(employee numbers, office codes and contract numbers in the caller's tenant); then each
row is written by the service of its single mutation (``record_task_plan`` and
``record_indicators``, ``record_violation``, ``record_inspection_findings``), each in a
savepoint, so the permissions, the scope, the separation of duties and the events are
theirs. A row the service refuses is a problem at the row's column its error names.

All or nothing: with one problem anywhere, everything the upload wrote is rolled back (a
savepoint around the whole sheet) and the outcome lists every problem found; rows whose
cells are wrong are not offered to the services at all.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import models
from server.domain import ViolationKind
from server.errors import DomainError, InvalidInput
from server.policy.registry import PolicyRegistry
from server.principal import Principal
from server.services import records
from server.uploads import layouts
from server.uploads.cells import CellProblem, ReadSheet, SheetRow, read_sheet

FIELD_PATH = re.compile(r"^(?:[a-z_]+\[\d+\]\.)?([a-z_]+)")
FIELD_COLUMNS = {
    "manager_id": "employee_no",
    "office_id": "office_code",
    "loan_id": "contract_no",
    "occurred_on": "occurred_on",
    "description": "description",
    "evidence": "evidence",
    "kind": "kind",
    "item": "item",
    "finding": "finding",
    "count": "count",
    "findings": "item",
}
"""The column of a service's field name (``findings[0].loan_id`` → ``contract_no``)."""


@dataclass
class UploadOutcome:
    """What an upload did: rows taken and records written (both 0 when refused), and the
    problems found (none when written)."""

    rows: int = 0
    records: int = 0
    problems: list[CellProblem] = field(default_factory=list)


async def _lookup(
    session: AsyncSession, tenant_id: str, model: Any, column: Any, codes: Iterable[str]
) -> dict[str, uuid.UUID]:
    """The ids of ``model``'s rows of the tenant whose ``column`` is one of ``codes`` (the
    scope is the service's to apply: a row outside it is not found there)."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    found = await session.execute(
        select(column, model.id).where(model.tenant_id == tenant_id, column.in_(wanted))
    )
    return {code: id_ for code, id_ in found.all()}


def _resolve(sheet: ReadSheet, key: str, found: dict[str, uuid.UUID], what: str) -> dict[int, str]:
    """The id of each row's ``key`` code; each code not found is a problem at its cell."""
    ids: dict[int, str] = {}
    for row in sheet.rows:
        code = row.values.get(key)
        if code is None:
            continue
        if code in found:
            ids[row.number] = str(found[code])
        else:
            sheet.refuse(row.number, sheet.header(key), "UNKNOWN_CODE", f"no {what} {code}")
    return ids


async def _managers(session: AsyncSession, actor: Principal, sheet: ReadSheet) -> dict[int, str]:
    m = models.Manager
    codes = (r.values["employee_no"] for r in sheet.rows if "employee_no" in r.values)
    found = await _lookup(session, actor.tenant_id, m, m.employee_no, codes)
    return _resolve(sheet, "employee_no", found, "manager with the employee number")


def _refused(sheet: ReadSheet, row: SheetRow, error: DomainError) -> None:
    """A service's refusal of ``row``, at the column its field names (else the first)."""
    problems = (
        [(p.field, p.code, p.message) for p in error.problems]
        if isinstance(error, InvalidInput)
        else [(error.field, error.code, error.message)]
    )
    for name, code, message in problems:
        matched = FIELD_PATH.match(name or "")
        key = FIELD_COLUMNS.get(matched.group(1), "") if matched else ""
        column = sheet.header(key) if key else sheet.header(sheet.layout.columns[0].key)
        sheet.refuse(row.number, column, code, message)


async def _write_rows(
    session: AsyncSession,
    sheet: ReadSheet,
    write: Callable[[SheetRow], Awaitable[int]],
) -> UploadOutcome:
    """``write`` each row (it returns the records it wrote) in a savepoint of its own,
    inside one for the whole sheet that is rolled back unless every row was written."""
    if sheet.problems:
        return UploadOutcome(problems=sheet.problems)
    whole = await session.begin_nested()
    written = 0
    for row in sheet.rows:
        try:
            async with session.begin_nested():
                written += await write(row)
        except DomainError as error:
            _refused(sheet, row, error)
        except IntegrityError:
            first = sheet.header(sheet.layout.columns[0].key)
            sheet.refuse(row.number, first, "CONFLICT", "written at the same time; send again")
    if sheet.problems:
        await whole.rollback()
        return UploadOutcome(problems=sheet.problems)
    await whole.commit()
    return UploadOutcome(rows=len(sheet.rows), records=written)


async def upload_task_figures(
    session: AsyncSession, registry: PolicyRegistry, actor: Principal, data: bytes, period: str
) -> UploadOutcome:
    """任务完成考核表: per row, the plans (``record_task_plan``) and the actuals
    (``record_indicators``) of one manager on one office's sheet."""
    reads = await records.appraisal_reads(session, registry, actor.tenant_id, period)
    sheet = await asyncio.to_thread(read_sheet, data, layouts.task_figures(reads))
    managers = await _managers(session, actor, sheet)
    o = models.Office
    codes = (r.values["office_code"] for r in sheet.rows if "office_code" in r.values)
    offices = _resolve(
        sheet, "office_code", await _lookup(session, actor.tenant_id, o, o.code, codes), "office"
    )
    seen: dict[tuple[str, str | None], int] = {}
    for row in sheet.rows:
        key = (row.values.get("employee_no", ""), row.values.get("office_code"))
        if key in seen:
            sheet.refuse(
                row.number,
                sheet.header("employee_no"),
                "DUPLICATE_ROW",
                f"the manager's sheet of this office is row {seen[key]} already",
            )
        seen.setdefault(key, row.number)

    def figures(row: SheetRow, prefix: str) -> list[records.Figure]:
        return [
            records.Figure(key.partition(":")[2], value)
            for key, value in row.values.items()
            if key.startswith(prefix)
        ]

    async def write(row: SheetRow) -> int:
        plans, actuals = figures(row, "plan:"), figures(row, "actual:")
        manager_id, office_id = managers[row.number], offices.get(row.number)
        if plans:
            await records.record_task_plan(
                session,
                registry,
                actor,
                manager_id=manager_id,
                period=period,
                plans=plans,
                office_id=office_id,
            )
        if actuals:
            await records.record_indicators(
                session,
                registry,
                actor,
                manager_id=manager_id,
                period=period,
                values=actuals,
                office_id=office_id,
            )
        return len(plans) + len(actuals)

    return await _write_rows(session, sheet, write)


async def upload_violations(session: AsyncSession, actor: Principal, data: bytes) -> UploadOutcome:
    """违规记录: per row, one ``record_violation``."""
    sheet = await asyncio.to_thread(read_sheet, data, layouts.VIOLATIONS)
    managers = await _managers(session, actor, sheet)

    async def write(row: SheetRow) -> int:
        values = row.values
        await records.record_violation(
            session,
            actor,
            manager_id=managers[row.number],
            kind=ViolationKind(values["kind"]),
            occurred_on=values["occurred_on"],
            description=values["description"],
            evidence=values.get("evidence"),
        )
        return 1

    return await _write_rows(session, sheet, write)


async def upload_inspection_findings(
    session: AsyncSession, registry: PolicyRegistry, actor: Principal, data: bytes, period: str
) -> UploadOutcome:
    """检查发现: per row, one finding by ``record_inspection_findings``."""
    reads = await records.appraisal_reads(session, registry, actor.tenant_id, period)
    sheet = await asyncio.to_thread(read_sheet, data, layouts.inspection_findings(reads))
    managers = await _managers(session, actor, sheet)
    loan = models.Loan
    contracts = (r.values["contract_no"] for r in sheet.rows if "contract_no" in r.values)
    loans = _resolve(
        sheet,
        "contract_no",
        await _lookup(session, actor.tenant_id, loan, loan.contract_no, contracts),
        "loan with the contract number",
    )

    async def write(row: SheetRow) -> int:
        values = row.values
        finding = records.Finding(
            item=values["item"],
            finding=values["finding"],
            count=values.get("count", 1),
            loan_id=loans.get(row.number),
            description=values.get("description"),
        )
        await records.record_inspection_findings(
            session,
            registry,
            actor,
            manager_id=managers[row.number],
            period=period,
            findings=[finding],
        )
        return 1

    return await _write_rows(session, sheet, write)
