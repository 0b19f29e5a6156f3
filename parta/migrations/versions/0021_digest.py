"""digest: the e-mail digest's per-person mark and settings; a confirmed e-mail; a school's
quiet hours

Revision ID: 0021_digest
Revises: 0020_chat_links
Create Date: 2026-12-07 10:40:00
"""
import sqlalchemy as sa
from alembic import op

import parta.db

revision = '0021_digest'
down_revision = '0020_chat_links'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('email_digest',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('through_message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
              nullable=False),
    sa.Column('sent_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                            name=op.f('fk_email_digest_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_email_digest'))
    )
    with op.batch_alter_table('notification_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_digest', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
        batch_op.add_column(sa.Column('digest_delay_minutes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('quiet_own', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quiet_start', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('quiet_end', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=False,
                                      server_default='Europe/Moscow'))
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_confirmed_at', parta.db.UTCDateTime(timezone=True),
                                      nullable=True))
    op.create_table('email_confirmation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('code_hash', sa.String(length=128), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', parta.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                            name=op.f('fk_email_confirmation_user_id_user_account'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_confirmation'))
    )
    with op.batch_alter_table('email_confirmation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_confirmation_user_id'), ['user_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('email_confirmation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_confirmation_user_id'))
    op.drop_table('email_confirmation')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('email_confirmed_at')
    with op.batch_alter_table('notification_settings', schema=None) as batch_op:
        batch_op.drop_column('quiet_own')
        batch_op.drop_column('digest_delay_minutes')
        batch_op.drop_column('email_digest')
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
        batch_op.drop_column('quiet_end')
        batch_op.drop_column('quiet_start')
    op.drop_table('email_digest')
