"""Registration and token ids are never reused (SQLite AUTOINCREMENT).

Without AUTOINCREMENT SQLite hands out max(id) + 1, so erasing the newest registration gave
its id to the next person, who then inherited everything still keyed by it. SQLite can only
add AUTOINCREMENT by rebuilding the table (batch mode); `Database.migrate` runs migrations with
foreign keys off, so dropping the old table does not cascade into places, tokens or outbox.

The counter starts above every id the database still mentions, erased ones included: outbox
payloads and live events (`r<id>`) of registrations erased before this migration.
PostgreSQL's sequences never reuse a value: nothing to do there.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_HIGHEST_REGISTRATION = """
SELECT max(n) FROM (
    SELECT max(id) AS n FROM registrations
    UNION ALL SELECT max(registration_id) FROM outbox
    UNION ALL SELECT max(CAST(json_extract(payload, '$.registration_id') AS INTEGER)) FROM outbox
    UNION ALL SELECT max(registration_id) FROM tokens
    UNION ALL SELECT max(CAST(substr(actor, 2) AS INTEGER)) FROM live_events
        WHERE actor GLOB 'r[0-9]*'
)
"""


def _rebuild(table: str, autoincrement: bool) -> None:
    with op.batch_alter_table(
        table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
    ):
        pass


def _start_counter(table: str, highest: int) -> None:
    op.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = :t").bindparams(t=table))
    op.execute(
        sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :n)").bindparams(
            t=table, n=highest
        )
    )


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    highest = bind.execute(sa.text(_HIGHEST_REGISTRATION)).scalar() or 0
    highest_token = bind.execute(sa.text("SELECT max(id) FROM tokens")).scalar() or 0
    _rebuild("registrations", True)
    _rebuild("tokens", True)
    _start_counter("registrations", int(highest))
    _start_counter("tokens", int(highest_token))


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _rebuild("tokens", False)
    _rebuild("registrations", False)
