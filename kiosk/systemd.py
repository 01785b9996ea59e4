"""Telling systemd how the kiosk is doing (sd_notify), without a library.

READY=1 goes out once the first screen is painted; WATCHDOG=1 is sent from the UI's own
event loop every `watchdog_interval()` seconds, so a frozen screen stops the pings and
systemd restarts the kiosk (kiosk.service: WatchdogSec=); STOPPING=1 when it ends itself.
Never fatal: outside systemd (NOTIFY_SOCKET unset) every call does nothing.
"""

from __future__ import annotations

import logging
import os
import socket

log = logging.getLogger(__name__)


def notify(message: str) -> bool:
    """Send one sd_notify message; True if it was sent."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(message.encode())
    except OSError as error:
        log.warning("could not notify systemd (%s): %s", message, error)
        return False
    return True


def watchdog_interval() -> float | None:
    """Seconds between two WATCHDOG=1 pings (half systemd's timeout, as sd_watchdog_enabled(3)
    advises), or None when systemd is not watching this process. WATCHDOG_PID names the
    process systemd watches: a child (the staff panel's `systemctl`) sees it and stays out."""
    watched = os.environ.get("WATCHDOG_PID")
    if watched and watched != str(os.getpid()):
        return None
    try:
        microseconds = int(os.environ.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    return microseconds / 2_000_000 if microseconds > 0 else None
