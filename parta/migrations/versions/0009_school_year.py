"""school year: reconciliations of the roster, year rollovers

Revision ID: 0009_school_year
Revises: 0008_moderation
Create Date: 2026-11-22 12:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

import parta.db

revision = '0009_school_year'
down_revision = '0008_moderation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reconciliation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('marked_by', sa.Integer(), nullable=True),
    sa.Column('roster_import_id', sa.Integer(), nullable=True),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['marked_by'], ['user_account.id'], name=op.f('fk_reconciliation_marked_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_reconciliation_org_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['roster_import_id'], ['roster_import.id'], name=op.f('fk_reconciliation_roster_import_id_roster_import'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation'))
    )
    with op.batch_alter_table('reconciliation', schema=None) as batch_op:
        batch_op.create_index('ix_reconciliation_org_id_id', ['org_id', 'id'], unique=False)

    op.create_table('year_rollover',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('preview', 'applied', 'discarded', name='rolloverstatus', native_enum=False, length=20), nullable=False),
    sa.Column('final_grade', sa.Integer(), nullable=True),
    sa.Column('decisions', sa.JSON(), nullable=False),
    sa.Column('plan', sa.JSON(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('applied_by', sa.Integer(), nullable=True),
    sa.Column('created_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('applied_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['applied_by'], ['user_account.id'], name=op.f('fk_year_rollover_applied_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('fk_year_rollover_created_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_year_rollover_org_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_year_rollover'))
    )
    with op.batch_alter_table('year_rollover', schema=None) as batch_op:
        batch_op.create_index('ix_year_rollover_org_id_id', ['org_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('year_rollover', schema=None) as batch_op:
        batch_op.drop_index('ix_year_rollover_org_id_id')
    op.drop_table('year_rollover')
    with op.batch_alter_table('reconciliation', schema=None) as batch_op:
        batch_op.drop_index('ix_reconciliation_org_id_id')
    op.drop_table('reconciliation')
