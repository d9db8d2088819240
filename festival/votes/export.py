"""A vote's audit trail as CSV (`festival export ballots VOTE_ID`): every ballot, withdrawn
and unconfirmed ones too, in the order cast, with its voter as the store keeps them (a keyed
hash, `votes.rules.voter_key`: nobody's address), times in the festival's zone."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime

from festival.programme.model import Festival
from festival.spreadsheet import safe_cell
from festival.votes.rules import Ballot

COLUMNS = ("ballot", "voter", "cast_at", "nominee", "state", "counted_at", "withdrawn_at")


def ballots_csv(festival: Festival, ballots: Iterable[Ballot]) -> str:
    def when(moment: datetime | None) -> str:
        return festival.local(moment).isoformat() if moment else ""

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for b in ballots:
        writer.writerow(
            [b.id, b.voter, when(b.cast_at), safe_cell(b.nominee), b.state, when(b.counted_at),
             when(b.withdrawn_at)]
        )  # fmt: skip
    return out.getvalue()
