"""Who may do what: personal and role tokens, their scopes, and the checks on them."""

from festival.access.tokens import (
    ROLES,
    Grant,
    Role,
    hash_token,
    new_token,
)

__all__ = ["ROLES", "Grant", "Role", "hash_token", "new_token"]
