"""The outbox's due index in the order messages are claimed: status, next attempt, id.

With the id in it, a claim reads the index in order and stops at its batch, instead of
sorting every due message on every claim (docs/benchmarks.md, "Mail: two senders on
PostgreSQL").

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.create_index("ix_outbox_due", "outbox", ["status", "next_attempt_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.create_index("ix_outbox_due", "outbox", ["status", "next_attempt_at"])
