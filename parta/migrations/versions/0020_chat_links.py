"""chat links: invite links to one chat, and requests to join a chat (R22)

Revision ID: 0020_chat_links
Revises: 0019_callctl
Create Date: 2026-12-07 10:40:00
"""
import sqlalchemy as sa
from alembic import op

import parta.db

revision = '0020_chat_links'
down_revision = '0019_callctl'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('chat_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('requires_approval', sa.Boolean(), nullable=False),
    sa.Column('max_uses', sa.Integer(), nullable=True),
    sa.Column('uses', sa.Integer(), nullable=False),
    sa.Column('expires_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('annulled_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('annulled_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'],
                            name=op.f('fk_chat_link_org_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'], name=op.f('fk_chat_link_chat_id_chat'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'],
                            name=op.f('fk_chat_link_created_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['annulled_by'], ['user_account.id'],
                            name=op.f('fk_chat_link_annulled_by_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_link')),
    sa.UniqueConstraint('token', name=op.f('uq_chat_link_token'))
    )
    with op.batch_alter_table('chat_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_link_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chat_link_chat_id'), ['chat_id'], unique=False)

    op.create_table('chat_join_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'approved', 'denied', name='chatjoinstatus',
                                native_enum=False, length=20), nullable=False),
    sa.Column('rules_accepted_version', sa.Integer(), nullable=False),
    sa.Column('org_rules_accepted_version', sa.Integer(), nullable=True),
    sa.Column('created_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'], name=op.f('fk_chat_join_request_chat_id_chat'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                            name=op.f('fk_chat_join_request_user_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['link_id'], ['chat_link.id'],
                            name=op.f('fk_chat_join_request_link_id_chat_link'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by'], ['user_account.id'],
                            name=op.f('fk_chat_join_request_decided_by_user_account'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_join_request')),
    sa.UniqueConstraint('chat_id', 'user_id', name=op.f('uq_chat_join_request_chat_id_user_id'))
    )
    with op.batch_alter_table('chat_join_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chat_join_request_chat_id'), ['chat_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chat_join_request_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('chat_join_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_join_request_user_id'))
        batch_op.drop_index(batch_op.f('ix_chat_join_request_chat_id'))
    op.drop_table('chat_join_request')
    with op.batch_alter_table('chat_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chat_link_chat_id'))
        batch_op.drop_index(batch_op.f('ix_chat_link_org_id'))
    op.drop_table('chat_link')
