"""Logs go to a file or the journal, never to stderr, where Textual paints the screen."""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
import logging, sys
from pathlib import Path
from kiosk.logs import setup_logging
print(setup_logging(None, fallback_dir=Path(sys.argv[1])), flush=True)
logging.getLogger("kiosk.test").warning("the outbox is %d deep", 3)
logging.getLogger("kiosk.test").info("two\\nlines")
"""


def run(tmp_path, **environment) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("LOGS_DIRECTORY", "JOURNAL_STREAM")}
    return subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True,
                          env=env | environment, check=True)


def test_a_terminal_gets_nothing_and_the_data_folder_gets_the_log(tmp_path):
    result = run(tmp_path)
    assert result.stderr == ""
    assert result.stdout.strip() == str(tmp_path / "kiosk.log")
    assert "WARNING kiosk.test: the outbox is 3 deep" in (tmp_path / "kiosk.log").read_text()


def test_systemds_log_folder_gets_a_rotating_file(tmp_path):
    logs = tmp_path / "logs"
    result = run(tmp_path, LOGS_DIRECTORY=str(logs))
    assert result.stderr == ""
    assert "the outbox is 3 deep" in (logs / "kiosk.log").read_text()
    assert not (tmp_path / "kiosk.log").exists()


def test_the_journal_gets_one_entry_per_record_with_its_priority(tmp_path):
    # Stand in for journald: stdout is a file whose device and inode JOURNAL_STREAM names.
    journal = tmp_path / "journal"
    with journal.open("w") as stdout:
        status = os.fstat(stdout.fileno())
        env = {key: value for key, value in os.environ.items() if key != "LOGS_DIRECTORY"}
        env["JOURNAL_STREAM"] = f"{status.st_dev}:{status.st_ino}"
        result = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], stdout=stdout,
                                stderr=subprocess.PIPE, text=True, env=env, check=True)
    assert result.stderr == ""
    lines = journal.read_text().splitlines()
    assert "<4>kiosk.test: the outbox is 3 deep" in lines
    assert "<6>kiosk.test: two" in lines and " lines" in lines  # a continuation, not a new entry
    assert not (tmp_path / "kiosk.log").exists()


def test_a_stray_journal_variable_is_not_trusted(tmp_path):
    result = run(tmp_path, JOURNAL_STREAM="1:2")
    assert "the outbox is 3 deep" in (tmp_path / "kiosk.log").read_text()
    assert "<4>" not in result.stdout

