"""Calendar files and (later) the messages that carry them."""

from festival.invites.calendar import programme_calendar

__all__ = ["programme_calendar"]
