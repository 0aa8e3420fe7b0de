"""Appraisal runs as resumable jobs: a QUEUED status, a worker's lease on the run, at most
one unfinished run per tenant and period; the daily jobs' claims; and, on PostgreSQL, the
job queue's own schema (``server.jobs.queue_schema``).

Runs left RUNNING by the runner of earlier versions (which ran inside the request) can
never finish: they are closed as FAILED, so that the new unique index holds.

The revision and the one it revises are named once, in ``revision`` and ``down_revision``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE_RUN = "status IN ('QUEUED', 'RUNNING')"


def upgrade() -> None:
    bind = op.get_bind()
    op.execute(
        "UPDATE appraisal_runs SET status = 'FAILED', finished_at = CURRENT_TIMESTAMP "
        "WHERE status = 'RUNNING'"
    )
    with op.batch_alter_table("appraisal_runs") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("started_by_manager", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("lease_owner", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.drop_constraint(op.f("ck_appraisal_runs_status"), type_="check")
        batch.create_check_constraint(
            "status", "status IN ('QUEUED', 'RUNNING', 'DONE', 'FAILED')"
        )
    op.create_index(
        "uq_appraisal_runs_active",
        "appraisal_runs",
        ["tenant_id", "period"],
        unique=True,
        sqlite_where=sa.text(ACTIVE_RUN),
        postgresql_where=sa.text(ACTIVE_RUN),
    )
    op.create_index(
        op.f("ix_appraisal_runs_tenant_id_status"), "appraisal_runs", ["tenant_id", "status"]
    )
    op.create_table(
        "daily_job_runs",
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("job", sa.String(length=80), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("result", sa.Integer(), nullable=False),
        sa.Column(
            "finished_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.tenant_id"],
            name=op.f("fk_daily_job_runs_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "job", "business_date", name=op.f("pk_daily_job_runs")),
    )
    if bind.dialect.name == "postgresql":
        from server.jobs.queue_schema import install

        install(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from server.jobs.queue_schema import uninstall

        uninstall(bind)
    op.drop_table("daily_job_runs")
    op.drop_index(op.f("ix_appraisal_runs_tenant_id_status"), table_name="appraisal_runs")
    op.drop_index("uq_appraisal_runs_active", table_name="appraisal_runs")
    op.execute("UPDATE appraisal_runs SET status = 'FAILED' WHERE status = 'QUEUED'")
    with op.batch_alter_table("appraisal_runs") as batch:
        batch.drop_constraint(op.f("ck_appraisal_runs_status"), type_="check")
        batch.create_check_constraint("status", "status IN ('RUNNING', 'DONE', 'FAILED')")
        batch.drop_column("lease_until")
        batch.drop_column("lease_owner")
        batch.drop_column("started_by_manager")
        batch.drop_column("attempts")
