"""personal data (152-ФЗ): the consent ledger and its current state, data exports, deletion
requests; a person's row remembers when their data was deleted

Revision ID: 0012_personal_data
Revises: 0011_enrolment_consent
Create Date: 2026-12-07 03:06:05.041291
"""
import sqlalchemy as sa
from alembic import op

import parta.db

revision = '0012_personal_data'
down_revision = '0011_enrolment_consent'
branch_labels = None
depends_on = None

ACTIVE = "state IN ('pending', 'running')"  # one export, one deletion in progress per person


def upgrade() -> None:
    op.create_table('data_export',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('pending', 'running', 'done', 'failed', 'cancelled', name='jobstate', native_enum=False, length=20), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('files', sa.Integer(), nullable=False),
    sa.Column('files_left_out', sa.Integer(), nullable=False),
    sa.Column('created_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_data_export_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_export'))
    )
    with op.batch_alter_table('data_export', schema=None) as batch_op:
        batch_op.create_index('ix_data_export_state', ['state'], unique=False)
        batch_op.create_index('ix_data_export_user_id_id', ['user_id', 'id'], unique=False)
        batch_op.create_index('uq_data_export_user_active', ['user_id'], unique=True,
                              sqlite_where=sa.text(ACTIVE), postgresql_where=sa.text(ACTIVE))

    op.create_table('deletion_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Enum('own', 'parent', 'retention', 'school', name='deletionreason', native_enum=False, length=20), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.Enum('pending', 'running', 'done', 'failed', 'cancelled', name='jobstate', native_enum=False, length=20), nullable=False),
    sa.Column('created_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_deletion_request_org_id_organization'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['requested_by'], ['user_account.id'], name=op.f('fk_deletion_request_requested_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_deletion_request_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deletion_request'))
    )
    with op.batch_alter_table('deletion_request', schema=None) as batch_op:
        batch_op.create_index('ix_deletion_request_state_due', ['state', 'due_at'], unique=False)
        batch_op.create_index('ix_deletion_request_user_id', ['user_id'], unique=False)
        batch_op.create_index('uq_deletion_request_user_active', ['user_id'], unique=True,
                              sqlite_where=sa.text(ACTIVE), postgresql_where=sa.text(ACTIVE))

    op.create_table('consent_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('processing', 'chats', 'photos', 'calls', name='purpose', native_enum=False, length=20), nullable=False),
    sa.Column('status', sa.Enum('given', 'withdrawn', name='consentstatus', native_enum=False, length=20), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('parent_name', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.Enum('app', 'paper', name='consentchannel', native_enum=False, length=10), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('document_version', sa.String(length=40), nullable=False),
    sa.Column('document_hash', sa.String(length=64), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['user_account.id'], name=op.f('fk_consent_record_child_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_consent_record_org_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['user_account.id'], name=op.f('fk_consent_record_parent_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recorded_by'], ['user_account.id'], name=op.f('fk_consent_record_recorded_by_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_record'))
    )
    with op.batch_alter_table('consent_record', schema=None) as batch_op:
        batch_op.create_index('ix_consent_record_org_child', ['org_id', 'child_id', 'id'], unique=False)

    op.create_table('consent_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('processing', 'chats', 'photos', 'calls', name='purpose', native_enum=False, length=20), nullable=False),
    sa.Column('status', sa.Enum('given', 'withdrawn', name='consentstatus', native_enum=False, length=20), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['user_account.id'], name=op.f('fk_consent_state_child_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_consent_state_org_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['record_id'], ['consent_record.id'], name=op.f('fk_consent_state_record_id_consent_record'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_state')),
    sa.UniqueConstraint('org_id', 'child_id', 'purpose', name=op.f('uq_consent_state_org_id_child_id_purpose'))
    )
    with op.batch_alter_table('consent_state', schema=None) as batch_op:
        batch_op.create_index('ix_consent_state_child_status', ['child_id', 'status'], unique=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', parta.db.UTCDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')

    with op.batch_alter_table('consent_state', schema=None) as batch_op:
        batch_op.drop_index('ix_consent_state_child_status')

    op.drop_table('consent_state')
    with op.batch_alter_table('consent_record', schema=None) as batch_op:
        batch_op.drop_index('ix_consent_record_org_child')

    op.drop_table('consent_record')
    with op.batch_alter_table('deletion_request', schema=None) as batch_op:
        batch_op.drop_index('uq_deletion_request_user_active')
        batch_op.drop_index('ix_deletion_request_user_id')
        batch_op.drop_index('ix_deletion_request_state_due')

    op.drop_table('deletion_request')
    with op.batch_alter_table('data_export', schema=None) as batch_op:
        batch_op.drop_index('uq_data_export_user_active')
        batch_op.drop_index('ix_data_export_user_id_id')
        batch_op.drop_index('ix_data_export_state')

    op.drop_table('data_export')
