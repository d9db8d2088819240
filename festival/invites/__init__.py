"""Calendar files, invitations, the personal feed and which of them an attendee needs."""

from festival.invites.calendar import (
    ALARM_MINUTES,
    InviteItem,
    InviteTemplate,
    entry_uid,
    invite_item,
    invite_template,
    invite_uid,
    join_link,
    programme_calendar,
)
from festival.invites.feed import (
    FeedEntry,
    FeedLinks,
    day_over,
    feed_entries,
    feed_links,
    personal_calendar,
)
from festival.invites.plan import InviteAction, Sent, plan_invites
from festival.invites.store import Attending

__all__ = [
    "ALARM_MINUTES",
    "Attending",
    "FeedEntry",
    "FeedLinks",
    "InviteAction",
    "InviteItem",
    "InviteTemplate",
    "Sent",
    "day_over",
    "entry_uid",
    "feed_entries",
    "feed_links",
    "invite_item",
    "invite_template",
    "invite_uid",
    "join_link",
    "personal_calendar",
    "plan_invites",
    "programme_calendar",
]
