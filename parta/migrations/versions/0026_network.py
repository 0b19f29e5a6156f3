"""network: joint chats between schools and methodical associations (R41); the municipality's
instructions to its schools (R2)

Revision ID: 0026_network
Revises: 0021_digest
Create Date: 2026-12-07 13:10:00
"""
import sqlalchemy as sa
from alembic import op

import parta.db

revision = '0026_network'
down_revision = '0025_stats'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('network_chat',
    sa.Column('chat_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('joint', 'association', 'channel', name='networkkind', native_enum=False,
                              length=20), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=100), nullable=False),
    sa.Column('created_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'], name=op.f('fk_network_chat_chat_id_chat'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'],
                            name=op.f('fk_network_chat_municipality_id_municipality'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('chat_id', name=op.f('pk_network_chat'))
    )
    op.create_index('ix_network_chat_muni_kind', 'network_chat', ['municipality_id', 'kind'])
    op.create_table('chat_org',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('invited', 'accepted', 'declined', 'left', 'removed',
                                name='chatorgstatus', native_enum=False, length=20),
              nullable=False),
    sa.Column('invited_by', sa.Integer(), nullable=True),
    sa.Column('invited_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'], name=op.f('fk_chat_org_chat_id_chat'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'],
                            name=op.f('fk_chat_org_org_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by'], ['user_account.id'],
                            name=op.f('fk_chat_org_invited_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by'], ['user_account.id'],
                            name=op.f('fk_chat_org_decided_by_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_org')),
    sa.UniqueConstraint('chat_id', 'org_id', name=op.f('uq_chat_org_chat_id_org_id'))
    )
    op.create_index(op.f('ix_chat_org_chat_id'), 'chat_org', ['chat_id'])
    op.create_index(op.f('ix_chat_org_org_id'), 'chat_org', ['org_id'])
    op.create_table('instruction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('deadline', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'],
                            name=op.f('fk_instruction_municipality_id_municipality'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'],
                            name=op.f('fk_instruction_author_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instruction'))
    )
    op.create_index(op.f('ix_instruction_municipality_id'), 'instruction', ['municipality_id'])
    op.create_table('instruction_recipient',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instruction_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('acknowledged_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by', sa.Integer(), nullable=True),
    sa.Column('reminded_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['instruction_id'], ['instruction.id'],
                            name=op.f('fk_instruction_recipient_instruction_id_instruction'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'],
                            name=op.f('fk_instruction_recipient_org_id_organization'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['acknowledged_by'], ['user_account.id'],
                            name=op.f('fk_instruction_recipient_acknowledged_by_user_account'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instruction_recipient')),
    sa.UniqueConstraint('instruction_id', 'org_id',
                        name=op.f('uq_instruction_recipient_instruction_id_org_id'))
    )
    op.create_index(op.f('ix_instruction_recipient_instruction_id'), 'instruction_recipient',
                    ['instruction_id'])
    op.create_index(op.f('ix_instruction_recipient_org_id'), 'instruction_recipient', ['org_id'])


def downgrade() -> None:
    op.drop_table('instruction_recipient')
    op.drop_table('instruction')
    op.drop_table('chat_org')
    op.drop_index('ix_network_chat_muni_kind', table_name='network_chat')
    op.drop_table('network_chat')
