"""Failures stop and show, never stay silent: a mistake in the keys stops the kiosk with one line
and status 2; a disk that refuses at start is retried and recovers by itself; a crash shows the
calm out-of-order screen, goes to the log without any of a client's words or the PIN, and exits
non-zero for systemd to restart the kiosk."""

from __future__ import annotations

import errno
import logging
import os
import pty
import select
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from textual.app import App
from textual.worker import WorkerFailed

import kiosk.pin
import screens.app
from commands.kiosk import main
from kiosk.config import SyncConfig
from kiosk.outbox import Outbox
from kiosk.staff import status_lines
from kiosk.status import read_status
from screens.app import KioskApp
from screens.endings import RestingScreen, ThanksScreen
from screens.staff import PinScreen
from screens.welcome import WelcomeScreen
from tests.pilot import build, settle, shown, tap_on
from tests.staff_pilot import PIN, with_pin

REPOSITORY = Path(__file__).parent.parent
OUT_OF_ORDER = "ei ole nyt käytössä"


@pytest.fixture(autouse=True)
def quick_failures(monkeypatch):
    """The out-of-order screen stays a moment, not the kiosk's five seconds."""
    monkeypatch.setattr(screens.app, "FAILURE_SECONDS", 0.2)


async def until_it_exits(pilot) -> None:
    for _ in range(50):
        if pilot.app._exit_renderables or not pilot.app.is_running:
            return
        await pilot.pause(0.05)


# -- a mistake in the keys: one line, status 2 -------------------------------------------------


def damaged_key(tmp_path: Path) -> Path:
    path = tmp_path / "damaged.pub.pem"
    path.write_text("-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n")
    return path


def both_keys_in_one_file(tmp_path: Path, provider_keys) -> Path:
    path = tmp_path / "both.pem"
    path.write_text(provider_keys[0].read_text() + provider_keys[1].read_text())
    return path


@pytest.mark.parametrize("make_key, problem", [
    (lambda tmp_path, keys: damaged_key(tmp_path), "is damaged"),
    (both_keys_in_one_file, "is a private key"),
], ids=["damaged", "private-and-public"])
def test_a_key_the_kiosk_cannot_seal_with_stops_it_with_one_line_and_status_2(
        write_config, tmp_path, provider_keys, capsys, monkeypatch, make_key, problem):
    key = make_key(tmp_path, provider_keys)
    path = write_config()
    path.write_text(path.read_text().replace(str(provider_keys[1]), str(key)))
    # The app as `kiosk run` starts it, on no terminal.
    monkeypatch.setattr(KioskApp, "run", lambda app: App.run(app, headless=True, size=(80, 24)))
    assert main(["run", "--config", str(path)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"kiosk: {path}: kiosk.public_key: {key}: {problem}")
    assert error.count("\n") == 1


async def test_until_it_exits_the_kiosk_says_it_is_out_of_order(config, tmp_path):
    app = build(replace(config, public_key=damaged_key(tmp_path)))
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, RestingScreen) and OUT_OF_ORDER in shown(app)
        await until_it_exits(pilot)
    assert app.return_code == 2 and "is damaged" in str(app.start_error)


# -- a disk that refuses at start ----------------------------------------------------------------


def refuse(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


async def test_a_full_disk_at_start_is_shown_in_status_and_recovers_by_itself(config, monkeypatch, opened):
    sync = SyncConfig(server="http://127.0.0.1:9", token="t", allow_insecure_http=True, retry_min_seconds=60)
    app = build(replace(config, sync=sync))
    config.data_dir.mkdir()
    with monkeypatch.context() as disk_full:
        disk_full.setattr(Outbox, "_lock", refuse)  # the outbox's lock file cannot be made
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, WelcomeScreen)  # not out of order for good
            assert read_status(config.data_dir)["last_write_error"].startswith("No space left on device")
            assert main(["status", "--data-dir", str(config.data_dir)]) == 0
            await tap_on(pilot, id="start")
            await tap_on(pilot, value=4)
            await tap_on(pilot, id="skip")
            await tap_on(pilot, id="skip")
            await tap_on(pilot, id="no")
            assert isinstance(app.screen, ThanksScreen) and "ei tallentunut vielä" in shown(app)
            assert app.station.sync is None  # nothing to send from yet
            panel = {line.key: line for line in status_lines(app.station, started=0)}  # what staff see
            assert panel["queue"].trouble
            assert any("No space left on device" in line.value and line.trouble for line in panel.values())

            disk_full.undo()  # space came back
            app.retry_unsaved()  # what the kiosk does every 15 seconds
            await settle(pilot)
            status = read_status(config.data_dir)
            assert (status["last_write_error"], status["unsaved_in_memory"]) == (None, 0)
            assert app.station.sync is not None  # sending started once the outbox opened
    [response] = opened(config)
    assert response["answers"] == {"visit": 4}


