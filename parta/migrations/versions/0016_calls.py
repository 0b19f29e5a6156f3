"""calls: a call in a chat (Janus room) and who took part

Revision ID: 0016_calls
Revises: 0015_code_email
Create Date: 2026-12-07 06:23:29.775329
"""
import sqlalchemy as sa
from alembic import op

import parta.db

revision = '0016_calls'
down_revision = '0015_code_email'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.Integer(), nullable=False),
    sa.Column('live_chat_id', sa.Integer(), nullable=True),
    sa.Column('started_by', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('audio', 'video', name='callkind', native_enum=False, length=10), nullable=False),
    sa.Column('janus_room', sa.BigInteger(), nullable=False),
    sa.Column('room_secret', sa.String(length=64), nullable=False),
    sa.Column('started_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'], name=op.f('fk_call_chat_id_chat'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ended_by'], ['user_account.id'], name=op.f('fk_call_ended_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['live_chat_id'], ['chat.id'], name=op.f('fk_call_live_chat_id_chat'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_call_org_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['started_by'], ['user_account.id'], name=op.f('fk_call_started_by_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call')),
    sa.UniqueConstraint('live_chat_id', name=op.f('uq_call_live_chat_id'))
    )
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_chat_id'), ['chat_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_org_id'), ['org_id'], unique=False)

    op.create_table('call_participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('janus_session', sa.BigInteger(), nullable=True),
    sa.Column('joined_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('left_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('admitted_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('audio_mids', sa.String(length=40), server_default='', nullable=False),
    sa.Column('video_mids', sa.String(length=40), server_default='', nullable=False),
    sa.Column('muted_audio', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('muted_video', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('removed_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['call.id'], name=op.f('fk_call_participant_call_id_call'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_call_participant_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_participant'))
    )
    with op.batch_alter_table('call_participant', schema=None) as batch_op:
        batch_op.create_index('ix_call_participant_call_id_user_id', ['call_id', 'user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_participant_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('call_participant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_participant_user_id'))
        batch_op.drop_index('ix_call_participant_call_id_user_id')

    op.drop_table('call_participant')
    with op.batch_alter_table('call', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_org_id'))
        batch_op.drop_index(batch_op.f('ix_call_chat_id'))

    op.drop_table('call')
