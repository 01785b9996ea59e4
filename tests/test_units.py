"""The systemd units: valid for systemd, hardened, and agreeing with what the kiosk does.

systemd is not PID 1 in CI, so the checks are `systemd-analyze`'s offline ones, and the
sandbox's hardest limit on Python (MemoryDenyWriteExecute) is reproduced with seccomp.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.errors import EXIT_USER_ERROR
from kiosk.staff import EXIT_RESTART, EXIT_TO_SHELL
from tests.memory_deny_write_execute import libseccomp

REPOSITORY = Path(__file__).parent.parent
# Each unit as the installer names it.
UNITS = {"feedback-kiosk.service": REPOSITORY / "kiosk.service",
         "feedback-kiosk-cage.service": REPOSITORY / "deploy" / "feedback-kiosk-cage.service"}
MAX_EXPOSURE = 2.0

needs_systemd_analyze = pytest.mark.skipif(not shutil.which("systemd-analyze"),
                                           reason="systemd-analyze is missing (Debian package systemd)")


def settings(unit: str) -> dict[str, list[str]]:
    """Key -> every value it is given, in order (a unit may set a key more than once)."""
    found: dict[str, list[str]] = {}
    for line in UNITS[unit].read_text().splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def setting(unit: str, key: str) -> str:
    return " ".join(settings(unit)[key])


@pytest.fixture
def installed_units(tmp_path) -> Path:
    """Both units in one folder under their installed names. Programs their ExecStart= runs
    that this machine lacks (the kiosk's venv, cage) are stood in for by stubs, because
    `systemd-analyze verify` checks that they exist."""
    for name, source in UNITS.items():
        text = source.read_text()
        for command, prefix, program in re.findall(r"^(ExecStart\w*)=([-+@:!]*)(\S+)", text, flags=re.MULTILINE):
            if not os.access(program, os.X_OK):
                stub = tmp_path / "stubs" / Path(program).name
                stub.parent.mkdir(exist_ok=True)
                stub.write_text("#!/bin/sh\n")
                stub.chmod(0o755)
                text = text.replace(f"{command}={prefix}{program} ", f"{command}={prefix}{stub} ")
        (tmp_path / name).write_text(text)
    return tmp_path


@needs_systemd_analyze
def test_systemd_accepts_both_units(installed_units):
    result = subprocess.run(["systemd-analyze", "verify", *(str(installed_units / name) for name in UNITS)],
                            capture_output=True, text=True, timeout=60)
    # verify exits 0 even for unknown keys and bad values, but names the unit in a warning.
    complaints = [line for line in result.stderr.splitlines() if "feedback-kiosk" in line]
    assert (result.returncode, complaints) == (0, [])


@needs_systemd_analyze
@pytest.mark.parametrize("unit", UNITS)
def test_the_unit_is_rated_safe_enough(installed_units, unit):
    result = subprocess.run(["systemd-analyze", "security", "--offline=true", "--no-pager",
                             str(installed_units / unit)],
                            capture_output=True, text=True, timeout=60)
    overall = re.search(rf"Overall exposure level for {re.escape(unit)}: (\d+\.\d+)", result.stdout)
    assert overall, result.stdout + result.stderr
    exposed = "\n".join(line for line in result.stdout.splitlines() if line.startswith("✗"))
    assert float(overall[1]) <= MAX_EXPOSURE, f"exposure {overall[1]}, from:\n{exposed}"


@pytest.mark.parametrize("unit", UNITS)
def test_staff_and_config_mistakes_leave_the_kiosk_stopped_with_a_login_prompt(unit):
    prevented = setting(unit, "RestartPreventExitStatus").split()
    assert str(EXIT_TO_SHELL) in prevented and str(EXIT_USER_ERROR) in prevented
    assert str(EXIT_RESTART) not in prevented
    assert setting(unit, "Restart") == "always"
    assert setting(unit, "OnFailure") == "getty@tty1.service"


@pytest.mark.parametrize("unit", UNITS)
def test_the_unit_waits_for_the_first_screen_and_watches_the_ui(unit):
    assert setting(unit, "Type") == "notify"
    assert int(setting(unit, "WatchdogSec")) >= 10  # pinged every half of it, from the event loop


@pytest.mark.parametrize("unit", UNITS)
def test_a_watchdog_kill_leaves_no_core_dump_of_a_visit(unit):
    assert setting(unit, "LimitCORE") == "0"


def test_the_cage_unit_lets_cage_reach_only_the_screen_touch_tty1_and_sound():
    assert setting("feedback-kiosk-cage.service", "DevicePolicy") == "closed"  # and the pseudo-terminals
    assert settings("feedback-kiosk-cage.service")["DeviceAllow"] == [
        "char-drm rw", "char-input rw", "/dev/tty1 rw", "char-alsa rw"]


def test_the_raspberry_pi_guide_turns_swap_off():
    """Swap would write a visit's plaintext, paged out, to the SD card."""
    guide = (REPOSITORY / "docs" / "raspberry-pi.md").read_text()
    assert "sudo dphys-swapfile swapoff" in guide and "sudo systemctl disable --now dphys-swapfile" in guide


@pytest.mark.parametrize("unit", UNITS)
def test_before_each_start_the_power_rule_follows_the_config_the_kiosk_runs_with(unit):
    config = re.search(r"kiosk run (--config \S+)", setting(unit, "ExecStart"))[1]
    # As root ("+"), and a mistake in the config is left for the kiosk itself to report ("-").
    assert setting(unit, "ExecStartPre") == f"-+/opt/feedback-kiosk/bin/kiosk power-rule {config}"


def test_the_cage_unit_lets_the_kiosk_in_the_terminal_notify_and_ping():
    # The kiosk is cage's grandchild: systemd must listen to it, and WATCHDOG_PID (cage's)
    # would tell the kiosk that the watchdog is someone else's (kiosk/systemd.py).
    assert setting("feedback-kiosk-cage.service", "NotifyAccess") == "all"
    assert "WATCHDOG_PID" in setting("feedback-kiosk-cage.service", "UnsetEnvironment").split()


def test_the_console_unit_paints_on_tty1_and_logs_to_the_journal():
    assert setting("feedback-kiosk.service", "TTYPath") == "/dev/tty1"
    assert setting("feedback-kiosk.service", "StandardError") == "tty"  # where Textual paints
    assert setting("feedback-kiosk.service", "StandardOutput") == "journal"
    # kiosk/logs.py prefers a log folder to the journal: the unit's folder is for log_dir only.
    assert "LOGS_DIRECTORY" in setting("feedback-kiosk.service", "UnsetEnvironment").split()


@pytest.mark.skipif(libseccomp() is None, reason="libseccomp is missing (Debian package libseccomp2)")
def test_the_kiosk_works_without_writable_code(tmp_path):
    """kiosk.service sets MemoryDenyWriteExecute=yes: make keys, seal and store responses,
    open them, check the clock, set up TLS and show the first screen under the same filter."""
    workload = """
import asyncio, mmap, ssl, sys
from pathlib import Path
from tests.memory_deny_write_execute import deny_write_execute
deny_write_execute()
try:
    mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    sys.exit("the filter let writable code through")
except PermissionError:
    pass
import httpx
from kiosk.clock import clock_synchronized
from kiosk.config import KioskConfig
from kiosk.keyfiles import generate_key_pair, load_private_key
from kiosk.outbox import Outbox
from kiosk.sealing import open_envelope
from kiosk.simulate import simulate
from commands.kiosk import make_app

folder = Path(sys.argv[1])
private, public = generate_key_pair(folder / "keys")
config = KioskConfig(kiosk_id="lobby-1", unit_id="kalevi", data_dir=folder / "data", public_key=public)
simulate(config, 2)
with Outbox(config.outbox_dir, readonly=True) as outbox:
    opened = [open_envelope(envelope, [load_private_key(private)]) for envelope in outbox.oldest(10)]
clock_synchronized()
httpx.Client(verify=ssl.create_default_context()).close()

async def first_screen() -> str:
    app = make_app(config)
    async with app.run_test(size=(50, 15)) as pilot:
        await pilot.pause()
        return type(app.screen).__name__

print(len(opened) >= 2, asyncio.run(first_screen()))
"""
    result = subprocess.run([sys.executable, "-c", workload, str(tmp_path)], capture_output=True, text=True,
                            cwd=REPOSITORY, env=os.environ | {"PYTHONPATH": str(REPOSITORY)}, timeout=120)
    assert (result.returncode, result.stdout.strip()) == (0, "True WelcomeScreen"), result.stderr


@pytest.mark.parametrize("terminal", ["xterm", "foot"])
@pytest.mark.parametrize("status", [EXIT_TO_SHELL, EXIT_RESTART, 0])
def test_the_kiosks_exit_status_comes_out_of_the_terminal(tmp_path, terminal, status):
    """cage passes on its program's status, but xterm would not: kiosk-terminal does."""
    fake = tmp_path / "bin" / terminal
    fake.parent.mkdir()
    # Like xterm (and foot, at worst): runs its program, then exits 0 whatever it returned.
    fake.write_text('#!/bin/sh\nwhile [ "$1" = -e ] || [ "${1#--config}" != "$1" ]; do shift; done\n"$@"\nexit 0\n')
    fake.chmod(0o755)
    (tmp_path / "run").mkdir()
    env = os.environ | {"PATH": f"{fake.parent}:{os.environ['PATH']}", "KIOSK_TERMINAL": terminal,
                        "RUNTIME_DIRECTORY": str(tmp_path / "run")}
    result = subprocess.run([REPOSITORY / "deploy" / "cage" / "kiosk-terminal", "sh", "-c", f"exit {status}"],
                            env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == status, result.stderr
