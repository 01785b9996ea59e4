"""Errors that are the user's to fix, reported without a traceback."""

from __future__ import annotations

from pathlib import Path

EXIT_USER_ERROR = 2


class UserError(Exception):
    """A mistake in a file or an argument the user gave: shown as one line, exit status 2."""

    def __init__(self, problem: str, *, file: Path | str | None = None, key: str | None = None):
        self.problem = problem
        self.file = str(file) if file is not None else None
        self.key = key
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [part for part in (self.file, self.key) if part]
        return ": ".join([*where, self.problem])
