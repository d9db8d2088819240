"""Calendar files, invitations and which of them an attendee needs."""

from festival.invites.calendar import (
    ALARM_MINUTES,
    InviteItem,
    InviteTemplate,
    entry_uid,
    invite_calendar,
    invite_item,
    invite_template,
    invite_uid,
    programme_calendar,
)
from festival.invites.plan import Attending, InviteAction, Sent, plan_invites

__all__ = [
    "ALARM_MINUTES",
    "Attending",
    "InviteAction",
    "InviteItem",
    "InviteTemplate",
    "Sent",
    "entry_uid",
    "invite_calendar",
    "invite_item",
    "invite_template",
    "invite_uid",
    "plan_invites",
    "programme_calendar",
]
