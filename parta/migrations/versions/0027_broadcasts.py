"""broadcasts (R38): planned broadcasts, their audience classes, presenters, viewers' stays and
viewers' questions

Revision ID: 0027_broadcasts
Revises: 0021_digest
Create Date: 2026-12-07 13:22:40.598053
"""
import sqlalchemy as sa
from alembic import op

import parta.db

revision = '0027_broadcasts'
down_revision = '0026_network'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('broadcast',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('audience', sa.Enum('school', 'staff', 'classes', 'parents', name='audience', native_enum=False, length=20), nullable=False),
    sa.Column('starts_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('chat_id', sa.Integer(), nullable=True),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.Column('on_air_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('off_air_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('janus_room', sa.BigInteger(), nullable=True),
    sa.Column('room_secret', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'], name=op.f('fk_broadcast_chat_id_chat'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('fk_broadcast_created_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_broadcast_org_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broadcast'))
    )
    with op.batch_alter_table('broadcast', schema=None) as batch_op:
        batch_op.create_index('ix_broadcast_org_id_starts_at', ['org_id', 'starts_at'], unique=False)

    op.create_table('broadcast_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('broadcast_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['broadcast_id'], ['broadcast.id'], name=op.f('fk_broadcast_group_broadcast_id_broadcast'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['org_group.id'], name=op.f('fk_broadcast_group_group_id_org_group'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broadcast_group')),
    sa.UniqueConstraint('broadcast_id', 'group_id', name=op.f('uq_broadcast_group_broadcast_id_group_id'))
    )
    with op.batch_alter_table('broadcast_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_broadcast_group_group_id'), ['group_id'], unique=False)

    op.create_table('broadcast_presenter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('broadcast_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=True),
    sa.Column('janus_session', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['broadcast_id'], ['broadcast.id'], name=op.f('fk_broadcast_presenter_broadcast_id_broadcast'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_broadcast_presenter_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broadcast_presenter')),
    sa.UniqueConstraint('broadcast_id', 'user_id', name=op.f('uq_broadcast_presenter_broadcast_id_user_id'))
    )
    with op.batch_alter_table('broadcast_presenter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_broadcast_presenter_user_id'), ['user_id'], unique=False)

    op.create_table('broadcast_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('broadcast_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.String(length=500), nullable=False),
    sa.Column('asked_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'answered', 'dismissed', name='questionstatus', native_enum=False, length=20), nullable=False),
    sa.Column('answer', sa.String(length=2000), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['broadcast_id'], ['broadcast.id'], name=op.f('fk_broadcast_question_broadcast_id_broadcast'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by'], ['user_account.id'], name=op.f('fk_broadcast_question_decided_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_broadcast_question_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broadcast_question'))
    )
    with op.batch_alter_table('broadcast_question', schema=None) as batch_op:
        batch_op.create_index('ix_broadcast_question_broadcast_id_status', ['broadcast_id', 'status'], unique=False)

    op.create_table('broadcast_viewer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('broadcast_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('joined_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('left_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('janus_session', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['broadcast_id'], ['broadcast.id'], name=op.f('fk_broadcast_viewer_broadcast_id_broadcast'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_broadcast_viewer_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broadcast_viewer'))
    )
    with op.batch_alter_table('broadcast_viewer', schema=None) as batch_op:
        batch_op.create_index('ix_broadcast_viewer_broadcast_id_user_id', ['broadcast_id', 'user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_broadcast_viewer_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('broadcast_viewer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_broadcast_viewer_user_id'))
        batch_op.drop_index('ix_broadcast_viewer_broadcast_id_user_id')

    op.drop_table('broadcast_viewer')
    with op.batch_alter_table('broadcast_question', schema=None) as batch_op:
        batch_op.drop_index('ix_broadcast_question_broadcast_id_status')

    op.drop_table('broadcast_question')
    with op.batch_alter_table('broadcast_presenter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_broadcast_presenter_user_id'))

    op.drop_table('broadcast_presenter')
    with op.batch_alter_table('broadcast_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_broadcast_group_group_id'))

    op.drop_table('broadcast_group')
    with op.batch_alter_table('broadcast', schema=None) as batch_op:
        batch_op.drop_index('ix_broadcast_org_id_starts_at')

    op.drop_table('broadcast')
