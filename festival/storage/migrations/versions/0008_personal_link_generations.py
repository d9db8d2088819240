"""Personal links derived from an install secret: one per attendee, reissued on request.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "install_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_install_secrets")),
    )
    # Tokens made before this have none: their secrets were random and cannot be made again.
    op.add_column("tokens", sa.Column("generation", sa.Integer(), nullable=True))


def downgrade() -> None:
    # Keep the AUTOINCREMENT of 0007 when SQLite rebuilds the table (ids never reused).
    with op.batch_alter_table("tokens", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_column("generation")
    op.drop_table("install_secrets")
