"""`./dev`, the README's quick start: its set-up says one progress line, not pip's build warnings,
and shows what went wrong when a step fails."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).parent.parent
# Stands in for the venv's Python: pip's warnings on stderr, its chatter on stdout.
PIP = """#!/bin/sh
echo "  BuildBackendWarning: Editable installation." >&2
echo "WARNING: Location 'file:///x' is ignored" >&2
echo "Successfully installed things"
exit {status}
"""


@pytest.fixture
def checkout(tmp_path) -> Path:
    """./dev and a pyproject.toml, with a venv whose Python and kiosk are stand-ins."""
    shutil.copy(REPOSITORY / "dev", tmp_path / "dev")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    kiosk = tmp_path / ".venv" / "bin" / "kiosk"
    kiosk.write_text('#!/bin/sh\necho "kiosk $*"\n')
    kiosk.chmod(0o755)
    return tmp_path


def dev_demo(checkout: Path, pip_status: int) -> subprocess.CompletedProcess:
    python = checkout / ".venv" / "bin" / "python"
    python.write_text(PIP.format(status=pip_status))
    python.chmod(0o755)
    return subprocess.run([checkout / "dev", "demo"], capture_output=True, text=True, timeout=60)


def test_the_first_set_up_says_one_line_and_none_of_pips_warnings(checkout):
    result = dev_demo(checkout, 0)
    assert result.returncode == 0 and result.stderr == ""
    progress, started = result.stdout.splitlines()
    assert progress.startswith("Setting up the kiosk in .venv")
    assert started == "kiosk demo"
    assert dev_demo(checkout, 0).stdout == "kiosk demo\n"  # set up once


def test_a_set_up_that_fails_shows_why(checkout):
    result = dev_demo(checkout, 1)
    assert result.returncode != 0
    assert "Successfully installed things" in result.stderr and "BuildBackendWarning" in result.stderr
    assert "dev: this failed: .venv/bin/python -m pip install" in result.stderr
    assert "kiosk demo" not in result.stdout
