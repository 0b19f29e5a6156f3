"""stats: counters behind the director's and the municipality's statistics (R34, R39, R2)

Revision ID: 0025_stats
Revises: 0021_digest
Create Date: 2026-12-07 13:20:00

Existing messages are not counted here: ``parta stats rebuild`` recomputes the counters from
the tables (a school's history is counted in one pass over its messages' ids, authors, chats
and times — never their words).
"""
import sqlalchemy as sa
from alembic import op

import parta.db

revision = '0025_stats'
down_revision = '0024_materials'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stat_messages',
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('messages', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'],
                            name=op.f('fk_stat_messages_org_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('org_id', 'group_id', 'week', 'role', 'author_id',
                            name=op.f('pk_stat_messages'))
    )
    op.create_table('stat_replies',
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('answered', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'],
                            name=op.f('fk_stat_replies_org_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('org_id', 'week', 'group_id', 'minutes', name=op.f('pk_stat_replies'))
    )
    op.create_table('stat_open_question',
    sa.Column('chat_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('asked_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'],
                            name=op.f('fk_stat_open_question_chat_id_chat'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'],
                            name=op.f('fk_stat_open_question_org_id_organization'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('chat_id', name=op.f('pk_stat_open_question'))
    )
    with op.batch_alter_table('stat_open_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stat_open_question_org_id'), ['org_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('stat_open_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stat_open_question_org_id'))
    op.drop_table('stat_open_question')
    op.drop_table('stat_replies')
    op.drop_table('stat_messages')
