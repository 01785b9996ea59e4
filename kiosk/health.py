"""The running kiosk's health, in a small file that `kiosk status` and staff tools read.

The file is made once at full size and then overwritten in place: rewriting blocks a
file already owns needs no free space, so a kiosk whose disk is full can still say so.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

HEALTH_FILE = "health.json"
SIZE = 4096


@dataclass(frozen=True)
class Health:
    pid: int
    updated: float  # unix time
    unsaved: int = 0  # sealed envelopes held in memory because the disk refused them
    last_write_error: str | None = None
    last_write_error_at: float | None = None


def write_health(directory: Path, health: Health) -> None:
    data = json.dumps(asdict(health)).encode()
    if len(data) > SIZE:
        data = json.dumps(asdict(health) | {"last_write_error": health.last_write_error[:200]}).encode()
    path = directory / HEALTH_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        if os.fstat(fd).st_size < SIZE:
            os.pwrite(fd, b" " * SIZE, 0)
        os.pwrite(fd, data.ljust(SIZE), 0)
        os.fsync(fd)
    finally:
        os.close(fd)


def read_health(directory: Path) -> Health | None:
    """The last health the kiosk wrote, or None if it never ran here (or is mid-write)."""
    try:
        data = json.loads((directory / HEALTH_FILE).read_bytes())
        return Health(**data)
    except (OSError, ValueError, TypeError):
        return None
