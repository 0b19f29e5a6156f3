"""roster: imports, people from the school's records, movement

Revision ID: 0007_roster
Revises: 0006_message_views
Create Date: 2026-11-22 10:30:00.000000
"""
import sqlalchemy as sa
from alembic import op

import parta.db

revision = '0007_roster'
down_revision = '0006_message_views'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('roster_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.Enum('preview', 'applying', 'applied', 'failed', 'discarded', name='importstatus', native_enum=False, length=20), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('applied_by', sa.Integer(), nullable=True),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('plan', sa.JSON(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('resolved', sa.JSON(), nullable=False),
    sa.Column('valid_rows_only', sa.Boolean(), nullable=False),
    sa.Column('progress_done', sa.Integer(), nullable=False),
    sa.Column('progress_total', sa.Integer(), nullable=False),
    sa.Column('failure', sa.String(length=500), nullable=False),
    sa.Column('created_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('applied_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['applied_by'], ['user_account.id'], name=op.f('fk_roster_import_applied_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('fk_roster_import_created_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_roster_import_org_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_import'))
    )
    with op.batch_alter_table('roster_import', schema=None) as batch_op:
        batch_op.create_index('ix_roster_import_org_id_id', ['org_id', 'id'], unique=False)

    op.create_table('roster_person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.String(length=200), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name_key', sa.String(length=300), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('last_import_id', sa.Integer(), nullable=True),
    sa.Column('departed_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['last_import_id'], ['roster_import.id'], name=op.f('fk_roster_person_last_import_id_roster_import'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_roster_person_org_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_roster_person_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_person')),
    sa.UniqueConstraint('org_id', 'source_id', name=op.f('uq_roster_person_org_id_source_id')),
    sa.UniqueConstraint('org_id', 'user_id', name=op.f('uq_roster_person_org_id_user_id'))
    )
    with op.batch_alter_table('roster_person', schema=None) as batch_op:
        batch_op.create_index('ix_roster_person_org_id_name_key', ['org_id', 'name_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_person_user_id'), ['user_id'], unique=False)

    op.create_table('movement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('arrival', 'departure', 'transfer', 'hire', 'leave', name='movementkind', native_enum=False, length=20), nullable=False),
    sa.Column('status', sa.Enum('proposed', 'recorded', 'refused', name='movementstatus', native_enum=False, length=20), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('from_group_id', sa.Integer(), nullable=True),
    sa.Column('to_group_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('proposed_by', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('created_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['decided_by'], ['user_account.id'], name=op.f('fk_movement_decided_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['from_group_id'], ['org_group.id'], name=op.f('fk_movement_from_group_id_org_group'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['import_id'], ['roster_import.id'], name=op.f('fk_movement_import_id_roster_import'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_movement_org_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposed_by'], ['user_account.id'], name=op.f('fk_movement_proposed_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['to_group_id'], ['org_group.id'], name=op.f('fk_movement_to_group_id_org_group'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_movement_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_movement'))
    )
    with op.batch_alter_table('movement', schema=None) as batch_op:
        batch_op.create_index('ix_movement_org_id_id', ['org_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_movement_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('movement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_movement_user_id'))
        batch_op.drop_index('ix_movement_org_id_id')
    op.drop_table('movement')
    with op.batch_alter_table('roster_person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_person_user_id'))
        batch_op.drop_index('ix_roster_person_org_id_name_key')
    op.drop_table('roster_person')
    with op.batch_alter_table('roster_import', schema=None) as batch_op:
        batch_op.drop_index('ix_roster_import_org_id_id')
    op.drop_table('roster_import')
