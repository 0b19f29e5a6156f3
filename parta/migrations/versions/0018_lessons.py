"""lessons: scheduled lessons and meetings in chats

Revision ID: 0018_lessons
Revises: 0017_push
Create Date: 2026-12-07 10:30:00
"""
import sqlalchemy as sa
from alembic import op

import parta.db

revision = '0018_lessons'
down_revision = '0017_push'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lesson',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('lesson', 'parents_meeting', 'teachers_council', 'consultation',
                              name='lessonkind', native_enum=False, length=20), nullable=False),
    sa.Column('starts_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by', sa.Integer(), nullable=True),
    sa.Column('reminded_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'],
                            name=op.f('fk_lesson_org_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['chat_id'], ['chat.id'],
                            name=op.f('fk_lesson_chat_id_chat'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'],
                            name=op.f('fk_lesson_created_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cancelled_by'], ['user_account.id'],
                            name=op.f('fk_lesson_cancelled_by_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lesson'))
    )
    with op.batch_alter_table('lesson', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lesson_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_lesson_chat_id_starts_at', ['chat_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_lesson_reminded_at_starts_at', ['reminded_at', 'starts_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('lesson', schema=None) as batch_op:
        batch_op.drop_index('ix_lesson_reminded_at_starts_at')
        batch_op.drop_index('ix_lesson_chat_id_starts_at')
        batch_op.drop_index(batch_op.f('ix_lesson_org_id'))
    op.drop_table('lesson')
