"""Who may do what: personal and role tokens, their scopes, and the checks on them."""

from festival.access.tokens import (
    HOST_CHANNELS,
    ROLES,
    Grant,
    Role,
    hash_token,
    new_token,
)

__all__ = ["HOST_CHANNELS", "ROLES", "Grant", "Role", "hash_token", "new_token"]
