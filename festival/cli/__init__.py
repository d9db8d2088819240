"""The `festival` command: thin wrappers that build Settings and call the domain or the app.

Every flag can also be given as a `FESTIVAL_*` environment variable (see the README). One
module a group of commands; importing them registers the commands on `main`.
"""

from festival.cli import exports, mail, programme, tokens
from festival.cli.common import main

__all__ = ["exports", "mail", "main", "programme", "tokens"]
