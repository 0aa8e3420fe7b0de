"""The audit trail of one request: a row for every mutation it calls, whatever happens.

Each mutation field, allowed or refused, gets one row (``models.AuditEntry``): who
(the token's user and roles), when, the request id, the operation (the field's
name), the ids its arguments name, the outcome, and the arguments as JSON with
identity numbers masked. ``server.graphql.mutation.MutationBoundary`` opens the
record before the permission check and closes it with the outcome.

Which transaction carries the row:

- **Closed** (``OK``, a refusal, a typed error — ``PERMISSION_DENIED``,
  ``INVALID_INPUT``, ``NOT_FOUND``, ``REFUSED``, ``CONFLICT``…): after the mutation's
  savepoint is released or rolled back, the row is inserted in the request's
  transaction. An allowed change and its row commit together; a refused or failed
  one leaves its row alone, since the savepoint took back everything else.
- **Failed** (the resolver raised something unexpected): the boundary marks the
  record ``INTERNAL_ERROR`` and inserts nothing, and the HTTP edge
  (``server.app``), which rolls the whole request back, then calls
  :meth:`AuditTrail.write_after_rollback`: every record of the request is inserted
  again in a new transaction of the same session, so it takes no second
  connection. A mutation of that request that had itself succeeded is recorded
  ``ROLLED_BACK``: its change was undone with the request. The same happens when
  the commit itself fails.
- **Left open** (a GraphQL error that the edge does not roll back for, such as a
  query argument out of range, recorded ``BAD_USER_INPUT``):
  :meth:`AuditTrail.write_unwritten` inserts it just before the commit.

A mutation never reached — a document refused at parsing or validation, or by the
HTTP edge before it runs (401, 413, 415, a busy SQLite database) — writes no row:
nothing was called.

What is stored of the arguments: their GraphQL names and values as the request
gave them (literals as written, variables as coerced), as JSON. Every argument or
input field named ``idNumber`` or ``identityNumber`` is masked as ``Customer.idNumber`` is
(``110***********1234``), and so is every run of any string (keys included) that
looks like a resident ID or a social credit code. The JSON text is cut at
``MAX_INPUT_BYTES``; ``input_bytes`` keeps the whole size. The target ids are the
values of every argument or input field named ``id`` or ending in ``Id`` or
``Ids``, in order and without repeats, an id written as a UUID in its canonical
form, at most ``MAX_TARGET_IDS`` of them; each is also a row of ``audit_targets``, the
index ``auditLog(filter: {targetId})`` reads. So a row costs two inserts (one when the
arguments name no id), whatever the outcome.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import logging
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models.audit import TARGET_ID_LENGTH, USER_ID_LENGTH
from server.db.models.base import now
from server.db.queries.audit import add_audit_entries
from server.identity_codes import mask_identity, mask_identity_numbers
from server.ids import uuid7
from server.principal import Principal

log = logging.getLogger("ruralcredit.audit")

OK = "OK"
INTERNAL_ERROR = "INTERNAL_ERROR"
ROLLED_BACK = "ROLLED_BACK"
BAD_USER_INPUT = "BAD_USER_INPUT"

MAX_INPUT_BYTES = 8192
MAX_TARGET_IDS = 100
MAX_TARGET_ID_CHARS = TARGET_ID_LENGTH
IDENTITY_FIELDS = frozenset({"idNumber", "identityNumber"})


def user_key(user_id: str) -> str:
    """A person as the trail finds them: user ids compare case-insensitively."""
    return user_id.casefold()[:USER_ID_LENGTH]


def target_id(value: str) -> str:
    """An id as the trail stores and finds it: a UUID canonical, anything else masked
    and cut to ``MAX_TARGET_ID_CHARS``."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return mask_identity_numbers(value)[:MAX_TARGET_ID_CHARS]


def _is_id_name(name: str) -> bool:
    return name == "id" or name.endswith(("Id", "Ids"))


