"""GraphQL multipart requests: a mutation with a workbook as a variable.

The request follows the GraphQL multipart request spec
(https://github.com/jaydenseric/graphql-multipart-request-spec): the form field
``operations`` holds the operation as JSON with ``null`` where each file goes, ``map``
names for each file field the variable paths it fills (``{"0": ["variables.file"]}``),
and the file fields follow. Strawberry's ``Upload`` scalar takes the file as it is placed
there: an :class:`UploadedFile`.

What is taken, bounded before anything is parsed:

- the whole body at most ``Settings.upload_max_bytes`` plus :data:`FORM_ALLOWANCE` (the
  operation and the map), read as it arrives and refused past it (413, ``UPLOAD_TOO_LARGE``);
- one operation (no batch), a mutation; at most :data:`MAX_FILES` file, each mapped to
  one or more variables that the operation sends as ``null``;
- each file an XLSX workbook: at most ``upload_max_bytes``, a zip (its magic) holding a
  workbook, unpacking to at most :data:`UNPACKED_RATIO` times the limit (415, ``NOT_XLSX``;
  413 when it unpacks to more).

Anything else is refused as a whole, with a code (``BAD_REQUEST`` for a malformed form),
and no operation runs. A browser may send a form across origins without asking first;
such a request carries no bearer token and ends at the token check, before this module.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from email.message import Message
from typing import Any

from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.observability import requests

MAX_FILES = 1
"""Files one request carries: one workbook per upload mutation."""
FORM_ALLOWANCE = 64 * 1024
"""What the body may hold besides the files: the operation, the map, the parts' heads."""
UNPACKED_RATIO = 20
"""A workbook unpacks to at most this many times the size limit (as the loan-state files)."""
XLSX_MAGIC = b"PK\x03\x04"
WORKBOOK_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
"""What every XLSX package holds; a zip without them is another kind of file."""


@dataclass(frozen=True)
class UploadedFile:
    """A file of a multipart request, read whole: what an ``Upload`` variable holds."""

    filename: str
    content_type: str
    data: bytes

    def __str__(self) -> str:
        # What the audit trail keeps of the argument: never the content.
        return f"<file {self.filename!r}, {len(self.data)} bytes>"


@dataclass(frozen=True)
class Refused:
    """Why a multipart request was refused: the HTTP status, a code and a sentence."""

    status: int
    code: str
    message: str

    def response(self, headers: dict[str, str]) -> Response:
        requests.answered_with(self.code)
        return JSONResponse(
            {"errors": [{"message": self.message, "extensions": {"code": self.code}}]},
            status_code=self.status,
            headers=headers,
        )


NOT_GRAPHQL_FORM = Refused(
    415,
    "BAD_REQUEST",
    "send the request as application/json, or as a GraphQL multipart request (the form "
    "fields 'operations' and 'map', then the file)",
)
"""A form that is no GraphQL multipart request: refused as any other media type."""


def is_multipart(media_type: str) -> bool:
    return media_type == "multipart/form-data"


async def read_operation(request: Request, max_file_bytes: int) -> dict[str, Any] | Refused:
    """The operation of a multipart request (``query``, ``variables`` with the files in
    place, ``operationName``), or why it is refused."""
    boundary = _boundary(request.headers.get("content-type", ""))
    if boundary is None:
        return NOT_GRAPHQL_FORM
    body = await _bounded(request, max_file_bytes + FORM_ALLOWANCE)
    if body is None:
        return _too_large(max_file_bytes)
    parts = await _parts(body, request.headers)
    if isinstance(parts, Refused):
        return parts
    fields = {name: part for name, part in parts if part.filename is None}
    files = {name: part for name, part in parts if part.filename is not None}
    try:
        operations = json.loads(fields["operations"].data)
        mapping = json.loads(fields["map"].data)
    except KeyError:
        return NOT_GRAPHQL_FORM
    except ValueError:
        return Refused(400, "BAD_REQUEST", "'operations' and 'map' must be JSON")
    if not isinstance(operations, dict) or not isinstance(operations.get("query"), str):
        return Refused(400, "BAD_REQUEST", "'operations' must be one operation with a 'query'")
    variables = operations.get("variables")
    if not isinstance(variables, dict):
        return Refused(400, "BAD_REQUEST", "'operations' must hold the 'variables' of the files")
    if not isinstance(mapping, dict) or not all(
        isinstance(paths, list) and paths and all(isinstance(p, str) for p in paths)
        for paths in mapping.values()
    ):
        return Refused(400, "BAD_REQUEST", "'map' must name, for each file, its variable paths")
    if len(mapping) > MAX_FILES or len(files) > MAX_FILES:
        return Refused(400, "TOO_MANY_FILES", f"a request carries at most {MAX_FILES} file")
    if set(mapping) != set(files):
        return Refused(400, "BAD_REQUEST", "'map' and the file fields must name the same files")
    for name, paths in mapping.items():
        part = files[name]
        refused = check_xlsx(part.data, max_file_bytes)
        if refused is not None:
            return refused
        upload = UploadedFile(part.filename or "", part.content_type, part.data)
        for path in paths:
            if not _place(variables, path, upload):
                return Refused(400, "BAD_REQUEST", f"'map' names {path}, which is no null variable")
    return {
        "query": operations["query"],
        "variables": variables,
        "operationName": operations.get("operationName"),
    }


