"""The schema, as SQLAlchemy declarative tables. Alembic migrations must match it (tested).

Programme entries (rounds, sessions, plenary blocks, items, votes and the plenary itself)
share one table: they share one id namespace per festival, and the columns that queries and
invites need (times, capacity, links, version) are real columns; the rest is in `details`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from festival.storage.types import UTCDateTime

# Stable constraint names, so migrations can refer to them on both databases.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


class FestivalRow(Base):
    __tablename__ = "festivals"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    day: Mapped[date]
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    mode: Mapped[str] = mapped_column(String(16))
    details: Mapped[dict[str, Any]]
    source: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime]


class EntryRow(Base):
    __tablename__ = "entries"
    __table_args__ = (
        UniqueConstraint("festival_id", "key", name="uq_entries_festival_key"),
        Index("ix_entries_festival_kind", "festival_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festivals.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # round | session | plenary | block | item | vote
    key: Mapped[str] = mapped_column(String(64))
    parent_key: Mapped[str | None] = mapped_column(String(64))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(500))
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    capacity: Mapped[int | None]
    seats: Mapped[int | None]
    join_url: Mapped[str] = mapped_column(String(2000))
    details: Mapped[dict[str, Any]]
    cancelled: Mapped[bool]
    # Raised on every change, so calendar invites can carry it as their SEQUENCE.
    version: Mapped[int]
    updated_at: Mapped[datetime]


class ChangeRow(Base):
    """What a programme load changed, for later calendar updates and for the organiser."""

    __tablename__ = "programme_changes"
    # The festival cache asks for a festival's last change on every request.
    __table_args__ = (Index("ix_programme_changes_festival", "festival_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festivals.id", ondelete="CASCADE"))
    entry_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    change: Mapped[str] = mapped_column(String(16))  # added | updated | cancelled | restored
    fields: Mapped[dict[str, Any]]
    version: Mapped[int]
    recorded_at: Mapped[datetime] = mapped_column(index=True)


class RegistrationRow(Base):
    """One person at one festival; the e-mail key makes a second registration impossible.

    Ids are never reused (AUTOINCREMENT on SQLite; PostgreSQL's sequences never go back): an
    erased registration's id would otherwise pass to the next person, with everything still
    keyed by it (live Q&A identity `r<id>`, outbox dedupe keys, invite states)."""

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("festival_id", "email_key", name="uq_registrations_festival_email"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festivals.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254))
    organisation: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8))
    mode: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]


class PlaceRow(Base):
    """A registration's place, or place in line, in one session; one per round."""

    __tablename__ = "places"
    __table_args__ = (
        UniqueConstraint("registration_id", "round_key", name="uq_places_registration_round"),
        # Counting and ordering a session's places per mode is the hot query.
        Index("ix_places_queue", "entry_id", "mode", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    round_key: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))  # confirmed | waitlisted
    created_at: Mapped[datetime]
    promoted_at: Mapped[datetime | None]
    # asked | done | lapsed: see `registration.reconfirm.Reconfirm`; None: nothing asked.
    reconfirm: Mapped[str | None] = mapped_column(String(8))


class GivenBackRow(Base):
    """A confirmed place its holder gave up, moved away from, or erased along with their
    registration: what the organiser's report counts as given back. Nothing says whose it
    was, so erasing a registration leaves these counts as they are."""

    __tablename__ = "places_given_back"
    __table_args__ = (Index("ix_places_given_back_entry", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    mode: Mapped[str] = mapped_column(String(8))
    given_at: Mapped[datetime]


class TokenRow(Base):
    """A bearer token, stored only as its SHA-256; the secret is shown once when made.

    Ids are never reused either: a role token's id is its holder's identity in live events
    (`moderator#<id>`)."""

    __tablename__ = "tokens"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festivals.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str | None] = mapped_column(String(500))  # channel ids, comma-separated
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # Personal links: which one of the attendee's links this is (1, then 2 after a reissue…);
    # the secret is derived from it (see festival/access/tokens.py). None for role tokens and
    # for personal links made before links were derived.
    generation: Mapped[int | None]
    # An organiser's admin token over every festival of the install, those loaded later too.
    every_festival: Mapped[bool] = mapped_column(default=False, server_default=false())


class TokenFestivalRow(Base):
    """A festival an admin token covers besides its own (`festival token create --role admin
    --festival A --festival B`)."""

    __tablename__ = "token_festivals"

    token_id: Mapped[int] = mapped_column(
        ForeignKey("tokens.id", ondelete="CASCADE"), primary_key=True
    )
    festival_id: Mapped[int] = mapped_column(
        ForeignKey("festivals.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class InstallSecretRow(Base):
    """A secret of this installation, made once, shared by every instance (never shown)."""

    __tablename__ = "install_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]


class RankingRow(Base):
    """An attendee's ranked sessions for one round, kept until the assignment places them."""

    __tablename__ = "rankings"
    __table_args__ = (
        UniqueConstraint("registration_id", "round_key", name="uq_rankings_registration_round"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    round_key: Mapped[str] = mapped_column(String(64))
    sessions: Mapped[dict[str, Any]]  # {"ranking": [session ids, best first]}


class AssignmentRunRow(Base):
    """That (and how) a round's preferences were turned into places: at most once per round."""

    __tablename__ = "assignment_runs"
    __table_args__ = (
        UniqueConstraint("festival_id", "round_key", name="uq_assignment_runs_festival_round"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festivals.id", ondelete="CASCADE"))
    round_key: Mapped[str] = mapped_column(String(64))
    seed: Mapped[str] = mapped_column(String(64))
    placed: Mapped[int]
    waitlisted: Mapped[int]
    ran_at: Mapped[datetime]


class OutboxRow(Base):
    """A message to send. Written in the same transaction as the change that causes it, so
    nothing acknowledged is lost; `dedupe_key` makes sure it is never queued twice."""

    __tablename__ = "outbox"
    # In claiming order, so that a claim reads it in order and stops at its batch.
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festivals.id", ondelete="CASCADE"))
    # SET NULL, not CASCADE, at the database; erasing a registration deletes its rows itself
    # (`erase` in registration_repo), so its name and address go with them.
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    recipient: Mapped[str] = mapped_column(String(254))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16))  # pending | sending | sent | failed
    attempts: Mapped[int]
    last_error: Mapped[str] = mapped_column(Text)
    next_attempt_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    subject: Mapped[str] = mapped_column(String(300))


class InviteStateRow(Base):
    """The last calendar message sent (queued) per attendee and item: what SEQUENCE comes next."""

    __tablename__ = "invite_states"
    __table_args__ = (
        UniqueConstraint("registration_id", "entry_key", name="uq_invite_states_reg_entry"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    entry_key: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int]
    method: Mapped[str] = mapped_column(String(8))
    version: Mapped[int]


class LiveChannelRow(Base):
    """A live channel's event counter. Locking this row serialises the channel's writers, so
    sequence numbers have no gaps and no duplicates, on one instance or many."""

    __tablename__ = "live_channels"
    __table_args__ = (
        UniqueConstraint("festival_id", "channel", name="uq_live_channels_festival_channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festivals.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(64))
    last_seq: Mapped[int]


class LiveEventRow(Base):
    """One state change of a live channel (`plenary`, a session id, or `show`), stored before
    it is broadcast; `seq` counts from 1 per channel."""

    __tablename__ = "live_events"
    __table_args__ = (
        UniqueConstraint("festival_id", "channel", "seq", name="uq_live_events_channel_seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festivals.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int]
    type: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]
    body: Mapped[dict[str, Any]]


class CalendarShiftRow(Base):
    """Times announced to calendars for an entry (the plenary) after the run-of-show moved
    it past the festival's threshold; the programme's own times stay in `entries`."""

    __tablename__ = "calendar_shifts"
    __table_args__ = (
        UniqueConstraint("festival_id", "entry_key", name="uq_calendar_shifts_festival_entry"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festivals.id", ondelete="CASCADE"))
    entry_key: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    delay_minutes: Mapped[int]
    announced_at: Mapped[datetime]


class JoinRow(Base):
    """An attendee's uses of their personal join link for one item (a session, or the
    plenary): the first and the latest. Gone with the registration."""

    __tablename__ = "joins"
    __table_args__ = (
        UniqueConstraint("registration_id", "entry_key", name="uq_joins_registration_entry"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    entry_key: Mapped[str] = mapped_column(String(64))
    first_at: Mapped[datetime]
    last_at: Mapped[datetime]


class CertificateRow(Base):
    """The verification code of an attendee's certificate of attendance: issued the first time
    the certificate is made, the same on every copy after. Gone with the registration, so an
    erased attendee's code no longer verifies."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), unique=True
    )
    code: Mapped[str] = mapped_column(String(32), unique=True)
    total_minutes: Mapped[int]
    issued_at: Mapped[datetime]


class CheckinRow(Base):
    """A registration's check-in code (kept as it is: `festival.attendance.checkin` says why)
    and the moment its holder was first checked in at the door. Gone with the registration."""

    __tablename__ = "checkins"

    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(16), unique=True)
    checked_in_at: Mapped[datetime | None]


class BallotRow(Base):
    """A ballot in an audience vote. `voter` is a keyed hash of the voter's address
    (`festival.votes.rules.voter_key`), never the address; `registration_id` is set for a
    ballot cast with a personal link, and cleared when that registration is erased (the
    ballot stays counted). A public ballot waits (`pending`) until its mailed link is followed;
    the link's secret is kept only as `confirmation` (its SHA-256). At most one ballot per
    voter and vote is pending or counted: a partial unique index, on both databases."""

    __tablename__ = "ballots"
    __table_args__ = (
        Index(
            "uq_ballots_standing",
            "festival_id",
            "vote_key",
            "voter",
            unique=True,
            sqlite_where=text("state != 'withdrawn'"),
            postgresql_where=text("state != 'withdrawn'"),
        ),
        Index("ix_ballots_vote", "festival_id", "vote_key", "state"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festivals.id", ondelete="CASCADE"))
    vote_key: Mapped[str] = mapped_column(String(64))
    voter: Mapped[str] = mapped_column(String(64))
    nominee: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))  # pending | counted | withdrawn
    cast_at: Mapped[datetime]
    counted_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL"), index=True
    )
    confirmation: Mapped[str | None] = mapped_column(String(64), unique=True)


class VoteRevealRow(Base):
    """When a host revealed a vote's result, and who: once per vote."""

    __tablename__ = "vote_reveals"
    __table_args__ = (
        UniqueConstraint("festival_id", "vote_key", name="uq_vote_reveals_festival_vote"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festivals.id", ondelete="CASCADE"))
    vote_key: Mapped[str] = mapped_column(String(64))
    revealed_at: Mapped[datetime]
    revealed_by: Mapped[str] = mapped_column(String(200))


class ProposalRow(Base):
    """A theme an attendee brought to a table round (`festival.proposals`): pending until the
    organiser accepts it (it is then also the session `proposal-{id}` among the entries) or
    declines it. When the proposer's registration is erased, a pending or declined theme goes
    with it; an accepted one stays, its `registration_id` null (its session, without a host)."""

    __tablename__ = "proposals"
    __table_args__ = (
        Index("ix_proposals_festival", "festival_id", "state"),
        Index("ix_proposals_registration", "registration_id", "created_at"),
        # Ids are never reused: a session's id is made from one.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festivals.id", ondelete="CASCADE"))
    round_key: Mapped[str] = mapped_column(String(64))
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))  # pending | accepted | declined
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
