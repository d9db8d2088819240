"""What loading a programme changed: the report `festival load` prints and invites build on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from festival.programme.model import Festival

ChangeKind = Literal["added", "updated", "cancelled", "restored"]

JOIN_LINK_FIELDS = frozenset({"join_url"})
"""The provider's link as a load's changes name it (a session's video link, the plenary's
stream), which attendees reach only through their personal join link (`/join/TOKEN/ITEM`):
no invite or mail shows it."""


def reaches_calendars(fields: Mapping[str, tuple[Any, Any]]) -> bool:
    """Whether an entry's change (field -> (old, new)) changes what its invites say, and so
    raises its version (which sends every attendee an update). A provider link replaced by
    another does not: the personal join link stays the same and leads to the new one. A link
    that comes or goes does, as the invite gains or loses its join link."""
    return any(
        name not in JOIN_LINK_FIELDS or not (old and new) for name, (old, new) in fields.items()
    )


@dataclass(frozen=True)
class EntryChange:
    key: str
    kind: str  # round | session | plenary | block | item | vote
    change: ChangeKind
    fields: dict[str, tuple[Any, Any]]  # field -> (old, new); empty for added/cancelled
    version: int


@dataclass(frozen=True)
class LoadReport:
    slug: str
    created: bool
    changes: tuple[EntryChange, ...]
    unchanged: int
    festival: Festival  # the programme as loaded

    def count(self, change: ChangeKind) -> int:
        return sum(1 for c in self.changes if c.change == change)

    def lines(self) -> list[str]:
        """Human-readable report, one line per change, then a summary line."""
        out = []
        for c in self.changes:
            detail = ""
            if c.fields:
                detail = ": " + ", ".join(
                    f"{name} {_short(old)} -> {_short(new)}"
                    for name, (old, new) in c.fields.items()
                )
            out.append(f"  {c.change:<9} {c.kind} {c.key}{detail}")
        verb = "created" if self.created else "updated"
        out.append(
            f"{self.slug}: {verb}; {self.count('added')} added, {self.count('updated')} updated, "
            f"{self.count('cancelled')} cancelled, {self.count('restored')} restored, "
            f"{self.unchanged} unchanged"
        )
        return out


def _short(value: Any) -> str:
    text = "-" if value in (None, "") else str(value)
    return text if len(text) <= 60 else text[:57] + "..."
