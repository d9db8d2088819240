"""The schema, as SQLAlchemy declarative tables. Alembic migrations must match it (tested).

Programme entries (rounds, sessions, plenary blocks, items, votes and the plenary itself)
share one table: they share one id namespace per festival, and the columns that queries and
invites need (times, capacity, links, version) are real columns; the rest is in `details`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, Index, MetaData, String, Text, UniqueConstraint
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

    id: Mapped[int] = mapped_column(primary_key=True)
    festival_id: Mapped[int] = mapped_column(ForeignKey("festivals.id", ondelete="CASCADE"))
    entry_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    change: Mapped[str] = mapped_column(String(16))  # added | updated | cancelled | restored
    fields: Mapped[dict[str, Any]]
    version: Mapped[int]
    recorded_at: Mapped[datetime] = mapped_column(index=True)
