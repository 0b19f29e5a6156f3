"""acks: announcements every family acknowledges, their escalation steps; scheduled messages

Revision ID: 0023_acks
Revises: 0021_digest
Create Date: 2026-12-07 13:20:00
"""
import sqlalchemy as sa
from alembic import op

import parta.db

revision = '0023_acks'
down_revision = '0022_polls'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
_AT = parta.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table('announcement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.Integer(), nullable=False),
    sa.Column('message_id', _ID, nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('deadline', _AT, nullable=True),
    sa.Column('created_at', _AT, nullable=False),
    sa.Column('reminded_at', _AT, nullable=True),
    sa.Column('second_asked_at', _AT, nullable=True),
    sa.Column('teacher_told_at', _AT, nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'],
                            name=op.f('fk_announcement_org_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'],
                            name=op.f('fk_announcement_chat_id_chat'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'],
                            name=op.f('fk_announcement_message_id_message'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'],
                            name=op.f('fk_announcement_author_id_user_account'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement')),
    sa.UniqueConstraint('message_id', name=op.f('uq_announcement_message_id'))
    )
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcement_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcement_chat_id'), ['chat_id'], unique=False)
        batch_op.create_index('ix_announcement_deadline', ['deadline'], unique=False)
    op.create_table('family_ack',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('announcement_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('confirmed_by', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', _AT, nullable=False),
    sa.ForeignKeyConstraint(['announcement_id'], ['announcement.id'],
                            name=op.f('fk_family_ack_announcement_id_announcement'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['child_id'], ['user_account.id'],
                            name=op.f('fk_family_ack_child_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['confirmed_by'], ['user_account.id'],
                            name=op.f('fk_family_ack_confirmed_by_user_account'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_ack')),
    sa.UniqueConstraint('announcement_id', 'child_id',
                        name=op.f('uq_family_ack_announcement_id_child_id'))
    )
    with op.batch_alter_table('family_ack', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_ack_announcement_id'), ['announcement_id'],
                              unique=False)
    op.create_table('scheduled_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('post', 'announcement', name='scheduledkind', native_enum=False,
                              length=20), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('send_at', _AT, nullable=False),
    sa.Column('status', sa.Enum('pending', 'sent', 'held', 'failed', 'cancelled',
                                name='scheduledstatus', native_enum=False, length=20),
              nullable=False),
    sa.Column('created_at', _AT, nullable=False),
    sa.Column('updated_at', _AT, nullable=False),
    sa.Column('done_at', _AT, nullable=True),
    sa.Column('message_id', _ID, nullable=True),
    sa.Column('refusal', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'],
                            name=op.f('fk_scheduled_message_org_id_organization'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'],
                            name=op.f('fk_scheduled_message_chat_id_chat'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'],
                            name=op.f('fk_scheduled_message_author_id_user_account'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'],
                            name=op.f('fk_scheduled_message_message_id_message'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_message'))
    )
    with op.batch_alter_table('scheduled_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scheduled_message_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_scheduled_message_status_send_at', ['status', 'send_at'],
                              unique=False)
        batch_op.create_index('ix_scheduled_message_chat_id_author_id', ['chat_id', 'author_id'],
                              unique=False)


def downgrade() -> None:
    op.drop_table('scheduled_message')
    op.drop_table('family_ack')
    op.drop_table('announcement')
