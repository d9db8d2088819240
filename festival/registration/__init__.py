"""Registrations: who comes to which session, capacity, waitlists and fair assignment."""

from festival.registration.model import Place, Registration, RegistrationRequest
from festival.registration.validation import validate_change, validate_registration

__all__ = [
    "Place",
    "Registration",
    "RegistrationRequest",
    "validate_change",
    "validate_registration",
]
