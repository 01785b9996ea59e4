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
import traceback
from pathlib import Path

from kiosk.journal import JournalFormatter, is_the_journal

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


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
        handler.setFormatter(JournalFormatter())
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
    """Whether systemd connected our standard output to the journal (the screen is stderr)."""
    return is_the_journal(sys.__stdout__)


def crash_report(error: BaseException) -> str:
    """An error nothing caught, for the log: its type and where it passed, for each error in its
    chain, but neither its message nor any variable: either could hold what a client typed, or
    a PIN (`ValueError: invalid literal for int(): 'jonotin liian kauan'`)."""
    reports, seen = [], set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        frames = "".join(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}\n'
                         for frame in traceback.extract_tb(link.__traceback__))
        reports.append(f"{type(link).__module__}.{type(link).__qualname__} (message left out)\n{frames}")
        link = link.__cause__ or link.__context__
    return "caused by ".join(reports).rstrip("\n")
