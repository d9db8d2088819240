"""Registrations: who comes to which session, capacity, waitlists and fair assignment."""

from festival.registration.model import (
    Place,
    PlaceStatus,
    Registration,
    RegistrationRequest,
    place_status,
)
from festival.registration.validation import validate_change, validate_registration

__all__ = [
    "Place",
    "PlaceStatus",
    "Registration",
    "RegistrationRequest",
    "place_status",
    "validate_change",
    "validate_registration",
]
