"""An accepted theme outlives its proposer's erasure: `proposals.registration_id` may be null
and is set to null when the registration is erased (its session stays, without a host).

`Database.migrate` runs migrations with SQLite's foreign keys off, so rebuilding the table
(batch mode) cascades into nothing.

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

FK = "fk_proposals_registration_id_registrations"


def _registration_key(nullable: bool, ondelete: str) -> None:
    with op.batch_alter_table(
        "proposals", recreate="always", table_kwargs={"sqlite_autoincrement": True}
    ) as batch:
        batch.drop_constraint(FK, type_="foreignkey")
        batch.alter_column("registration_id", existing_type=sa.Integer(), nullable=nullable)
        batch.create_foreign_key(FK, "registrations", ["registration_id"], ["id"], ondelete=ondelete)


def upgrade() -> None:
    _registration_key(True, "SET NULL")


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM proposals WHERE registration_id IS NULL"))
    _registration_key(False, "CASCADE")
