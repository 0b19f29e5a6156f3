"""message search: FTS5 of stems on SQLite, a russian tsvector index on PostgreSQL

Revision ID: 0005_message_search
Revises: 0004_attachments
"""
from alembic import op

revision = '0005_message_search'
down_revision = '0004_attachments'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE message_search USING fts5(stems, tokenize='unicode61')")
    else:
        op.execute("CREATE INDEX ix_message_body_russian ON message "
                   "USING gin (to_tsvector('russian', body))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE message_search")
    else:
        op.execute("DROP INDEX ix_message_body_russian")
