"""Customers are found by the whole identity number through a keyed hash, and the main
lists have the indexes their orders read in keyset order.

``customers.id_number_hash`` is HMAC-SHA256 of the identity number under the lookup key
(``server.identity_lookup``); existing customers get theirs here, a batch at a time,
under the key of the settings the migration runs with (``RURALCREDIT_LOOKUP_KEY``, else
derived from the JWT secret). A later change of that key needs ``ruralcredit
rehash-identities``.

Each sort of the managers, customers, loans and appraisals lists reads an index
``(tenant_id, <sort column>, id)``; the two older indexes that were a prefix of one of
them (managers by tier rank, loans by maturity) are replaced.

The revision and the one it revises are named once, in ``revision`` and ``down_revision``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from server.identity_lookup import rehash_identities
from server.settings import Settings

revision: str = "0015"
down_revision: str | None = "0014_bilingual_explanations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HASH_INDEX = "ix_customers_tenant_id_id_number_hash"
#: (table, columns) of the keyset indexes, each named by the naming convention.
ORDER_INDEXES = (
    ("managers", ("tenant_id", "name", "id")),
    ("managers", ("tenant_id", "hire_date", "id")),
    ("managers", ("tenant_id", "tier_rank", "id")),
    ("customers", ("tenant_id", "name", "id")),
    ("loans", ("tenant_id", "principal", "id")),
    ("loans", ("tenant_id", "balance", "id")),
    ("loans", ("tenant_id", "issued_on", "id")),
    ("loans", ("tenant_id", "matures_on", "id")),
    ("appraisals", ("tenant_id", "period", "id")),
    ("appraisals", ("tenant_id", "total", "id")),
)
#: The indexes that became a prefix of a keyset index.
REPLACED = (
    ("managers", ("tenant_id", "tier_rank")),
    ("loans", ("tenant_id", "matures_on")),
)


def _name(table: str, columns: Sequence[str]) -> str:
    return f"ix_{table}_{'_'.join(columns)}"


def _lookup_key() -> bytes:
    settings = op.get_context().config.attributes.get("settings")
    return (settings or Settings.from_env()).identity_lookup_key


def upgrade() -> None:
    # Added whole (no table copy on SQLite, whose copy would trip the loans' foreign keys),
    # with an empty default that the backfill replaces; PostgreSQL then drops the default.
    op.add_column(
        "customers",
        sa.Column("id_number_hash", sa.String(length=64), nullable=False, server_default=""),
    )
    bind = op.get_bind()
    if bind.scalar(sa.text("SELECT count(*) FROM customers")):
        rehash_identities(bind, _lookup_key())
    if bind.dialect.name != "sqlite":
        op.alter_column("customers", "id_number_hash", server_default=None)
    op.create_index(HASH_INDEX, "customers", ["tenant_id", "id_number_hash"])
    for table, columns in REPLACED:
        op.drop_index(_name(table, columns), table_name=table)
    for table, columns in ORDER_INDEXES:
        op.create_index(_name(table, columns), table, list(columns))


def downgrade() -> None:
    for table, columns in ORDER_INDEXES:
        op.drop_index(_name(table, columns), table_name=table)
    for table, columns in REPLACED:
        op.create_index(_name(table, columns), table, list(columns))
    op.drop_index(HASH_INDEX, table_name="customers")
    op.drop_column("customers", "id_number_hash")
