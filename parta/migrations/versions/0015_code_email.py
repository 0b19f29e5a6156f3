"""code e-mail: a parent confirms the address a young child's sign-in codes go to (R10)

Revision ID: 0015_code_email
Revises: 0014_support_lines
Create Date: 2026-12-07 07:20:00
"""
import sqlalchemy as sa
from alembic import op

import parta.db

revision = '0015_code_email'
down_revision = '0014_support_lines'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('code_email_confirmation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('code_hash', sa.String(length=128), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['child_id'], ['user_account.id'], name=op.f('fk_code_email_confirmation_child_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['user_account.id'], name=op.f('fk_code_email_confirmation_parent_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_code_email_confirmation'))
    )
    with op.batch_alter_table('code_email_confirmation') as batch:
        batch.create_index('ix_code_email_confirmation_parent_id', ['parent_id'], unique=False)


def downgrade() -> None:
    op.drop_table('code_email_confirmation')
