"""A festival's programme changes by festival: the festival cache reads its last change on
every request, since a replaced provider link changes no entry's version.

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_programme_changes_festival", "programme_changes", ["festival_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_programme_changes_festival", table_name="programme_changes")
