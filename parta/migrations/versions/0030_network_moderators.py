"""the municipality's channel takes answers (R2): its schools' administrators answer a post

The chat's post policy gains ``replies`` (the moderators post, the members answer a post); the
column is a plain string of 20 characters, so only the channels already made change.

Revision ID: 0030_network_moderators
Revises: 0029_school_week_counters
Create Date: 2026-12-07 21:10:00
"""
from alembic import op

revision = '0030_network_moderators'
down_revision = '0029_school_week_counters'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE chat SET post_policy = 'replies' WHERE post_policy = 'moderators' AND id IN "
               "(SELECT chat_id FROM network_chat WHERE kind = 'channel')")


def downgrade() -> None:
    op.execute("UPDATE chat SET post_policy = 'moderators' WHERE post_policy = 'replies'")
