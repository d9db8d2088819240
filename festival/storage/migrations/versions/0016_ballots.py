"""Audience votes: ballots (one pending or counted per voter and vote) and reveals.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

STANDING = sa.text("state != 'withdrawn'")


def upgrade() -> None:
    op.create_table(
        "ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("festival_id", sa.Integer(), nullable=False),
        sa.Column("vote_key", sa.String(length=64), nullable=False),
        sa.Column("voter", sa.String(length=64), nullable=False),
        sa.Column("nominee", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("cast_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("registration_id", sa.Integer(), nullable=True),
        sa.Column("confirmation", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["festival_id"],
            ["festivals.id"],
            name=op.f("fk_ballots_festival_id_festivals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_ballots_registration_id_registrations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ballots")),
        sa.UniqueConstraint("confirmation", name=op.f("uq_ballots_confirmation")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "uq_ballots_standing",
        "ballots",
        ["festival_id", "vote_key", "voter"],
        unique=True,
        sqlite_where=STANDING,
        postgresql_where=STANDING,
    )
    op.create_index("ix_ballots_vote", "ballots", ["festival_id", "vote_key", "state"])
    op.create_index(
        op.f("ix_ballots_registration_id"), "ballots", ["registration_id"], unique=False
    )
    op.create_table(
        "vote_reveals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("festival_id", sa.Integer(), nullable=False),
        sa.Column("vote_key", sa.String(length=64), nullable=False),
        sa.Column("revealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revealed_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["festival_id"],
            ["festivals.id"],
            name=op.f("fk_vote_reveals_festival_id_festivals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vote_reveals")),
        sa.UniqueConstraint("festival_id", "vote_key", name="uq_vote_reveals_festival_vote"),
    )


def downgrade() -> None:
    op.drop_table("vote_reveals")
    op.drop_index(op.f("ix_ballots_registration_id"), table_name="ballots")
    op.drop_index("ix_ballots_vote", table_name="ballots")
    op.drop_index("uq_ballots_standing", table_name="ballots")
    op.drop_table("ballots")
