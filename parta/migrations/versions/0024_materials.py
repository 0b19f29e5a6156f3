"""materials: the library's folders, materials and their versions (R36)

Revision ID: 0024_materials
Revises: 0021_digest
Create Date: 2026-12-07 13:20:00
"""
import sqlalchemy as sa
from alembic import op

import parta.db

revision = '0024_materials'
down_revision = '0023_acks'
branch_labels = None
depends_on = None


def _by(column: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(column, sa.Integer(), nullable=True)


def upgrade() -> None:
    op.create_table('material_folder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    _by('created_by'),
    sa.Column('created_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'],
                            name=op.f('fk_material_folder_org_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['org_group.id'],
                            name=op.f('fk_material_folder_group_id_org_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['material_folder.id'],
                            name=op.f('fk_material_folder_parent_id_material_folder'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'],
                            name=op.f('fk_material_folder_created_by_user_account'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_material_folder'))
    )
    with op.batch_alter_table('material_folder', schema=None) as batch_op:
        batch_op.create_index('ix_material_folder_org_id_group_id', ['org_id', 'group_id'])
        batch_op.create_index(batch_op.f('ix_material_folder_parent_id'), ['parent_id'])
    op.create_table('material',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=100), nullable=False),
    sa.Column('folder_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('for_staff', sa.Boolean(), nullable=False),
    sa.Column('for_students', sa.Boolean(), nullable=False),
    sa.Column('for_parents', sa.Boolean(), nullable=False),
    sa.Column('verified_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    _by('verified_by'),
    _by('created_by'),
    sa.Column('created_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('current_version_id', sa.Integer(), nullable=True),
    sa.Column('search_stems', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'],
                            name=op.f('fk_material_org_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['org_group.id'],
                            name=op.f('fk_material_group_id_org_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['folder_id'], ['material_folder.id'],
                            name=op.f('fk_material_folder_id_material_folder'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['verified_by'], ['user_account.id'],
                            name=op.f('fk_material_verified_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'],
                            name=op.f('fk_material_created_by_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_material'))
    )
    with op.batch_alter_table('material', schema=None) as batch_op:
        batch_op.create_index('ix_material_org_id_group_id', ['org_id', 'group_id'])
        batch_op.create_index(batch_op.f('ix_material_folder_id'), ['folder_id'])
    op.create_table('material_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('material_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    _by('created_by'),
    sa.Column('created_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('restored_from', sa.Integer(), nullable=True),
    sa.Column('file_kind', sa.String(length=20), nullable=True),
    sa.Column('mime', sa.String(length=100), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('storage_key', sa.String(length=300), nullable=True),
    sa.Column('thumb_key', sa.String(length=300), nullable=True),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('html', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['material_id'], ['material.id'],
                            name=op.f('fk_material_version_material_id_material'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'],
                            name=op.f('fk_material_version_created_by_user_account'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_material_version')),
    sa.UniqueConstraint('material_id', 'number',
                        name=op.f('uq_material_version_material_id_number'))
    )
    with op.batch_alter_table('material_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_material_version_material_id'), ['material_id'])


def downgrade() -> None:
    op.drop_table('material_version')
    op.drop_table('material')
    op.drop_table('material_folder')
