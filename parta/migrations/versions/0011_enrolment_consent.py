"""enrolment consent: a school offers a place to a phone's owner, who accepts or declines it

Revision ID: 0011_enrolment_consent
Revises: 0010_event_fanout
Create Date: 2026-12-07 03:30:00
"""
import sqlalchemy as sa
from alembic import op

import parta.db

revision = '0011_enrolment_consent'
down_revision = '0010_event_fanout'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('enrolment_offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('operator', 'municipal_admin', 'org_admin', 'administration', 'teacher', 'student', 'parent', name='role', native_enum=False, length=20), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.String(length=200), nullable=False),
    sa.Column('child_ids', sa.JSON(), nullable=False),
    sa.Column('movement_id', sa.Integer(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'accepted', 'declined', 'withdrawn', name='offerstatus', native_enum=False, length=20), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('fk_enrolment_offer_created_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['group_id'], ['org_group.id'], name=op.f('fk_enrolment_offer_group_id_org_group'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['import_id'], ['roster_import.id'], name=op.f('fk_enrolment_offer_import_id_roster_import'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['movement_id'], ['movement.id'], name=op.f('fk_enrolment_offer_movement_id_movement'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_enrolment_offer_org_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_enrolment_offer_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolment_offer'))
    )
    with op.batch_alter_table('enrolment_offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolment_offer_movement_id'), ['movement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolment_offer_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolment_offer_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('enrolment_offer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolment_offer_user_id'))
        batch_op.drop_index(batch_op.f('ix_enrolment_offer_org_id'))
        batch_op.drop_index(batch_op.f('ix_enrolment_offer_movement_id'))
    op.drop_table('enrolment_offer')
