"""Which calendar messages an attendee needs, from what they attend and what they were sent.

Pure and idempotent: given the items someone attends now (with the version of each item's
data) and the last invite sent per item, it returns the REQUESTs and CANCELs that bring their
calendar to the truth. Running it twice sends nothing new. SEQUENCE only ever goes up for a
UID, as RFC 5545 wants, including when someone leaves a session and comes back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from festival.invites.store import Attending

Method = Literal["REQUEST", "CANCEL"]


@dataclass(frozen=True)
class Sent:
    entry: str
    sequence: int
    method: Method
    version: int


@dataclass(frozen=True)
class InviteAction:
    entry: str
    method: Method
    sequence: int
    version: int


def plan_invites(attending: Iterable[Attending], sent: Iterable[Sent]) -> list[InviteAction]:
    last = {s.entry: s for s in sent}
    actions: list[InviteAction] = []
    wanted = {a.entry: a for a in attending}
    for entry, item in sorted(wanted.items()):
        before = last.get(entry)
        if before is None:
            actions.append(InviteAction(entry, "REQUEST", 0, item.version))
        elif before.method == "CANCEL" or before.version != item.version:
            actions.append(InviteAction(entry, "REQUEST", before.sequence + 1, item.version))
    for entry, before in sorted(last.items()):
        if entry not in wanted and before.method == "REQUEST":
            actions.append(InviteAction(entry, "CANCEL", before.sequence + 1, before.version))
    return actions
