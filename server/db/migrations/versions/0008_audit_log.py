"""The audit trail: one row per mutation and one per id it names, which no one changes.

Triggers refuse UPDATE and DELETE of the rows of both tables on both databases (and
TRUNCATE on PostgreSQL), for every database user, the tables' owner included. DROP
TABLE still works (a downgrade). A later migration that rebuilds one of the tables on
SQLite (batch mode) drops its triggers with it and must create them again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENTRIES = "audit_entries"
TARGETS = "audit_targets"
INDEXES = {
    "ix_audit_entries_tenant_id_at": ["tenant_id", "at"],
    "ix_audit_entries_tenant_id_operation_id": ["tenant_id", "operation", "id"],
    "ix_audit_entries_tenant_id_user_key_id": ["tenant_id", "user_key", "id"],
}
REFUSE = "audit_trail_refuse_change"
MESSAGE = "audit entries cannot be changed or deleted"


def _postgresql(table: str) -> list[str]:
    return [
        f"""
        CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION {REFUSE}()
        """,
        f"""
        CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION {REFUSE}()
        """,
    ]


def _sqlite(table: str) -> list[str]:
    return [
        f"""
        CREATE TRIGGER {table}_no_{change} BEFORE {change.upper()} ON {table}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
        """
        for change in ("update", "delete")
    ]


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(sa.JSON(none_as_null=True), "postgresql")


def upgrade() -> None:
    op.create_table(
        ENTRIES,
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("user_key", sa.String(length=200), nullable=False),
        sa.Column("roles", _json(), nullable=False),
        sa.Column("operation", sa.String(length=100), nullable=False),
        sa.Column("target_ids", _json(), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("input", sa.Text(), nullable=False),
        sa.Column("input_bytes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.tenant_id"], name=op.f("fk_audit_entries_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_audit_entries")),
    )
    for name, columns in INDEXES.items():
        op.create_index(op.f(name), ENTRIES, columns)
    op.create_table(
        TARGETS,
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("target_id", sa.String(length=100), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "entry_id"],
            ["audit_entries.tenant_id", "audit_entries.id"],
            name=op.f("fk_audit_targets_tenant_id_entry_id_audit_entries"),
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "target_id", "entry_id", name=op.f("pk_audit_targets")
        ),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION {REFUSE}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
            END
            $$
            """
        )
        statements = _postgresql(ENTRIES) + _postgresql(TARGETS)
    else:
        statements = _sqlite(ENTRIES) + _sqlite(TARGETS)
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    op.drop_table(TARGETS)
    for name in INDEXES:
        op.drop_index(op.f(name), table_name=ENTRIES)
    op.drop_table(ENTRIES)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION {REFUSE}()")
