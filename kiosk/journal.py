"""Log lines for systemd's journal, with their level: for `kiosk-receiver serve` (and the kiosk).

When systemd connects a service's output to the journal it says so in JOURNAL_STREAM. A line
that starts with a syslog `<priority>` is stored at that level (SyslogLevelPrefix=yes, the
default), so that `journalctl -p warning` finds the warnings; the journal keeps the time.
"""

from __future__ import annotations

import logging
import os
from typing import TextIO

# syslog(3) priorities, by logging's levels.
PRIORITIES = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3, logging.CRITICAL: 2}
JOURNAL_FORMAT = "%(levelname)s %(name)s: %(message)s"


class JournalFormatter(logging.Formatter):
    """Every line of a record (a traceback's too) with the record's priority: journald reads the
    stream line by line."""

    def __init__(self, fmt: str = JOURNAL_FORMAT):
        super().__init__(fmt)

    def format(self, record: logging.LogRecord) -> str:
        prefix = f"<{PRIORITIES.get(record.levelno, 6)}>"
        return "\n".join(prefix + line for line in super().format(record).splitlines())


def is_the_journal(stream: TextIO) -> bool:
    """JOURNAL_STREAM names the journal's socket as "device:inode"; it must be `stream` itself
    (a child of the service whose output was redirected would see the variable too)."""
    try:
        device, inode = (int(part) for part in os.environ.get("JOURNAL_STREAM", "").split(":"))
        status = os.fstat(stream.fileno())
    except (ValueError, OSError, AttributeError):
        return False
    return (status.st_dev, status.st_ino) == (device, inode)


def log_handler(stream: TextIO, plain_format: str) -> logging.Handler:
    """A handler writing to `stream`: for the journal when it is the journal, else `plain_format`."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JournalFormatter() if is_the_journal(stream) else logging.Formatter(plain_format))
    return handler
