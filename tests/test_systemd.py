"""sd_notify: systemd hears READY, the watchdog pings and STOPPING; outside systemd nothing happens."""

from __future__ import annotations

import logging
import os
import socket

import pytest

from kiosk.systemd import notify, watchdog_interval


@pytest.fixture
def systemd_socket(tmp_path, monkeypatch):
    """A datagram socket standing in for systemd's notify socket."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(tmp_path / "notify"))
        sock.settimeout(5)
        monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "notify"))
        yield sock


def test_systemd_hears_the_message(systemd_socket):
    assert notify("WATCHDOG=1")
    assert systemd_socket.recv(100) == b"WATCHDOG=1"


def test_an_abstract_socket_is_reached(monkeypatch):
    name = f"feedback-kiosk-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(5)
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        assert notify("READY=1")
        assert sock.recv(100) == b"READY=1"


def test_outside_systemd_nothing_is_sent(monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    assert not notify("READY=1")


def test_a_vanished_socket_is_logged_not_raised(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "gone"))
    with caplog.at_level(logging.WARNING, logger="kiosk.systemd"):
        assert not notify("STOPPING=1")
    assert "could not notify systemd (STOPPING=1)" in caplog.text


def test_the_watchdog_is_pinged_twice_per_timeout(monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert watchdog_interval() == 15.0
    monkeypatch.delenv("WATCHDOG_PID")  # "any process of the service"
    assert watchdog_interval() == 15.0


@pytest.mark.parametrize("usec, pid", [
    (None, None),  # WatchdogSec= not set
    ("30000000", "1"),  # another process is the watched one (we are its child)
    ("0", None),
    ("soon", None),
])
def test_no_watchdog_means_no_pings(monkeypatch, usec, pid):
    for name, value in (("WATCHDOG_USEC", usec), ("WATCHDOG_PID", pid)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert watchdog_interval() is None


async def test_the_painted_app_says_ready(config, systemd_socket):
    from commands.kiosk import make_app

    async with make_app(config).run_test() as pilot:
        await pilot.pause()
        assert systemd_socket.recv(100) == b"READY=1"
