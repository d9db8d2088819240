"""Whether an attendee acting over a live connection still may: checked in the action's own
transaction, for a whole group of actions at once.

A connection checks the attendee's personal link when it opens; an erasure or a new link
(which revokes the old) may come while it stays open, and then its next question or vote
must be refused, or an erased name would come back with it. Reading the token and the
registration again before every action cost more than the action itself, so the group commit
(`ChannelStates`) reads, with one query for the group, which of the acting links are still
valid and where their registrations hold a confirmed place (`storage.token_repo.standing_of`).
That read is inside the transaction that stores the actions, so it is exact on every
instance, whatever the bus told it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from festival.errors import FestivalError, Unauthenticated
from festival.qa.channels import QaChannelInfo, may_ask, not_attending
from festival.storage.token_repo import Standing


@dataclass(frozen=True)
class Acting:
    """An attendee's action to check: their link's token, the moment of the action, and for a
    question the channel it is asked in."""

    token_id: int
    at: datetime
    asks_in: QaChannelInfo | None = None

    def refusal(self, standing: Standing | None) -> FestivalError | None:
        """Why the action is refused, given what the store holds of the token now (None:
        no valid token of a registration that still exists); None when it may go ahead."""
        if standing is None or (standing.expires_at is not None and standing.expires_at <= self.at):
            return Unauthenticated(
                "this personal link is revoked or expired, or its registration no longer exists",
                code="auth.invalid",
            )
        if self.asks_in is not None and not may_ask(self.asks_in, standing.confirmed):
            return not_attending(self.asks_in)
        return None
