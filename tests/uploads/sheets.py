"""Templates downloaded, filled in with openpyxl and sent back over a multipart request."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
from openpyxl import load_workbook

from tests.conftest import Api

UPLOAD_FIELDS = "__typename ... on SheetUploaded { rows records problems { sheet row column code message } } ... on PermissionDenied { code message } ... on InvalidInput { code message }"
UPLOAD_TASK_FIGURES = f"""mutation($f: Upload!, $p: Period!) {{
  r: uploadTaskFigures(file: $f, period: $p) {{ {UPLOAD_FIELDS} }} }}"""
UPLOAD_VIOLATIONS = (
    f"""mutation($f: Upload!) {{ r: uploadViolations(file: $f) {{ {UPLOAD_FIELDS} }} }}"""
)
UPLOAD_FINDINGS = f"""mutation($f: Upload!, $p: Period!) {{
  r: uploadInspectionFindings(file: $f, period: $p) {{ {UPLOAD_FIELDS} }} }}"""
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def template(api: Api, path: str, token: str) -> bytes:
    response = await api.client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.content


def fill(body: bytes, sheet: str, rows: Sequence[Mapping[str, Any]]) -> bytes:
    """The template with ``rows`` written under its headers from row 2 (its pre-filled rows
    cleared first)."""
    book = load_workbook(io.BytesIO(body))
    data = book[sheet]
    headers = {cell.value: cell.column for cell in data[1] if cell.value}
    for row in data.iter_rows(min_row=2):
        for cell in row:
            cell.value = None
    for number, values in enumerate(rows, start=2):
        for header, value in values.items():
            data.cell(number, headers[header], value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def upload(
    api: Api,
    query: str,
    variables: dict[str, Any],
    content: bytes,
    token: str,
    *,
    filename: str = "sheet.xlsx",
) -> httpx.Response:
    """``query`` with ``content`` as its variable ``f``, as a GraphQL multipart request."""
    operations = {"query": query, "variables": {**variables, "f": None}}
    return await api.client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.f"]})},
        files={"0": (filename, content, XLSX)},
        headers={"Authorization": f"Bearer {token}"},
    )


async def uploaded(
    api: Api, query: str, variables: dict[str, Any], content: bytes, token: str
) -> dict[str, Any]:
    response = await upload(api, query, variables, content, token)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["r"]
    return result
