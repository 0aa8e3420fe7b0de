"""Policy changes that stay consistent: the tier-change cause POLICY_CHANGE, how many managers
a grading change moved, and every status change of a violation kept (with a filter index).

The revision and the one it revises are named once, in ``revision`` and ``down_revision``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from server.ids import uuid7

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CAUSES_BEFORE = ("INITIAL", "APPRAISAL", "PENALTY", "PROBATION_END", "APPEAL", "MANUAL")
CAUSES = (*CAUSES_BEFORE, "POLICY_CHANGE")
STATUSES = ("RECORDED", "CONFIRMED", "DISMISSED")
CAUSE_CHECK = "ck_manager_tier_changes_cause"


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _status(name: str) -> sa.Enum:
    return sa.Enum(*STATUSES, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    with op.batch_alter_table("manager_tier_changes") as batch:
        batch.drop_constraint(op.f(CAUSE_CHECK), type_="check")
        batch.create_check_constraint("cause", _in("cause", CAUSES))
    with op.batch_alter_table("tenant_policy_changes") as batch:
        batch.add_column(
            sa.Column("managers_moved", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
    op.create_index(
        op.f("ix_violations_tenant_id_status_occurred_on"),
        "violations",
        ["tenant_id", "status", "occurred_on"],
    )
    changes = op.create_table(
        "violation_status_changes",
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("violation_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", _status("from_status"), nullable=True),
        sa.Column("to_status", _status("to_status"), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.String(length=80), nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "violation_id"],
            ["violations.tenant_id", "violations.id"],
            name=op.f("fk_violation_status_changes_tenant_id_violation_id_violations"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_violation_status_changes")),
    )
    op.create_index(
        op.f("ix_violation_status_changes_tenant_id_violation_id_changed_at"),
        "violation_status_changes",
        ["tenant_id", "violation_id", "changed_at"],
    )
    # The violations recorded so far get the history their columns tell: recorded, and
    # confirmed where they were.
    found = op.get_bind().execute(
        sa.text(
            "SELECT tenant_id, id, status, recorded_by, recorded_at, confirmed_by, confirmed_at "
            "FROM violations"
        )
    )
    rows = []
    for tenant_id, vid, status, recorded_by, recorded_at, confirmed_by, confirmed_at in found:
        rows.append(
            {
                "tenant_id": tenant_id,
                "id": uuid7(),
                "violation_id": vid,
                "from_status": None,
                "to_status": "RECORDED",
                "reason": None,
                "changed_by": recorded_by,
                "changed_at": recorded_at,
            }
        )
        if status == "CONFIRMED" and confirmed_by is not None:
            rows.append(
                {
                    "tenant_id": tenant_id,
                    "id": uuid7(),
                    "violation_id": vid,
                    "from_status": "RECORDED",
                    "to_status": "CONFIRMED",
                    "reason": None,
                    "changed_by": confirmed_by,
                    "changed_at": confirmed_at or recorded_at,
                }
            )
    if rows:
        op.bulk_insert(changes, rows)


def downgrade() -> None:
    op.drop_index(
        op.f("ix_violation_status_changes_tenant_id_violation_id_changed_at"),
        table_name="violation_status_changes",
    )
    op.drop_table("violation_status_changes")
    op.drop_index(op.f("ix_violations_tenant_id_status_occurred_on"), table_name="violations")
    with op.batch_alter_table("tenant_policy_changes") as batch:
        batch.drop_column("managers_moved")
    # The moves stay in the history; the older schema knows them as manual changes.
    op.execute("UPDATE manager_tier_changes SET cause = 'MANUAL' WHERE cause = 'POLICY_CHANGE'")
    with op.batch_alter_table("manager_tier_changes") as batch:
        batch.drop_constraint(op.f(CAUSE_CHECK), type_="check")
        batch.create_check_constraint("cause", _in("cause", CAUSES_BEFORE))
