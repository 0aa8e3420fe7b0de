"""Manual tier changes as proposals a second HR person decides; who appealed and who
recomputed an appraisal (separation of duties).

The revision and the one it revises are named once, in ``revision`` and ``down_revision``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_tier_proposals_tenant_id_manager_id_status": ["tenant_id", "manager_id", "status"],
    "ix_tier_proposals_tenant_id_status_proposed_at": ["tenant_id", "status", "proposed_at"],
}
APPRAISAL_COLUMNS = ("recomputed_by", "recomputed_at", "appealed_by")


def upgrade() -> None:
    op.create_table(
        "tier_proposals",
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("manager_id", sa.Uuid(), nullable=False),
        sa.Column("from_code", sa.String(length=40), nullable=True),
        sa.Column("to_code", sa.String(length=40), nullable=False),
        sa.Column("to_rank", sa.Integer(), nullable=False),
        sa.Column("to_name", sa.String(length=80), nullable=False),
        sa.Column("plugin", sa.String(length=80), nullable=False),
        sa.Column("plugin_version", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING",
                "CONFIRMED",
                "REJECTED",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("proposed_by", sa.String(length=80), nullable=False),
        sa.Column(
            "proposed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("tier_change_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "manager_id"],
            ["managers.tenant_id", "managers.id"],
            name=op.f("fk_tier_proposals_tenant_id_manager_id_managers"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "tier_change_id"],
            ["manager_tier_changes.tenant_id", "manager_tier_changes.id"],
            name=op.f("fk_tier_proposals_tenant_id_tier_change_id_manager_tier_changes"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_tier_proposals")),
    )
    for name, columns in INDEXES.items():
        op.create_index(op.f(name), "tier_proposals", columns)
    op.add_column("appraisals", sa.Column("recomputed_by", sa.String(length=80), nullable=True))
    op.add_column(
        "appraisals", sa.Column("recomputed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("appraisals", sa.Column("appealed_by", sa.String(length=80), nullable=True))
    # Until now only the manager could appeal, as the user named by the employee number.
    op.execute(
        "UPDATE appraisals SET appealed_by = (SELECT managers.employee_no FROM managers "
        "WHERE managers.tenant_id = appraisals.tenant_id "
        "AND managers.id = appraisals.manager_id) WHERE appealed_at IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("appraisals") as batch:
        for column in APPRAISAL_COLUMNS:
            batch.drop_column(column)
    for name in INDEXES:
        op.drop_index(op.f(name), table_name="tier_proposals")
    op.drop_table("tier_proposals")