def _ids(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _ids(item)
    elif value is not None and not isinstance(value, Mapping):
        yield str(value)


def _targets(value: Any) -> Iterator[str]:
    if isinstance(value, Mapping):
        for name, item in value.items():
            if _is_id_name(str(name)):
                yield from _ids(item)
            else:
                yield from _targets(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _targets(item)


def target_ids(arguments: Mapping[str, Any]) -> list[str]:
    """The ids the arguments name, as stored (see the module docstring)."""
    found = dict.fromkeys(target_id(v) for v in _targets(arguments))
    return list(found)[:MAX_TARGET_IDS]


def masked(value: Any, name: str = "") -> Any:
    """``value`` as plain JSON data with identity numbers masked."""
    if isinstance(value, str):
        return mask_identity(value) if name in IDENTITY_FIELDS else mask_identity_numbers(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {mask_identity_numbers(str(k)): masked(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [masked(v, name) for v in value]
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    return masked(str(value), name)


def input_text(arguments: Mapping[str, Any]) -> tuple[str, int]:
    """The masked arguments as JSON text, cut at ``MAX_INPUT_BYTES``, and the whole size."""
    text = json.dumps(masked(arguments), ensure_ascii=False, separators=(",", ":"))
    encoded = text.encode()
    if len(encoded) <= MAX_INPUT_BYTES:
        return text, len(encoded)
    return encoded[:MAX_INPUT_BYTES].decode(errors="ignore"), len(encoded)


@dataclass
class AuditRecord:
    """One mutation's row while the request runs."""

    operation: str
    target_ids: list[str]
    input: str
    input_bytes: int
    id: uuid.UUID = field(default_factory=uuid7)
    at: dt.datetime = field(default_factory=now)
    #: ``None`` until the mutation has ended.
    outcome: str | None = None
    #: Whether the row is in the request's transaction.
    written: bool = False


class AuditTrail:
    """The audit records of one request's mutations, in the order called."""

    def __init__(self, principal: Principal, request_id: str) -> None:
        self.principal = principal
        self.request_id = request_id
        self.records: list[AuditRecord] = []

    def open(self, operation: str, arguments: Mapping[str, Any]) -> AuditRecord:
        """The record of a mutation being called with ``arguments`` (GraphQL names)."""
        text, size = input_text(arguments)
        record = AuditRecord(operation, target_ids(arguments), text, size)
        self.records.append(record)
        return record

    def _row(self, record: AuditRecord, outcome: str) -> dict[str, Any]:
        return {
            "tenant_id": self.principal.tenant_id,
            "id": record.id,
            "at": record.at,
            "request_id": self.request_id,
            "user_id": self.principal.user_id[:USER_ID_LENGTH],
            "user_key": user_key(self.principal.user_id),
            "roles": sorted(r.value for r in self.principal.roles),
            "operation": record.operation,
            "target_ids": record.target_ids,
            "outcome": outcome,
            "input": record.input,
            "input_bytes": record.input_bytes,
        }

    async def write(self, session: AsyncSession, record: AuditRecord, outcome: str) -> None:
        """Close the record with its outcome and insert it in the request's transaction."""
        record.outcome = outcome
        await add_audit_entries(session, [self._row(record, outcome)])
        record.written = True

    async def write_unwritten(self, session: AsyncSession) -> None:
        """Before the commit: insert the records the boundary left unwritten."""
        left = [r for r in self.records if not r.written]
        await add_audit_entries(session, [self._row(r, r.outcome or INTERNAL_ERROR) for r in left])
        for record in left:
            record.written = True

    async def write_after_rollback(self, session: AsyncSession) -> None:
        """After the request was rolled back: every record again, in a new transaction
        that commits at once. A failure here is logged and swallowed: the request has
        failed already, and its answer says so."""
        if not self.records:
            return
        rows = [self._row(r, _after_rollback(r.outcome)) for r in self.records]
        try:
            await add_audit_entries(session, rows)
            await session.commit()
        except Exception:
            log.exception("audit rows of request %s could not be written", self.request_id)
            await session.rollback()


def _after_rollback(outcome: str | None) -> str:
    if outcome is None:
        return INTERNAL_ERROR
    return ROLLED_BACK if outcome == OK else outcome
