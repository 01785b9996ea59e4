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


def test_the_journal_gets_every_line_of_a_record_with_its_priority(tmp_path):
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
    assert "<4>WARNING kiosk.test: the outbox is 3 deep" in lines
    # journald makes each line an entry: the second line of a record keeps its level too.
    assert "<6>INFO kiosk.test: two" in lines and "<6>lines" in lines
    assert not (tmp_path / "kiosk.log").exists()


def test_a_stray_journal_variable_is_not_trusted(tmp_path):
    result = run(tmp_path, JOURNAL_STREAM="1:2")
    assert "the outbox is 3 deep" in (tmp_path / "kiosk.log").read_text()
    assert "<4>" not in result.stdout



def test_a_crash_report_says_what_and_where_but_no_message_and_no_variable():
    from kiosk.logs import crash_report

    def save(text):
        try:
            int(text)
        except ValueError as error:
            raise RuntimeError(f"could not save {text!r}") from error

    typed = "jonotin liian kauan"
    try:
        save(typed)
    except RuntimeError as error:
        report = crash_report(error)
    assert "builtins.RuntimeError" in report and "builtins.ValueError" in report  # the chain, in order
    assert report.index("RuntimeError") < report.index("ValueError")
    assert ", in save" in report and "test_logs.py" in report
    assert typed not in report and "invalid literal" not in report
