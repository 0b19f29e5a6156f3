"""event fan-out: each event stored once; chat events keyed by the chat with their audience

Revision ID: 0010_event_fanout
Revises: 0009_school_year
Create Date: 2026-11-22 11:00:00

The per-recipient ``user_event`` rows become ``stream_event`` (one row per event) with
``stream_recipient`` rows; ids are kept, so clients resume where they were. Downgrading keeps
no events: every client is told to resync once.
"""
import sqlalchemy as sa
from alembic import op

import parta.db

revision = '0010_event_fanout'
down_revision = '0009_school_year'
branch_labels = None
depends_on = None

StreamId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('stream_event',
    sa.Column('id', StreamId, autoincrement=True, nullable=False),
    sa.Column('chat_id', sa.Integer(), nullable=True),
    sa.Column('type', sa.String(length=60), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('audience', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stream_event')),
    sqlite_autoincrement=True,  # ids never reused, even after pruning the newest rows
    )
    with op.batch_alter_table('stream_event', schema=None) as batch_op:
        batch_op.create_index('ix_stream_event_chat_id_id', ['chat_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stream_event_created_at'), ['created_at'], unique=False)
    op.create_table('stream_recipient',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('event_id', StreamId, nullable=False),
    sa.PrimaryKeyConstraint('user_id', 'event_id', name=op.f('pk_stream_recipient')),
    )
    op.create_table('stream_reader',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.Integer(), nullable=False),
    sa.Column('since_id', StreamId, nullable=False),
    sa.PrimaryKeyConstraint('user_id', 'chat_id', name=op.f('pk_stream_reader')),
    )
    with op.batch_alter_table('stream_reader', schema=None) as batch_op:
        batch_op.create_index('ix_stream_reader_chat_id', ['chat_id'], unique=False)

    postgres = op.get_bind().dialect.name == 'postgresql'
    body = 'payload::text' if postgres else 'payload'
    op.execute('INSERT INTO stream_event (id, chat_id, type, body, audience, created_at) '
               f'SELECT id, NULL, type, {body}, NULL, created_at FROM user_event')
    op.execute('INSERT INTO stream_recipient (user_id, event_id) SELECT user_id, id FROM user_event')
    # New ids continue above every id ever handed out, pruned ones included.
    if postgres:
        op.execute("SELECT setval(pg_get_serial_sequence('stream_event', 'id'), GREATEST("
                   "(SELECT last_value FROM user_event_id_seq), "
                   "(SELECT COALESCE(MAX(pruned_through), 0) FROM event_stream_state), "
                   "(SELECT COALESCE(MAX(id), 0) FROM stream_event), 1))")
    else:
        op.execute("DELETE FROM sqlite_sequence WHERE name = 'stream_event'")
        op.execute("INSERT INTO sqlite_sequence (name, seq) SELECT 'stream_event', MAX("
                   "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'user_event'), 0), "
                   "COALESCE((SELECT MAX(pruned_through) FROM event_stream_state), 0), "
                   "COALESCE((SELECT MAX(id) FROM stream_event), 0))")
    with op.batch_alter_table('user_event', schema=None) as batch_op:
        batch_op.drop_index('ix_user_event_user_id_id')
        batch_op.drop_index(batch_op.f('ix_user_event_created_at'))
    op.drop_table('user_event')


def downgrade() -> None:
    op.create_table('user_event',
    sa.Column('id', StreamId, autoincrement=True, nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=60), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', parta.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_event_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_event')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('user_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_event_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_user_event_user_id_id', ['user_id', 'id'], unique=False)
    # The old table cannot hold one row per event: every client resyncs once, and new ids
    # continue above the old ones.
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("SELECT setval(pg_get_serial_sequence('user_event', 'id'), GREATEST("
                   "(SELECT last_value FROM stream_event_id_seq), "
                   "(SELECT COALESCE(MAX(id), 0) FROM stream_event), 1))")
    else:
        op.execute("DELETE FROM sqlite_sequence WHERE name = 'user_event'")
        op.execute("INSERT INTO sqlite_sequence (name, seq) SELECT 'user_event', "
                   "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'stream_event'), 0)")
    op.execute('DELETE FROM event_stream_state')
    op.execute('INSERT INTO event_stream_state (id, pruned_through) '
               'SELECT 1, COALESCE(MAX(id), 0) FROM stream_event')
    with op.batch_alter_table('stream_reader', schema=None) as batch_op:
        batch_op.drop_index('ix_stream_reader_chat_id')
    op.drop_table('stream_reader')
    op.drop_table('stream_recipient')
    with op.batch_alter_table('stream_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stream_event_created_at'))
        batch_op.drop_index('ix_stream_event_chat_id_id')
    op.drop_table('stream_event')
