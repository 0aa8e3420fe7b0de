"""Helpers of the report download tests: the URLs, a download that must succeed, and its
sheets read back by calamine with every number made an exact ``Decimal``."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from server.domain import Role
from tests.conftest import Api
from tests.exports.runs import download, read_back

HEADER_ROW = 2
"""The header row, counted from 0 as calamine's rows are: title, subtitle, headers."""


def url(path: str, **parameters: str | int | None) -> str:
    given = {k: v for k, v in parameters.items() if v is not None}
    return f"{path}?{urlencode(given)}" if given else path


def exact(value: Any) -> Any:
    """A cell as compared: a number as the exact decimal of its shortest text (so 1234.5
    read back equals the Money "1234.50"), text and dates as they are."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return Decimal(repr(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    return value


def money(text: str) -> Decimal:
    return Decimal(text)


def ratio(text: str | None) -> Decimal | str:
    """A ``nonPerformingRatio`` as its cell holds it: the decimal, or "—" for null."""
    return "—" if text is None else Decimal(text)


def line(*values: Any) -> list[Any]:
    return [exact(v) for v in values]


async def workbook(
    api: Api, address: str, roles: tuple[Role, ...] = (Role.RISK,), **claims: str
) -> tuple[dict[str, list[list[Any]]], bytes]:
    """Download ``address`` as ``roles``; (each sheet's rows, exact, the body)."""
    response = await download(api, address, api.token(roles=roles, **claims))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["cache-control"] == "no-store"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="') and "filename*=UTF-8''" in disposition
    sheets = read_back(response.content)
    return {name: [[exact(v) for v in row] for row in rows] for name, rows in sheets.items()}, (
        response.content
    )


def table(rows: list[list[Any]], width: int) -> list[list[Any]]:
    """The rows under the header row, up to the first blank one, ``width`` cells each."""
    out = []
    for row in rows[HEADER_ROW + 1 :]:
        if not any(v != "" for v in row):
            break
        out.append(row[:width])
    return out


def notes(rows: list[list[Any]]) -> dict[str, Any]:
    """The (label, value) lines after the blank row that ends the table."""
    body = rows[HEADER_ROW + 1 :]
    blank = next(i for i, row in enumerate(body) if not any(v != "" for v in row))
    return {row[0]: row[1] for row in body[blank + 1 :] if row and row[0] != ""}


def opened(body: bytes) -> Workbook:
    return load_workbook(io.BytesIO(body))
