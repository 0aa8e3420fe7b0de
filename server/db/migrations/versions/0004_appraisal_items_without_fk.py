"""Appraisal items without a foreign key to appraisals (bulk re-runs).

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK = "fk_appraisal_items_tenant_id_appraisal_id_appraisals"


def upgrade() -> None:
    with op.batch_alter_table("appraisal_items", schema=None) as batch_op:
        batch_op.drop_constraint(FK, type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("appraisal_items", schema=None) as batch_op:
        batch_op.create_foreign_key(
            FK,
            "appraisals",
            ["tenant_id", "appraisal_id"],
            ["tenant_id", "id"],
            ondelete="CASCADE",
        )
