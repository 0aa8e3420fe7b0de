"""Task plans and figures per office sheet; managers' office moves (山东办法 第十二条).

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("task_plans", "indicator_values")


def upgrade() -> None:
    op.create_table(
        "manager_office_moves",
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("manager_id", sa.Uuid(), nullable=False),
        sa.Column("from_office_id", sa.Uuid(), nullable=False),
        sa.Column("to_office_id", sa.Uuid(), nullable=False),
        sa.Column("moved_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "manager_id"],
            ["managers.tenant_id", "managers.id"],
            name=op.f("fk_manager_office_moves_tenant_id_manager_id_managers"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_manager_office_moves")),
    )
    op.create_index(
        op.f("ix_manager_office_moves_tenant_id_manager_id_moved_on"),
        "manager_office_moves",
        ["tenant_id", "manager_id", "moved_on"],
    )
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("office_id", sa.Uuid(), nullable=True))
        # Figures recorded so far were on the manager's current office's sheet.
        op.execute(
            f"UPDATE {table} SET office_id = (SELECT managers.office_id FROM managers "
            f"WHERE managers.tenant_id = {table}.tenant_id AND managers.id = {table}.manager_id)"
        )
        with op.batch_alter_table(table) as batch:
            batch.alter_column("office_id", existing_type=sa.Uuid(), nullable=False)
            batch.drop_constraint(f"pk_{table}", type_="primary")
            batch.create_primary_key(
                f"pk_{table}", ["tenant_id", "manager_id", "period", "office_id", "indicator"]
            )
            batch.create_foreign_key(
                f"fk_{table}_tenant_id_office_id_offices",
                "offices",
                ["tenant_id", "office_id"],
                ["tenant_id", "id"],
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_tenant_id_office_id_offices", type_="foreignkey")
            batch.drop_constraint(f"pk_{table}", type_="primary")
            batch.create_primary_key(f"pk_{table}", ["tenant_id", "manager_id", "period", "indicator"])
            batch.drop_column("office_id")
    op.drop_index(
        op.f("ix_manager_office_moves_tenant_id_manager_id_moved_on"),
        table_name="manager_office_moves",
    )
    op.drop_table("manager_office_moves")
