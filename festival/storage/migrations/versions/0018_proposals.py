"""Themes attendees bring to table rounds (`festival.proposals`).

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("festival_id", sa.Integer(), nullable=False),
        sa.Column("round_key", sa.String(length=64), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["festival_id"],
            ["festivals.id"],
            name=op.f("fk_proposals_festival_id_festivals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_proposals_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_proposals_festival", "proposals", ["festival_id", "state"])
    op.create_index(
        "ix_proposals_registration", "proposals", ["registration_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_proposals_registration", table_name="proposals")
    op.drop_index("ix_proposals_festival", table_name="proposals")
    op.drop_table("proposals")
