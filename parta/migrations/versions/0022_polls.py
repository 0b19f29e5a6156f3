"""polls: a poll kept with its message, its options, each person's ballot and choices

Revision ID: 0022_polls
Revises: 0021_digest
Create Date: 2026-12-07 13:20:00
"""
import sqlalchemy as sa
from alembic import op

import parta.db

revision = '0022_polls'
down_revision = '0021_digest'
branch_labels = None
depends_on = None


def _stream_id() -> sa.types.TypeEngine:
    return sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('poll',
    sa.Column('message_id', _stream_id(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('question', sa.String(length=300), nullable=False),
    sa.Column('multiple', sa.Boolean(), nullable=False),
    sa.Column('free_text', sa.Boolean(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('results', sa.Enum('always', 'after_voting', 'after_closing', name='pollresults',
                                 native_enum=False, length=20), nullable=False),
    sa.Column('closes_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('reminded_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'],
                            name=op.f('fk_poll_message_id_message'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'],
                            name=op.f('fk_poll_org_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'],
                            name=op.f('fk_poll_chat_id_chat'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'],
                            name=op.f('fk_poll_created_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['closed_by'], ['user_account.id'],
                            name=op.f('fk_poll_closed_by_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('message_id', name=op.f('pk_poll'))
    )
    op.create_index('ix_poll_chat_id', 'poll', ['chat_id'], unique=False)
    op.create_index(op.f('ix_poll_org_id'), 'poll', ['org_id'], unique=False)
    op.create_table('poll_option',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', _stream_id(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['poll.message_id'],
                            name=op.f('fk_poll_option_poll_id_poll'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_option')),
    sa.UniqueConstraint('poll_id', 'position', name=op.f('uq_poll_option_poll_id_position'))
    )
    op.create_table('poll_ballot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', _stream_id(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=True),
    sa.Column('voted_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['poll.message_id'],
                            name=op.f('fk_poll_ballot_poll_id_poll'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                            name=op.f('fk_poll_ballot_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_ballot')),
    sa.UniqueConstraint('poll_id', 'user_id', name=op.f('uq_poll_ballot_poll_id_user_id'))
    )
    op.create_table('poll_choice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ballot_id', sa.Integer(), nullable=False),
    sa.Column('poll_id', _stream_id(), nullable=False),
    sa.Column('option_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ballot_id'], ['poll_ballot.id'],
                            name=op.f('fk_poll_choice_ballot_id_poll_ballot'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['poll_id'], ['poll.message_id'],
                            name=op.f('fk_poll_choice_poll_id_poll'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['option_id'], ['poll_option.id'],
                            name=op.f('fk_poll_choice_option_id_poll_option'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_choice')),
    sa.UniqueConstraint('ballot_id', 'option_id', name=op.f('uq_poll_choice_ballot_id_option_id'))
    )
    op.create_index('ix_poll_choice_poll_id_option_id', 'poll_choice', ['poll_id', 'option_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_poll_choice_poll_id_option_id', table_name='poll_choice')
    op.drop_table('poll_choice')
    op.drop_table('poll_ballot')
    op.drop_table('poll_option')
    op.drop_index(op.f('ix_poll_org_id'), table_name='poll')
    op.drop_index('ix_poll_chat_id', table_name='poll')
    op.drop_table('poll')
