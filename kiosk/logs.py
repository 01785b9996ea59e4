"""Logging that never touches stderr: Textual paints the screen there.

Logs go to a file in the log folder (systemd's LogsDirectory, or the config's
log_dir), else to the journal through the syslog socket. No log line ever holds
what a client answered: only counts, ids and errors.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
SYSLOG_SOCKET = Path("/dev/log")


def setup_logging(log_dir: Path | None, *, fallback_dir: Path) -> Path | None:
    """Send every log record to a file or the journal; returns the file, if one is used."""
    directory = log_dir or _systemd_logs_directory()
    handler: logging.Handler
    log_file = None
    if directory is None and SYSLOG_SOCKET.exists():
        handler = logging.handlers.SysLogHandler(address=str(SYSLOG_SOCKET))
        handler.setFormatter(logging.Formatter("feedback-kiosk: %(levelname)s %(name)s: %(message)s"))
    else:
        directory = directory or fallback_dir
        directory.mkdir(parents=True, exist_ok=True)
        log_file = directory / "kiosk.log"
        handler = logging.handlers.RotatingFileHandler(log_file, maxBytes=1_000_000, backupCount=3)
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
