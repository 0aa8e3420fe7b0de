"""Policy engine: loan snapshots, duty records, admission, transfers, runs, accounts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 16:38:38.007865
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.db.types


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('appraisal_runs',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('status', sa.Enum('RUNNING', 'DONE', 'FAILED', name='status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('plugin', sa.String(length=80), nullable=False),
    sa.Column('plugin_version', sa.String(length=40), nullable=False),
    sa.Column('managers_total', sa.Integer(), nullable=False),
    sa.Column('managers_done', sa.Integer(), nullable=False),
    sa.Column('managers_skipped', sa.Integer(), nullable=False),
    sa.Column('cohort', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False),
    sa.Column('problems', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False),
    sa.Column('started_by', sa.String(length=80), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.tenant_id'], name=op.f('fk_appraisal_runs_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_appraisal_runs'))
    )
    with op.batch_alter_table('appraisal_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appraisal_runs_tenant_id_period_started_at'), ['tenant_id', 'period', 'started_at'], unique=False)

    op.create_table('account_movements',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('manager_id', sa.Uuid(), nullable=False),
    sa.Column('account', sa.String(length=40), nullable=False),
    sa.Column('amount', server.db.types.ScaledDecimal(precision=18, scale=2), nullable=False),
    sa.Column('direction', sa.String(length=6), nullable=False),
    sa.Column('appraisal_id', sa.Uuid(), nullable=True),
    sa.Column('article', sa.String(length=80), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=80), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint("direction IN ('IN', 'OUT')", name=op.f('ck_account_movements_direction')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_account_movements_amount_not_negative')),
    sa.ForeignKeyConstraint(['tenant_id', 'manager_id'], ['managers.tenant_id', 'managers.id'], name=op.f('fk_account_movements_tenant_id_manager_id_managers')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_account_movements'))
    )
    with op.batch_alter_table('account_movements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_movements_tenant_id_manager_id_account_recorded_at'), ['tenant_id', 'manager_id', 'account', 'recorded_at'], unique=False)

    op.create_table('admission_requests',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.Enum('PENDING', 'APPROVED', 'REJECTED', name='status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('requested_by', sa.String(length=80), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('decided_by', sa.String(length=80), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_admission_requests_tenant_id_customer_id_customers')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_admission_requests'))
    )
    with op.batch_alter_table('admission_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admission_requests_tenant_id_customer_id_requested_at'), ['tenant_id', 'customer_id', 'requested_at'], unique=False)

    op.create_table('relationship_transfers',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('from_office_id', sa.Uuid(), nullable=False),
    sa.Column('to_office_id', sa.Uuid(), nullable=False),
    sa.Column('from_manager_id', sa.Uuid(), nullable=False),
    sa.Column('to_manager_id', sa.Uuid(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=80), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_relationship_transfers_tenant_id_customer_id_customers')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_relationship_transfers'))
    )
    with op.batch_alter_table('relationship_transfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_relationship_transfers_tenant_id_customer_id'), ['tenant_id', 'customer_id'], unique=False)

    op.create_table('duty_records',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('loan_id', sa.Uuid(), nullable=False),
    sa.Column('manager_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Enum('COLLECTION_NOTICE', 'OVERDUE_COLLECTION', 'INSPECTION', name='kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=80), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'loan_id'], ['loans.tenant_id', 'loans.id'], name=op.f('fk_duty_records_tenant_id_loan_id_loans')),
    sa.ForeignKeyConstraint(['tenant_id', 'manager_id'], ['managers.tenant_id', 'managers.id'], name=op.f('fk_duty_records_tenant_id_manager_id_managers')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_duty_records'))
    )
    with op.batch_alter_table('duty_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duty_records_tenant_id_loan_id_kind_done_on'), ['tenant_id', 'loan_id', 'kind', 'done_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_duty_records_tenant_id_manager_id_done_on'), ['tenant_id', 'manager_id', 'done_on'], unique=False)

    op.create_table('loan_snapshots',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('loan_id', sa.Uuid(), nullable=False),
    sa.Column('manager_id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('office_id', sa.Uuid(), nullable=False),
    sa.Column('customer_kind', sa.Enum('INDIVIDUAL', 'CORPORATE', name='customer_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('balance', server.db.types.ScaledDecimal(precision=18, scale=2), nullable=False),
    sa.Column('risk_class', sa.Enum('NORMAL', 'SPECIAL_MENTION', 'SUBSTANDARD', 'DOUBTFUL', 'LOSS', name='risk_class', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('days_overdue', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'loan_id'], ['loans.tenant_id', 'loans.id'], name=op.f('fk_loan_snapshots_tenant_id_loan_id_loans')),
    sa.PrimaryKeyConstraint('tenant_id', 'as_of', 'loan_id', name=op.f('pk_loan_snapshots'))
    )
    with op.batch_alter_table('loan_snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loan_snapshots_tenant_id_as_of_manager_id'), ['tenant_id', 'as_of', 'manager_id'], unique=False)

    op.create_table('office_figures',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('office_id', sa.Uuid(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('indicator', sa.String(length=60), nullable=False),
    sa.Column('value', server.db.types.ScaledDecimal(precision=18, scale=4), nullable=False),
    sa.Column('recorded_by', sa.String(length=80), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'office_id'], ['offices.tenant_id', 'offices.id'], name=op.f('fk_office_figures_tenant_id_office_id_offices')),
    sa.PrimaryKeyConstraint('tenant_id', 'office_id', 'period', 'indicator', name=op.f('pk_office_figures'))
    )
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('settings', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False, server_default=sa.text("'{}'")))

    with op.batch_alter_table('appraisals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rating_label', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('graded', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('warnings', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('pay', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('tier_move', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=True))
        batch_op.add_column(sa.Column('run_id', sa.Uuid(), nullable=True))

    with op.batch_alter_table('managers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flags', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False, server_default=sa.text("'[]'")))

    with op.batch_alter_table('violations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('effect_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('plugin', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('plugin_version', sa.String(length=40), nullable=True))



def downgrade() -> None:
    op.drop_table('office_figures')
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_column('settings')

    with op.batch_alter_table('violations', schema=None) as batch_op:
        batch_op.drop_column('plugin_version')
        batch_op.drop_column('plugin')
        batch_op.drop_column('effect_reason')

    with op.batch_alter_table('managers', schema=None) as batch_op:
        batch_op.drop_column('flags')

    with op.batch_alter_table('appraisals', schema=None) as batch_op:
        batch_op.drop_column('run_id')
        batch_op.drop_column('tier_move')
        batch_op.drop_column('pay')
        batch_op.drop_column('warnings')
        batch_op.drop_column('graded')
        batch_op.drop_column('rating_label')

    with op.batch_alter_table('loan_snapshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loan_snapshots_tenant_id_as_of_manager_id'))

    op.drop_table('loan_snapshots')
    with op.batch_alter_table('duty_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duty_records_tenant_id_manager_id_done_on'))
        batch_op.drop_index(batch_op.f('ix_duty_records_tenant_id_loan_id_kind_done_on'))

    op.drop_table('duty_records')
    with op.batch_alter_table('relationship_transfers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_relationship_transfers_tenant_id_customer_id'))

    op.drop_table('relationship_transfers')
    with op.batch_alter_table('admission_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_admission_requests_tenant_id_customer_id_requested_at'))

    op.drop_table('admission_requests')
    with op.batch_alter_table('account_movements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_movements_tenant_id_manager_id_account_recorded_at'))

    op.drop_table('account_movements')
    with op.batch_alter_table('appraisal_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appraisal_runs_tenant_id_period_started_at'))

    op.drop_table('appraisal_runs')
