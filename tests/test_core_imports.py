"""The core stays free of the UI, and the UI starts without the heavy libraries."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import kiosk

CORE_MODULES = sorted(f"kiosk.{module.name}" for module in pkgutil.iter_modules(kiosk.__path__))


def modules_loaded_by(statement: str) -> set[str]:
    """The top-level packages a fresh interpreter has loaded after running `statement`."""
    script = f"{statement}\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return {name.split(".")[0] for name in result.stdout.split()}


def test_the_core_loads_no_textual():
    assert len(CORE_MODULES) > 10  # the list is found, not empty
    loaded = modules_loaded_by("\n".join(f"import {module}" for module in CORE_MODULES))
    assert "kiosk" in loaded
    assert "textual" not in loaded


def test_the_app_reaches_its_first_screen_without_cryptography_or_tinydb():
    # What `kiosk run` imports before its first screen: the entry point and what `make_app` uses.
    loaded = modules_loaded_by("import commands.kiosk, kiosk.speech, kiosk.station, kiosk.strings, kiosk.survey, "
                               "screens.app, screens.textual_fixes")
    assert "textual" in loaded
    assert "cryptography" not in loaded
    assert "tinydb" not in loaded
    # importlib.metadata brings email, zipfile and csv: some ten milliseconds of a first paint.
    assert not loaded & {"email", "zipfile", "csv"}
