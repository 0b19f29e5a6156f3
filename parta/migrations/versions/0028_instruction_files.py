"""instruction files (R2): files a municipal administrator sends with an instruction

Revision ID: 0028_instruction_files
Revises: 0027_broadcasts
Create Date: 2026-12-07 17:10:00
"""
import sqlalchemy as sa
from alembic import op

import parta.db

revision = '0028_instruction_files'
down_revision = '0027_broadcasts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('instruction_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('instruction_id', sa.Integer(), nullable=True),
    sa.Column('uploader_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('mime', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('thumb_key', sa.String(length=200), nullable=True),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('created_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instruction_id'], ['instruction.id'], name=op.f('fk_instruction_file_instruction_id_instruction'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_instruction_file_municipality_id_municipality'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploader_id'], ['user_account.id'], name=op.f('fk_instruction_file_uploader_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instruction_file'))
    )
    with op.batch_alter_table('instruction_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instruction_file_instruction_id'), ['instruction_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_instruction_file_municipality_id'), ['municipality_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('instruction_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instruction_file_municipality_id'))
        batch_op.drop_index(batch_op.f('ix_instruction_file_instruction_id'))

    op.drop_table('instruction_file')
