"""Initial schema: tenants, offices, managers, customers, loans, appraisals, events.

Revision ID: 0001
Revises: -
Create Date: 2026-11-29 16:18:47.270404
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import server.db.types


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('tenants',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('province', sa.String(length=40), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_tenants'))
    )
    op.create_table('events',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('cursor', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.Enum('GRADE_CHANGED', 'CUSTOMER_CLASS_CHANGED', name='kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('subject_id', sa.Uuid(), nullable=False),
    sa.Column('office_id', sa.Uuid(), nullable=True),
    sa.Column('payload', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.tenant_id'], name=op.f('fk_events_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'cursor', name=op.f('pk_events'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_tenant_id_kind_cursor'), ['tenant_id', 'kind', 'cursor'], unique=False)

    op.create_table('offices',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('parent_id', sa.Uuid(), nullable=True),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('HEAD_OFFICE', 'BRANCH', 'OUTLET', name='kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('path', sa.String(length=1000), nullable=False),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('has_credit_clerk', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'parent_id'], ['offices.tenant_id', 'offices.id'], name=op.f('fk_offices_tenant_id_parent_id_offices')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.tenant_id'], name=op.f('fk_offices_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_offices')),
    sa.UniqueConstraint('tenant_id', 'code', name=op.f('uq_offices_tenant_id_code'))
    )
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offices_tenant_id_parent_id'), ['tenant_id', 'parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offices_tenant_id_path'), ['tenant_id', 'path'], unique=False)

    op.create_table('tenant_policies',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('category', sa.Enum('GRADING', 'CLASSIFICATION', 'LENDING', 'PENALTY', name='category', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('plugin', sa.String(length=80), nullable=False),
    sa.Column('plugin_version', sa.String(length=40), nullable=False),
    sa.Column('parameters', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False),
    sa.Column('selected_by', sa.String(length=80), nullable=False),
    sa.Column('selected_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.tenant_id'], name=op.f('fk_tenant_policies_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'category', name=op.f('pk_tenant_policies'))
    )
    op.create_table('tenant_policy_changes',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('category', sa.Enum('GRADING', 'CLASSIFICATION', 'LENDING', 'PENALTY', name='category', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('plugin', sa.String(length=80), nullable=True),
    sa.Column('plugin_version', sa.String(length=40), nullable=True),
    sa.Column('parameters', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False),
    sa.Column('changed_by', sa.String(length=80), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.tenant_id'], name=op.f('fk_tenant_policy_changes_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_tenant_policy_changes'))
    )
    op.create_table('managers',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('employee_no', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('office_id', sa.Uuid(), nullable=False),
    sa.Column('category', sa.Enum('RETAIL', 'CORPORATE', name='category', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('PROBATION', 'ACTIVE', 'SUSPENDED', 'DISQUALIFIED', 'LEFT', name='status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('hire_date', sa.Date(), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('probation_ends_on', sa.Date(), nullable=True),
    sa.Column('post_started_on', sa.Date(), nullable=True),
    sa.Column('tier_code', sa.String(length=40), nullable=True),
    sa.Column('tier_rank', sa.Integer(), nullable=True),
    sa.Column('tier_name', sa.String(length=80), nullable=True),
    sa.Column('education', sa.Enum('BACHELOR_OR_HIGHER', 'JUNIOR_COLLEGE', 'SECONDARY_OR_BELOW', name='education', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('professional_title', sa.Enum('INTERMEDIATE_OR_HIGHER', 'JUNIOR', 'NONE', name='professional_title', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('credit_exam', sa.Enum('PASSED', 'EXEMPT', 'FAILED', 'NOT_TAKEN', name='credit_exam', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('credit_work_years', server.db.types.ScaledDecimal(precision=5, scale=2), nullable=True),
    sa.Column('system_proficiency', sa.Enum('PROFICIENT', 'FAIR', 'NONE', name='system_proficiency', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('qualification_level', sa.String(length=40), nullable=True),
    sa.Column('licence_no', sa.String(length=40), nullable=True),
    sa.Column('licence_issued_on', sa.Date(), nullable=True),
    sa.Column('licence_valid_until', sa.Date(), nullable=True),
    sa.Column('jurisdiction_households', sa.Integer(), nullable=True),
    sa.Column('rated_households', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('credit_work_years IS NULL OR credit_work_years >= 0', name=op.f('ck_managers_years')),
    sa.CheckConstraint('jurisdiction_households IS NULL OR jurisdiction_households >= 0', name=op.f('ck_managers_households')),
    sa.ForeignKeyConstraint(['tenant_id', 'office_id'], ['offices.tenant_id', 'offices.id'], name=op.f('fk_managers_tenant_id_office_id_offices')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.tenant_id'], name=op.f('fk_managers_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_managers')),
    sa.UniqueConstraint('tenant_id', 'employee_no', name=op.f('uq_managers_tenant_id_employee_no'))
    )
    with op.batch_alter_table('managers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_managers_tenant_id_office_id'), ['tenant_id', 'office_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_managers_tenant_id_status'), ['tenant_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_managers_tenant_id_tier_rank'), ['tenant_id', 'tier_rank'], unique=False)

    op.create_table('appraisals',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('manager_id', sa.Uuid(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('status', sa.Enum('DRAFT', 'CONFIRMED', 'APPEALED', name='status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('plugin', sa.String(length=80), nullable=False),
    sa.Column('plugin_version', sa.String(length=40), nullable=False),
    sa.Column('parameters', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False),
    sa.Column('inputs', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False),
    sa.Column('total', server.db.types.ScaledDecimal(precision=7, scale=2), nullable=True),
    sa.Column('tier_code', sa.String(length=40), nullable=True),
    sa.Column('tier_rank', sa.Integer(), nullable=True),
    sa.Column('tier_name', sa.String(length=80), nullable=True),
    sa.Column('rating', sa.String(length=40), nullable=True),
    sa.Column('explanation', sa.Text(), nullable=True),
    sa.Column('computed_by', sa.String(length=80), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('confirmed_by', sa.String(length=80), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('appealed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('appeal_reason', sa.Text(), nullable=True),
    sa.Column('review_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id', 'manager_id'], ['managers.tenant_id', 'managers.id'], name=op.f('fk_appraisals_tenant_id_manager_id_managers')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_appraisals')),
    sa.UniqueConstraint('tenant_id', 'manager_id', 'period', name=op.f('uq_appraisals_tenant_id_manager_id_period'))
    )
    with op.batch_alter_table('appraisals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appraisals_tenant_id_period_status'), ['tenant_id', 'period', 'status'], unique=False)

    op.create_table('customers',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Enum('INDIVIDUAL', 'CORPORATE', name='kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('segment', sa.Enum('FARMER', 'MERCHANT', 'SMALL_BUSINESS_OWNER', 'PARTNER', 'URBAN_RESIDENT', 'OTHER_INDIVIDUAL', 'ENTERPRISE', 'INSTITUTION', 'OTHER_ORGANISATION', name='segment', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('manager_id', sa.Uuid(), nullable=False),
    sa.Column('office_id', sa.Uuid(), nullable=False),
    sa.Column('admission_status', sa.Enum('NOT_REQUIRED', 'REQUIRED', 'PENDING', 'APPROVED', 'REJECTED', 'LAPSED', name='admission_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('admitted_on', sa.Date(), nullable=True),
    sa.Column('last_credit_lapsed_on', sa.Date(), nullable=True),
    sa.Column('blacklisted', sa.Boolean(), nullable=False),
    sa.Column('class_code', sa.Enum('SUPPORT', 'MAINTAIN', 'RESTRICT', 'EXIT', name='class_code', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('class_set_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('exposure_at_class_set', server.db.types.ScaledDecimal(precision=18, scale=2), nullable=True),
    sa.Column('industry_policy', sa.Enum('ENCOURAGED', 'NEUTRAL', 'RESTRICTED', 'PROHIBITED', name='industry_policy', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('licences_complete', sa.Boolean(), nullable=False),
    sa.Column('operating_status', sa.Enum('NORMAL', 'DECLINING', 'SUSPENDED', 'CEASED', name='operating_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('prospects', sa.Enum('GOOD', 'STABLE', 'POOR', name='prospects', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('last_bad_credit_on', sa.Date(), nullable=True),
    sa.Column('malicious_evasion', sa.Boolean(), nullable=False),
    sa.Column('major_litigation', sa.Boolean(), nullable=False),
    sa.Column('contribution_score', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('contribution_score >= 0 AND contribution_score <= 100', name=op.f('ck_customers_contribution')),
    sa.ForeignKeyConstraint(['tenant_id', 'manager_id'], ['managers.tenant_id', 'managers.id'], name=op.f('fk_customers_tenant_id_manager_id_managers')),
    sa.ForeignKeyConstraint(['tenant_id', 'office_id'], ['offices.tenant_id', 'offices.id'], name=op.f('fk_customers_tenant_id_office_id_offices')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.tenant_id'], name=op.f('fk_customers_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_customers')),
    sa.UniqueConstraint('tenant_id', 'id_number', name=op.f('uq_customers_tenant_id_id_number'))
    )
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customers_tenant_id_class_code'), ['tenant_id', 'class_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_customers_tenant_id_manager_id'), ['tenant_id', 'manager_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customers_tenant_id_office_id'), ['tenant_id', 'office_id'], unique=False)

    op.create_table('indicator_values',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('manager_id', sa.Uuid(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('indicator', sa.String(length=60), nullable=False),
    sa.Column('value', server.db.types.ScaledDecimal(precision=18, scale=4), nullable=False),
    sa.Column('recorded_by', sa.String(length=80), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'manager_id'], ['managers.tenant_id', 'managers.id'], name=op.f('fk_indicator_values_tenant_id_manager_id_managers')),
    sa.PrimaryKeyConstraint('tenant_id', 'manager_id', 'period', 'indicator', name=op.f('pk_indicator_values'))
    )
    op.create_table('inspection_findings',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('manager_id', sa.Uuid(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('item', sa.String(length=20), nullable=False),
    sa.Column('finding', sa.String(length=60), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Uuid(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=80), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('count >= 1', name=op.f('ck_inspection_findings_count_positive')),
    sa.ForeignKeyConstraint(['tenant_id', 'manager_id'], ['managers.tenant_id', 'managers.id'], name=op.f('fk_inspection_findings_tenant_id_manager_id_managers')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_inspection_findings'))
    )
    with op.batch_alter_table('inspection_findings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_findings_tenant_id_manager_id_period'), ['tenant_id', 'manager_id', 'period'], unique=False)

    op.create_table('manager_tier_changes',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('manager_id', sa.Uuid(), nullable=False),
    sa.Column('from_code', sa.String(length=40), nullable=True),
    sa.Column('from_rank', sa.Integer(), nullable=True),
    sa.Column('from_name', sa.String(length=80), nullable=True),
    sa.Column('to_code', sa.String(length=40), nullable=True),
    sa.Column('to_rank', sa.Integer(), nullable=True),
    sa.Column('to_name', sa.String(length=80), nullable=True),
    sa.Column('cause', sa.Enum('INITIAL', 'APPRAISAL', 'PENALTY', 'PROBATION_END', 'APPEAL', 'MANUAL', name='cause', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('appraisal_id', sa.Uuid(), nullable=True),
    sa.Column('violation_id', sa.Uuid(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('plugin', sa.String(length=80), nullable=True),
    sa.Column('plugin_version', sa.String(length=40), nullable=True),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('recorded_by', sa.String(length=80), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'manager_id'], ['managers.tenant_id', 'managers.id'], name=op.f('fk_manager_tier_changes_tenant_id_manager_id_managers')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_manager_tier_changes'))
    )
    with op.batch_alter_table('manager_tier_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_manager_tier_changes_tenant_id_manager_id_effective_on'), ['tenant_id', 'manager_id', 'effective_on'], unique=False)

    op.create_table('task_plans',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('manager_id', sa.Uuid(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('indicator', sa.String(length=60), nullable=False),
    sa.Column('plan', server.db.types.ScaledDecimal(precision=18, scale=4), nullable=False),
    sa.Column('recorded_by', sa.String(length=80), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'manager_id'], ['managers.tenant_id', 'managers.id'], name=op.f('fk_task_plans_tenant_id_manager_id_managers')),
    sa.PrimaryKeyConstraint('tenant_id', 'manager_id', 'period', 'indicator', name=op.f('pk_task_plans'))
    )
    op.create_table('violations',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('manager_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Enum('EXAM_FAILED', 'LOAN_TO_PAY_INTEREST', 'NOMINEE_LOAN', 'CROSS_COMMUNITY_LOAN', 'CREDIT_TO_BANNED_CUSTOMER', 'AUDIT_NOTICE', 'CUSTOMER_COMPLAINT', 'TRAINING_EXAM_FAILED', 'TEN_KINDS_OF_PERSON', 'LOSS_BY_MISCONDUCT', 'FALSIFICATION', 'OTHER', name='kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.Column('status', sa.Enum('RECORDED', 'CONFIRMED', 'DISMISSED', name='status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('effect', sa.String(length=40), nullable=True),
    sa.Column('effect_article', sa.String(length=80), nullable=True),
    sa.Column('recorded_by', sa.String(length=80), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('confirmed_by', sa.String(length=80), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id', 'manager_id'], ['managers.tenant_id', 'managers.id'], name=op.f('fk_violations_tenant_id_manager_id_managers')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_violations'))
    )
    with op.batch_alter_table('violations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_violations_tenant_id_manager_id_occurred_on'), ['tenant_id', 'manager_id', 'occurred_on'], unique=False)

    op.create_table('appraisal_items',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('appraisal_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('article', sa.String(length=80), nullable=False),
    sa.Column('max_points', server.db.types.ScaledDecimal(precision=7, scale=2), nullable=True),
    sa.Column('score', server.db.types.ScaledDecimal(precision=7, scale=2), nullable=False),
    sa.Column('inputs', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'appraisal_id'], ['appraisals.tenant_id', 'appraisals.id'], name=op.f('fk_appraisal_items_tenant_id_appraisal_id_appraisals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'appraisal_id', 'position', name=op.f('pk_appraisal_items'))
    )
    op.create_table('blacklist_entries',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('listed', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=80), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_blacklist_entries_tenant_id_customer_id_customers')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_blacklist_entries'))
    )
    with op.batch_alter_table('blacklist_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_blacklist_entries_tenant_id_customer_id'), ['tenant_id', 'customer_id'], unique=False)

    op.create_table('customer_class_changes',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('from_class', sa.Enum('SUPPORT', 'MAINTAIN', 'RESTRICT', 'EXIT', name='from_class', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('to_class', sa.Enum('SUPPORT', 'MAINTAIN', 'RESTRICT', 'EXIT', name='to_class', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('rules', sa.JSON().with_variant(sa.JSON(none_as_null=True), 'postgresql'), nullable=False),
    sa.Column('plugin', sa.String(length=80), nullable=False),
    sa.Column('plugin_version', sa.String(length=40), nullable=False),
    sa.Column('changed_by', sa.String(length=80), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_customer_class_changes_tenant_id_customer_id_customers')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_customer_class_changes'))
    )
    with op.batch_alter_table('customer_class_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_class_changes_tenant_id_customer_id_changed_at'), ['tenant_id', 'customer_id', 'changed_at'], unique=False)

    op.create_table('loans',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('contract_no', sa.String(length=40), nullable=False),
    sa.Column('customer_id', sa.Uuid(), nullable=False),
    sa.Column('manager_id', sa.Uuid(), nullable=False),
    sa.Column('office_id', sa.Uuid(), nullable=False),
    sa.Column('product', sa.Enum('FARMER_MICRO_CREDIT', 'FARMER_GUARANTEED', 'MERCHANT_LOAN', 'CONSUMER_LOAN', 'MORTGAGE_LOAN', 'WORKING_CAPITAL', 'FIXED_ASSET', 'TRADE_FINANCE', 'ACCEPTANCE_DISCOUNT', 'OVERDRAFT', 'FACTORING', 'LETTER_OF_GUARANTEE', 'LOAN_COMMITMENT', 'LETTER_OF_CREDIT', name='product', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('principal', server.db.types.ScaledDecimal(precision=18, scale=2), nullable=False),
    sa.Column('balance', server.db.types.ScaledDecimal(precision=18, scale=2), nullable=False),
    sa.Column('annual_rate', server.db.types.ScaledDecimal(precision=9, scale=6), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('matures_on', sa.Date(), nullable=False),
    sa.Column('guarantee', sa.Enum('CREDIT', 'GUARANTEE', 'MORTGAGE', 'PLEDGE', name='guarantee', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('risk_class', sa.Enum('NORMAL', 'SPECIAL_MENTION', 'SUBSTANDARD', 'DOUBTFUL', 'LOSS', name='risk_class', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('days_overdue', sa.Integer(), nullable=False),
    sa.Column('is_extension', sa.Boolean(), nullable=False),
    sa.Column('is_refinancing', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('balance >= 0 AND balance <= principal', name=op.f('ck_loans_balance_range')),
    sa.CheckConstraint('days_overdue >= 0', name=op.f('ck_loans_days_overdue')),
    sa.CheckConstraint('matures_on >= issued_on', name=op.f('ck_loans_term')),
    sa.CheckConstraint('principal > 0', name=op.f('ck_loans_principal_positive')),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_loans_tenant_id_customer_id_customers')),
    sa.ForeignKeyConstraint(['tenant_id', 'manager_id'], ['managers.tenant_id', 'managers.id'], name=op.f('fk_loans_tenant_id_manager_id_managers')),
    sa.ForeignKeyConstraint(['tenant_id', 'office_id'], ['offices.tenant_id', 'offices.id'], name=op.f('fk_loans_tenant_id_office_id_offices')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.tenant_id'], name=op.f('fk_loans_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_loans')),
    sa.UniqueConstraint('tenant_id', 'contract_no', name=op.f('uq_loans_tenant_id_contract_no'))
    )
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loans_tenant_id_customer_id'), ['tenant_id', 'customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_loans_tenant_id_manager_id_risk_class'), ['tenant_id', 'manager_id', 'risk_class'], unique=False)
        batch_op.create_index(batch_op.f('ix_loans_tenant_id_matures_on'), ['tenant_id', 'matures_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_loans_tenant_id_office_id'), ['tenant_id', 'office_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loans_tenant_id_office_id'))
        batch_op.drop_index(batch_op.f('ix_loans_tenant_id_matures_on'))
        batch_op.drop_index(batch_op.f('ix_loans_tenant_id_manager_id_risk_class'))
        batch_op.drop_index(batch_op.f('ix_loans_tenant_id_customer_id'))

    op.drop_table('loans')
    with op.batch_alter_table('customer_class_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_class_changes_tenant_id_customer_id_changed_at'))

    op.drop_table('customer_class_changes')
    with op.batch_alter_table('blacklist_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_blacklist_entries_tenant_id_customer_id'))

    op.drop_table('blacklist_entries')
    op.drop_table('appraisal_items')
    with op.batch_alter_table('violations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_violations_tenant_id_manager_id_occurred_on'))

    op.drop_table('violations')
    op.drop_table('task_plans')
    with op.batch_alter_table('manager_tier_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_manager_tier_changes_tenant_id_manager_id_effective_on'))

    op.drop_table('manager_tier_changes')
    with op.batch_alter_table('inspection_findings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_findings_tenant_id_manager_id_period'))

    op.drop_table('inspection_findings')
    op.drop_table('indicator_values')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customers_tenant_id_office_id'))
        batch_op.drop_index(batch_op.f('ix_customers_tenant_id_manager_id'))
        batch_op.drop_index(batch_op.f('ix_customers_tenant_id_class_code'))

    op.drop_table('customers')
    with op.batch_alter_table('appraisals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appraisals_tenant_id_period_status'))

    op.drop_table('appraisals')
    with op.batch_alter_table('managers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_managers_tenant_id_tier_rank'))
        batch_op.drop_index(batch_op.f('ix_managers_tenant_id_status'))
        batch_op.drop_index(batch_op.f('ix_managers_tenant_id_office_id'))

    op.drop_table('managers')
    op.drop_table('tenant_policy_changes')
    op.drop_table('tenant_policies')
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offices_tenant_id_path'))
        batch_op.drop_index(batch_op.f('ix_offices_tenant_id_parent_id'))

    op.drop_table('offices')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_tenant_id_kind_cursor'))

    op.drop_table('events')
    op.drop_table('tenants')
