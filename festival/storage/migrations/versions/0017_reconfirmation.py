"""Reconfirmation of places: whether a place's holder was asked to confirm it, did, or let
it go to the waitlist (`registration.reconfirm`). Null: nothing asked.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("places", sa.Column("reconfirm", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("places") as batch:
        batch.drop_column("reconfirm")