def check_xlsx(data: bytes, max_bytes: int) -> Refused | None:
    """Why ``data`` is not an XLSX workbook this server reads, or ``None``."""
    if len(data) > max_bytes:
        return _too_large(max_bytes)
    if not data.startswith(XLSX_MAGIC):
        return Refused(415, "NOT_XLSX", "the file is not an XLSX workbook (.xlsx)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return Refused(415, "NOT_XLSX", "the file is not a readable XLSX workbook")
    names = {e.filename for e in entries}
    if not all(part in names for part in WORKBOOK_PARTS):
        return Refused(415, "NOT_XLSX", "the file is a zip archive but no XLSX workbook")
    unpacked = sum(e.file_size for e in entries)
    if unpacked > UNPACKED_RATIO * max_bytes:
        return Refused(
            413, "UPLOAD_TOO_LARGE", f"the workbook unpacks to {unpacked} bytes; too large"
        )
    return None


def _too_large(max_bytes: int) -> Refused:
    return Refused(
        413, "UPLOAD_TOO_LARGE", f"an upload carries a workbook of at most {max_bytes} bytes"
    )


def _boundary(content_type: str) -> bytes | None:
    head = Message()
    head["content-type"] = content_type
    boundary = head.get_param("boundary")
    if not isinstance(boundary, str) or not 1 <= len(boundary) <= 70:
        return None
    return boundary.encode("latin-1", errors="replace")


async def _bounded(request: Request, limit: int) -> bytes | None:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


@dataclass(frozen=True)
class _Part:
    filename: str | None
    content_type: str
    data: bytes


MAX_FIELDS = 8
"""Form fields besides the files: ``operations`` and ``map`` (a few more are tolerated)."""


async def _parts(body: bytes, headers: Headers) -> list[tuple[str, _Part]] | Refused:
    """The parts of a ``multipart/form-data`` body (RFC 7578), by their field names, as
    Starlette's parser (on python-multipart) reads them from the body already bounded."""

    async def stream() -> AsyncGenerator[bytes, None]:
        yield body

    parser = MultiPartParser(
        headers, stream(), max_files=MAX_FILES, max_fields=MAX_FIELDS, max_part_size=FORM_ALLOWANCE
    )
    try:
        form = await parser.parse()
    except MultiPartException as error:
        if "files" in str(error).lower():
            return Refused(400, "TOO_MANY_FILES", f"a request carries at most {MAX_FILES} file")
        return NOT_GRAPHQL_FORM
    out: list[tuple[str, _Part]] = []
    try:
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                data = await value.read()
                out.append((name, _Part(value.filename or "", value.content_type or "", data)))
            else:
                out.append((name, _Part(None, "", value.encode("utf-8"))))
    finally:
        await form.close()
    return out


def _place(variables: dict[str, Any], path: str, upload: UploadedFile) -> bool:
    """Put ``upload`` at ``path`` ("variables.file", "variables.files.0") where the
    operation holds ``null``; whether there was such a place."""
    keys = path.split(".")
    if len(keys) < 2 or keys[0] != "variables":
        return False
    target: Any = variables
    for key in keys[1:-1]:
        target = _step(target, key)
        if target is None:
            return False
    last = keys[-1]
    if isinstance(target, dict) and last in target and target[last] is None:
        target[last] = upload
        return True
    if (
        isinstance(target, list)
        and last.isdigit()
        and int(last) < len(target)
        and target[int(last)] is None
    ):
        target[int(last)] = upload
        return True
    return False


def _step(target: Any, key: str) -> Any:
    if isinstance(target, dict):
        return target.get(key)
    if isinstance(target, list) and key.isdigit() and int(key) < len(target):
        return target[int(key)]
    return None
