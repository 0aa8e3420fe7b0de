"""The reports' figures computed directly in SQL, written out by hand (no query builder,
none of the server's report code), for the tests to compare the reports with."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import Date, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models.base import Money

CLASSES = ("NORMAL", "SPECIAL_MENTION", "SUBSTANDARD", "DOUBTFUL", "LOSS")
BUCKETS = ((0, 0), (1, 30), (31, 90), (91, 180), (181, 360), (361, 10**9))
NPL = "l.risk_class IN ('SUBSTANDARD', 'DOUBTFUL', 'LOSS')"


@dataclass
class Figures:
    count: int = 0
    outstanding: int = 0
    balance: Decimal = Decimal("0.00")
    npl: Decimal = Decimal("0.00")
    by_class: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    by_bucket: list[tuple[int, Decimal]] = field(default_factory=list)


async def figures(
    session: AsyncSession,
    tenant: str,
    path_prefix: str,
    *,
    table: Literal["loans", "loan_snapshots"] = "loans",
    as_of: dt.date | None = None,
    only_office_path: str | None = None,
) -> Figures:
    """The loans of ``table`` whose office's path starts with ``path_prefix`` (or is exactly
    ``only_office_path``), of the snapshot ``as_of`` when the table is loan_snapshots."""
    offices = "path = :exact" if only_office_path else "path LIKE :p"
    # The statements are assembled from this module's own fragments; values are parameters.
    subtree = f"SELECT id FROM offices WHERE tenant_id = :t AND {offices}"  # noqa: S608
    where = f"l.tenant_id = :t AND l.office_id IN ({subtree})"
    params: dict[str, Any] = {"t": tenant}
    if only_office_path:
        params["exact"] = only_office_path
    else:
        params["p"] = path_prefix + "%"
    if as_of:
        where += " AND l.as_of = :d"
        params["d"] = as_of

    async def one(columns: str, condition: str = "", **extra: Any) -> Any:
        clause = text(f"SELECT {columns} FROM {table} l WHERE {where} {condition}")  # noqa: S608
        if as_of:
            clause = clause.bindparams(bindparam("d", type_=Date()))
        typed = (
            clause.columns(b=Money, npl=Money) if "AS npl" in columns else clause.columns(b=Money)
        )
        return (await session.execute(typed, {**params, **extra})).one()

    out = Figures()
    row = await one(
        "count(*) AS n, coalesce(sum(CASE WHEN l.balance > 0 THEN 1 ELSE 0 END), 0) AS live, "
        f"coalesce(sum(l.balance), 0) AS b, coalesce(sum(CASE WHEN {NPL} THEN l.balance ELSE 0 "
        "END), 0) AS npl"
    )
    out.count, out.outstanding, out.balance, out.npl = int(row.n), int(row.live), row.b, row.npl
    sums = "count(*) AS n, coalesce(sum(l.balance), 0) AS b"
    for risk in CLASSES:
        r = await one(sums, "AND l.risk_class = :risk", risk=risk)
        out.by_class[risk] = (int(r.n), r.b)
    for lo, hi in BUCKETS:
        r = await one(sums, "AND l.days_overdue BETWEEN :lo AND :hi", lo=lo, hi=hi)
        out.by_bucket.append((int(r.n), r.b))
    return out