# -- a crash --------------------------------------------------------------------------------------


def scrypt_out_of_memory(*args, **kwargs):
    raise ValueError("[digital envelope routines] memory limit exceeded")


async def test_a_crash_shows_out_of_order_logs_no_pin_and_exits_to_be_restarted(config, monkeypatch, caplog):
    app = build(with_pin(config))
    monkeypatch.setattr(kiosk.pin.hashlib, "scrypt", scrypt_out_of_memory)
    caplog.set_level(logging.INFO)
    with pytest.raises(WorkerFailed):  # Textual's test pilot raises it again at the end
        async with app.run_test(size=(50, 15)) as pilot:
            await settle(pilot)
            await pilot.press("f12")
            await settle(pilot)
            assert isinstance(app.screen, PinScreen)
            await pilot.press(*PIN, "enter")
            await pilot.pause(0.05)
            assert isinstance(app.screen, RestingScreen) and OUT_OF_ORDER in shown(app)
            await until_it_exits(pilot)
    assert app.return_code == 1
    [crash] = [record for record in caplog.records if record.levelno == logging.CRITICAL]
    report = crash.getMessage()
    assert "ValueError" in report and "verify_pin" in report
    assert PIN not in report and "memory limit" not in report  # neither the PIN nor any message


CRASHING_KIOSK = """
import sys
from dataclasses import replace
from pathlib import Path
import kiosk.pin, screens.app
from commands.kiosk import make_app
from kiosk.config import KioskConfig, StaffConfig
from kiosk.keyfiles import generate_key_pair
from kiosk.pin import hash_pin

folder = Path(sys.argv[1])
_, public = generate_key_pair(folder / "keys", hybrid=False)
config = KioskConfig(kiosk_id="lobby-1", unit_id="kalevi", data_dir=folder / "data", public_key=public,
                     log_dir=folder / "logs", staff=StaffConfig(hash_pin(sys.argv[2])))
def scrypt_out_of_memory(*args, **kwargs):
    raise ValueError("[digital envelope routines] memory limit exceeded")
kiosk.pin.hashlib.scrypt = scrypt_out_of_memory
screens.app.FAILURE_SECONDS = 0.5
from kiosk.logs import setup_logging
setup_logging(config.log_dir, fallback_dir=config.data_dir)
app = make_app(config)
app.run()
sys.exit(app.return_code)
"""


def run_in_a_terminal(arguments: list[str], typed: list[bytes], *, ready: bytes) -> tuple[int, bytes]:
    """Run a program on a terminal of its own (80x24), type into it once `ready` is painted, and
    return its exit status and everything it painted."""
    import fcntl
    import struct
    import termios

    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    process = subprocess.Popen(arguments, stdin=terminal, stdout=terminal, stderr=terminal, cwd=REPOSITORY,
                               env=os.environ | {"TERM": "xterm-256color", "PYTHONPATH": str(REPOSITORY)})
    os.close(terminal)
    painted, deadline = b"", time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if ready in painted and typed:
                os.write(controller, typed.pop(0))
            readable, _, _ = select.select([controller], [], [], 0.3)
            if readable:
                try:
                    chunk = os.read(controller, 65536)
                except OSError:  # the program has gone, and its terminal with it
                    break
                if not chunk:
                    break
                painted += chunk
            elif process.poll() is not None:
                break
        return process.wait(timeout=30), painted
    finally:
        process.kill()
        os.close(controller)


def test_a_crash_never_paints_a_traceback_or_the_pin_on_the_screen(tmp_path):
    pin = "90817263"
    status, painted = run_in_a_terminal(
        [sys.executable, "-c", CRASHING_KIOSK, str(tmp_path), pin],
        [b"\x1b[24~", pin.encode(), b"\r"], ready=b"Kerro")  # F12, the PIN, Enter
    assert status == 1  # systemd restarts it
    assert OUT_OF_ORDER.encode() in painted.replace(b"\x1b", b"")
    assert b"Traceback" not in painted and pin.encode() not in painted and b"scrypt" not in painted
    log = (tmp_path / "logs" / "kiosk.log").read_text()
    assert "the kiosk failed" in log and "ValueError" in log and pin not in log
