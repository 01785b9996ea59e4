"""How syncing is going: written by the uploader, read by the staff panel (in the kiosk's
process) and, through `sync.json` in the data folder, by `kiosk status` in another process."""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from kiosk.storage import write_atomically

log = logging.getLogger(__name__)

SYNC_FILE = "sync.json"


@dataclass(frozen=True)
class SyncStatus:
    """Times are unix times."""

    last_success: float | None = None  # the last round that sent everything and was answered
    last_error: str | None = None  # None once a round succeeds again
    last_error_at: float | None = None
    auth_error: str | None = None  # the receiver refused the credentials (401/403): staff must act
    quarantined: int = 0  # envelopes the receiver rejected, kept in the quarantine folder
    bundle_refused: str | None = None  # why the last bundle offered was not taken


class SyncState:
    """A `SyncStatus` that one thread updates and others read."""

    def __init__(self, initial: SyncStatus | None = None):
        self._lock = threading.Lock()
        self._status = initial or SyncStatus()

    def snapshot(self) -> SyncStatus:
        with self._lock:
            return self._status

    def update(self, **changes: object) -> SyncStatus:
        with self._lock:
            self._status = dataclasses.replace(self._status, **changes)
            return self._status


def write_sync_status(data_dir: Path, status: SyncStatus) -> None:
    try:
        write_atomically(data_dir / SYNC_FILE, json.dumps(dataclasses.asdict(status)))
    except OSError as error:  # a full disk must not stop syncing, which frees it
        log.warning("could not write %s: %s", data_dir / SYNC_FILE, error)


def read_sync_status(data_dir: Path) -> SyncStatus | None:
    """What the uploader last wrote, or None if it never ran here."""
    try:
        data = json.loads((data_dir / SYNC_FILE).read_bytes())
        known = {field.name for field in dataclasses.fields(SyncStatus)}
        return SyncStatus(**{name: value for name, value in data.items() if name in known})
    except (OSError, ValueError, TypeError, AttributeError):
        return None
