"""Logging that never touches stderr: Textual paints the screen there.

Where a record goes, first match wins:
- a log folder (the config's `log_dir`, or systemd's LogsDirectory): a rotating file;
- the journal, when systemd connected standard output to it (JOURNAL_STREAM): one line
  per record with a `<priority>` prefix, which journald turns into the record's level;
- else (the demo, a developer's terminal) a file in the data folder, new each start.
No log line ever holds what a client answered: only counts, ids and errors.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JOURNAL_FORMAT = "<%(priority)d>%(name)s: %(message)s"
# syslog(3) priorities, which journald reads from the prefix (SyslogLevelPrefix=yes).
PRIORITIES = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3, logging.CRITICAL: 2}


class _JournalFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        record.priority = PRIORITIES.get(record.levelno, 6)
        # One record, one journal entry: a traceback's lines stay in it.
        return super().format(record).replace("\n", "\n ")


def setup_logging(log_dir: Path | None, *, fallback_dir: Path) -> Path | None:
    """Send every log record to a file or the journal; returns the file, if one is used."""
    directory = log_dir or _systemd_logs_directory()
    log_file = None
    if directory is not None:
        from logging.handlers import RotatingFileHandler  # only here: it costs the first screen 5 ms

        directory.mkdir(parents=True, exist_ok=True)
        log_file = directory / "kiosk.log"
        handler: logging.Handler = RotatingFileHandler(log_file, maxBytes=1_000_000, backupCount=3)
        handler.setFormatter(logging.Formatter(FORMAT))
    elif stdout_is_the_journal():
        handler = logging.StreamHandler(sys.__stdout__)
        handler.setFormatter(_JournalFormatter(JOURNAL_FORMAT))
    else:
        fallback_dir.mkdir(parents=True, exist_ok=True)
        log_file = fallback_dir / "kiosk.log"
        handler = logging.FileHandler(log_file, mode="w")
        handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)
    return log_file


def _systemd_logs_directory() -> Path | None:
    value = os.environ.get("LOGS_DIRECTORY")
    return Path(value.split(":")[0]) if value else None


def stdout_is_the_journal() -> bool:
    """JOURNAL_STREAM names the journal's socket as "device:inode"; it must be our stdout itself
    (a child of the service whose stdout was redirected would see the variable too)."""
    stream = os.environ.get("JOURNAL_STREAM", "")
    try:
        device, inode = (int(part) for part in stream.split(":"))
        status = os.fstat(sys.__stdout__.fileno())
    except (ValueError, OSError, AttributeError):
        return False
    return (status.st_dev, status.st_ino) == (device, inode)
