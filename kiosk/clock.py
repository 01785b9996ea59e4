"""Is the kiosk's clock right? A Raspberry Pi has no real-time clock: after a power cut
it starts from the last time it saved until NTP corrects it, so every envelope says
whether the clock was synchronised when it was sealed.

The kernel knows: NTP daemons (systemd-timesyncd, chrony, ntpd) clear its STA_UNSYNC
flag once they have set the time. `adjtimex` with no mode bits only reads that state
and needs no privileges. Where it cannot be asked, systemd-timesyncd's marker file says.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

TIMESYNC_MARKER = Path("/run/systemd/timesync/synchronized")
# <sys/timex.h>
TIME_ERROR = 5
STA_UNSYNC = 0x0040
STA_CLOCKERR = 0x1000


class _Timex(ctypes.Structure):
    """struct timex. `long` follows the platform, as glibc's `adjtimex` symbol does (the
    32-bit one on a 32-bit system)."""

    _fields_ = [
        ("modes", ctypes.c_uint), ("offset", ctypes.c_long), ("freq", ctypes.c_long),
        ("maxerror", ctypes.c_long), ("esterror", ctypes.c_long), ("status", ctypes.c_int),
        ("constant", ctypes.c_long), ("precision", ctypes.c_long), ("tolerance", ctypes.c_long),
        ("time_sec", ctypes.c_long), ("time_usec", ctypes.c_long), ("tick", ctypes.c_long),
        ("ppsfreq", ctypes.c_long), ("jitter", ctypes.c_long), ("shift", ctypes.c_int),
        ("stabil", ctypes.c_long), ("jitcnt", ctypes.c_long), ("calcnt", ctypes.c_long),
        ("errcnt", ctypes.c_long), ("stbcnt", ctypes.c_long), ("tai", ctypes.c_int),
        # The kernel's 11 spare ints, and room to spare should a libc's struct be larger.
        ("reserved", ctypes.c_int * 32),
    ]


@functools.cache
def _adjtimex_function() -> Callable | None:
    name = ctypes.util.find_library("c")
    try:
        function = getattr(ctypes.CDLL(name, use_errno=True), "adjtimex")
    except (OSError, AttributeError, TypeError):  # not Linux, or no C library found
        return None
    function.argtypes = [ctypes.POINTER(_Timex)]
    function.restype = ctypes.c_int
    return function


def kernel_clock_synchronized() -> bool | None:
    """The kernel's answer, or None when it cannot be asked."""
    function = _adjtimex_function()
    if function is None:
        return None
    timex = _Timex()  # modes = 0: read only
    state = function(ctypes.byref(timex))
    if state == -1:
        return None
    return state != TIME_ERROR and not timex.status & (STA_UNSYNC | STA_CLOCKERR)


def clock_synchronized(*, ask_kernel: Callable[[], bool | None] = kernel_clock_synchronized,
                       marker: Path = TIMESYNC_MARKER) -> bool:
    """Whether the system clock is synchronised (NTP). Never raises: unknown is False."""
    try:
        answer = ask_kernel()
        return answer if answer is not None else marker.exists()
    except Exception as error:  # a clock check must never stop a response being recorded
        log.warning("cannot tell whether the clock is synchronised: %s", error)
        return False
