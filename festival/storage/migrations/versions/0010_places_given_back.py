"""Confirmed places given back (given up, left for another session, or erased), for the
organiser's report. Places given back before this revision were not recorded.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "places_given_back",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entries.id"],
            name=op.f("fk_places_given_back_entry_id_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_places_given_back")),
    )
    op.create_index("ix_places_given_back_entry", "places_given_back", ["entry_id"])


def downgrade() -> None:
    op.drop_index("ix_places_given_back_entry", table_name="places_given_back")
    op.drop_table("places_given_back")
