"""The one error hierarchy of festival.

    FestivalError (code = "area.reason")
     ├── ProgrammeError   a programme file is invalid; carries every Problem found
     ├── NotFound         a festival, round, session … that does not exist
     ├── Invalid          input that breaks a rule; carries field -> message
     ├── Unauthenticated  no token, or one that is unknown, revoked or expired
     ├── Forbidden        a valid token whose role or scope does not allow the action
     └── StorageUnavailable  the database cannot write now (disk full, read-only, I/O error)

Domain code raises these; the web layer maps each class once to an HTTP status (and later
to a websocket `error`), the CLI to an exit code. Stdlib only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


class FestivalError(Exception):
    """Base of every error festival raises on purpose."""

    code = "festival.error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a programme file, located as precisely as we can."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        if self.line is not None:
            return f"{self.file}:{self.line}: {self.message}"
        where = f" {self.path}:" if self.path else ""
        return f"{self.file}:{where} {self.message}"


class ProgrammeError(FestivalError):
    """A programme file has one or more problems; all of them are in `problems`."""

    code = "programme.invalid"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0, p.path, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))


class NotFound(FestivalError):
    code = "not_found"


class Invalid(FestivalError):
    """Bad input: `errors` maps each offending field to a readable message."""

    code = "invalid"

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


class Unauthenticated(FestivalError):
    code = "auth.required"


class Forbidden(FestivalError):
    code = "auth.forbidden"


class StorageUnavailable(FestivalError):
    """The database refused to write for a reason outside the request: its disk is full or
    read-only, or failing. Nothing was stored; the same request may work later."""

    code = "storage.unavailable"
    retry_after_seconds = 60
