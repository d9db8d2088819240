"""Organiser tokens: an admin token may cover several festivals, or every one.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "tokens",
        sa.Column("every_festival", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table(
        "token_festivals",
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("festival_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["tokens.id"],
            name=op.f("fk_token_festivals_token_id_tokens"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["festival_id"],
            ["festivals.id"],
            name=op.f("fk_token_festivals_festival_id_festivals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_id", "festival_id", name=op.f("pk_token_festivals")),
    )
    op.create_index(
        op.f("ix_token_festivals_festival_id"), "token_festivals", ["festival_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_token_festivals_festival_id"), table_name="token_festivals")
    op.drop_table("token_festivals")
    # Keep the AUTOINCREMENT of 0007 when SQLite rebuilds the table (ids never reused).
    with op.batch_alter_table("tokens", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_column("every_festival")
