"""Envelopes the receiver rejected for good: kept, counted, never silently deleted.

A rejected envelope cannot be stored however often it is sent (it names an unknown key,
it was damaged on disk, ...), so it leaves the outbox, where it would be sent forever,
for a file of its own here, with the receiver's reason, for the provider to look into;
`kiosk status` counts them. Like the outbox, it holds only sealed envelopes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from pathlib import Path
from typing import Any

from kiosk.storage import fsync_folder, write_atomically

QUARANTINE_FOLDER = "quarantine"
_SAFE_NAME = re.compile(r"[A-Za-z0-9-]{1,64}")
_SUFFIX = ".json"


class Quarantine:
    def __init__(self, data_dir: Path):
        self.directory = data_dir / QUARANTINE_FOLDER

    def add(self, envelope: dict[str, Any], reason: str) -> None:
        """Keep `envelope` (durably, when this returns) with the receiver's reason. The same
        envelope added twice (after a crash between this and the outbox's removal) is kept once."""
        if not self.directory.is_dir():
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            fsync_folder(self.directory.parent)
        entry = {"reason": reason, "quarantined_at": int(time.time()), "envelope": envelope}
        write_atomically(self.directory / f"{_file_name(envelope.get('id'))}{_SUFFIX}", json.dumps(entry))

    def count(self) -> int:
        try:
            return sum(1 for name in os.listdir(self.directory) if name.endswith(_SUFFIX) and not name.startswith("."))
        except FileNotFoundError:
            return 0


def _file_name(envelope_id: object) -> str:
    """The envelope's id, if it is a safe file name (ours are UUIDs); else a digest of it."""
    if isinstance(envelope_id, str) and _SAFE_NAME.fullmatch(envelope_id):
        return envelope_id
    return "id-" + hashlib.sha256(repr(envelope_id).encode()).hexdigest()[:32]
