"""Finding a customer by the whole identity number, and only by the whole number.

A customer row keeps ``id_number_hash``: HMAC-SHA256 of the stored (normalised)
number under the server's lookup key (``Settings.identity_lookup_key``). A lookup
hashes the number it is given the same way and matches the hash exactly, through
the index ``(tenant_id, id_number_hash)``: no prefix, no ``LIKE``, and the number
itself never enters a statement's text or a log. The key is secret, so the hashes
cannot be searched by trying every number of a region and birth date.

Changing the key (``RURALCREDIT_LOOKUP_KEY``, or the JWT secret it defaults to)
leaves the stored hashes under the old key: ``ruralcredit rehash-identities`` computes
them again.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Uuid, column, select, table, update

from server.identity_codes import (
    normalise_resident_id,
    validate_resident_id,
    validate_social_credit_code,
)

HASH_LENGTH = 64
REHASH_BATCH = 1000
# The columns the hashes are made from, as a plain table (the migration uses it too).
_CUSTOMERS = table(
    "customers",
    column("tenant_id"),
    column("id", Uuid()),
    column("id_number"),
    column("id_number_hash"),
)


def identity_hash(key: bytes, number: str) -> str:
    """The hex HMAC-SHA256 of a stored identity number under ``key``."""
    return hmac.new(key, number.encode(), hashlib.sha256).hexdigest()


def lookup_number(value: str) -> tuple[str | None, str]:
    """The number as stored, or ``None`` and why it is neither kind of identity number."""
    number = normalise_resident_id(value)
    resident = validate_resident_id(number)
    if resident is None:
        return number, ""
    credit = validate_social_credit_code(number)
    if credit is None:
        return number, ""
    return None, (
        f"idNumber is neither a resident ID (GB 11643: {resident}) "
        f"nor a social credit code (GB 32100: {credit})"
    )


def _batches(connection: Connection, batch: int) -> Iterator[list[Any]]:
    c = _CUSTOMERS.c
    last: tuple[str, Any] | None = None
    while True:
        statement = select(c.tenant_id, c.id, c.id_number).order_by(c.tenant_id, c.id).limit(batch)
        if last is not None:
            statement = statement.where(
                (c.tenant_id > last[0]) | ((c.tenant_id == last[0]) & (c.id > last[1]))
            )
        rows = list(connection.execute(statement))
        if not rows:
            return
        yield rows
        last = (rows[-1].tenant_id, rows[-1].id)


def rehash_identities(connection: Connection, key: bytes, batch: int = REHASH_BATCH) -> int:
    """Compute every customer's ``id_number_hash`` under ``key``, a batch at a time; the
    number of customers. Used by the migration that adds the column and by the command
    that follows a change of key."""
    c = _CUSTOMERS.c
    done = 0
    for rows in _batches(connection, batch):
        for row in rows:
            connection.execute(
                update(_CUSTOMERS)
                .where(c.tenant_id == row.tenant_id, c.id == row.id)
                .values(id_number_hash=identity_hash(key, row.id_number))
            )
        done += len(rows)
    return done
