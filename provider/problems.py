"""An answer other than 200, raised where the problem is found and turned into
`{"error", "detail"}` by the app (docs/protocol.md)."""

from __future__ import annotations


class Problem(Exception):
    def __init__(self, status: int, error: str, detail: str, *, retry_after: int | None = None):
        self.status = status
        self.error = error
        self.detail = detail
        self.retry_after = retry_after
        super().__init__(f"{status} {error}: {detail}")
