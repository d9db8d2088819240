"""Live channels and their stored events (Q&A, and the show's timers).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "live_channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("festival_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["festival_id"],
            ["festivals.id"],
            name=op.f("fk_live_channels_festival_id_festivals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_channels")),
        sa.UniqueConstraint("festival_id", "channel", name="uq_live_channels_festival_channel"),
    )
    op.create_table(
        "live_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("festival_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["festival_id"],
            ["festivals.id"],
            name=op.f("fk_live_events_festival_id_festivals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_events")),
        sa.UniqueConstraint(
            "festival_id", "channel", "seq", name="uq_live_events_channel_seq"
        ),
    )


    # A token may now be limited to several channels, stored comma-separated.
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.alter_column(
            "channel", existing_type=sa.String(length=64), type_=sa.String(length=500)
        )


def downgrade() -> None:
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.alter_column(
            "channel", existing_type=sa.String(length=500), type_=sa.String(length=64)
        )
    op.drop_table("live_events")
    op.drop_table("live_channels")
