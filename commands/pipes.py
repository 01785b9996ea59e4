"""When the reader of a command's output goes away (`kiosk-receiver export | head`)."""

from __future__ import annotations

import os
import sys


def reader_went_away() -> int:
    """Stop quietly, as a Unix tool does, instead of a BrokenPipeError traceback; the exit status.
    What Python still holds for standard output goes nowhere (Python's docs: "Note on SIGPIPE")."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 1
