"""A provider's server installs `feedback-kiosk[receiver]`: the receiver and what it uses, and
none of the kiosk's app (Textual, tinydb). Installed from the project's wheel into a fresh
virtual environment, the package index giving the dependencies."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_install import project_wheel  # noqa: F401 (fixture)

KIOSK_ONLY = ("textual", "tinydb")
# Every module of the provider's side (provider.app and provider.batches among them), the
# command, and what the command imports only when one of its actions needs it.
IMPORT_EVERYTHING = ("import importlib, pkgutil, provider, commands.receiver, kiosk.export\n"
                     "for module in pkgutil.iter_modules(provider.__path__):\n"
                     "    importlib.import_module(f'provider.{module.name}')")


@pytest.fixture(scope="module")
def receiver_venv(tmp_path_factory, project_wheel) -> Path:  # noqa: F811 (fixture)
    """A virtual environment with `feedback-kiosk[receiver]` installed; returns its bin folder.
    Without pip of its own (the test's pip installs into it): quicker to make."""
    venv = tmp_path_factory.mktemp("receiver-venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True, timeout=60)
    subprocess.run([sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--quiet",
                    "--disable-pip-version-check", f"{project_wheel}[receiver]"], check=True, timeout=600)
    return venv / "bin"


def run(program: Path, *args: str) -> subprocess.CompletedProcess:
    """`program` isolated from this checkout (-I for Python, another folder), so that what it
    imports comes from the virtual environment."""
    return subprocess.run([program, *args], capture_output=True, text=True, timeout=120, cwd=program.parent)


def test_the_receiver_installs_without_the_kiosks_app(receiver_venv):
    listing = run(receiver_venv / "python", "-I", "-c", "from importlib.metadata import distributions; "
                  "print('\\n'.join(distribution.metadata['Name'].lower() for distribution in distributions()))")
    installed = set(listing.stdout.split())
    assert {"feedback-kiosk", "starlette", "uvicorn", "psycopg", "cryptography"} <= installed, listing.stderr
    assert installed.isdisjoint(KIOSK_ONLY)


def test_the_receiver_command_and_every_provider_module_work_there(receiver_venv):
    help_text = run(receiver_venv / "kiosk-receiver", "--help")
    assert help_text.returncode == 0 and "serve" in help_text.stdout, help_text.stderr
    imports = run(receiver_venv / "python", "-I", "-c", IMPORT_EVERYTHING)
    assert imports.returncode == 0, imports.stderr


def test_the_kiosk_command_there_says_in_one_line_what_to_install(receiver_venv, tmp_path):
    done = run(receiver_venv / "kiosk", "demo", "--data-dir", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "feedback-kiosk[kiosk]" in done.stderr, done.stderr
