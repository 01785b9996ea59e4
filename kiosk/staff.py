"""What staff see and do at the kiosk, without any client's answers.

The staff panel shows whether feedback is leaving the building: queue, sync, disk,
key, survey, clock. Nothing here can read a response: the kiosk holds only sealed
envelopes and the counts about them.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kiosk import __version__
from kiosk.clock import clock_synchronized
from kiosk.outbox import OutboxError
from kiosk.station import Station

# Who answers, recorded in the next response: assisted feedback changes what people say.
MODES = ("self", "staff-help", "relative-help", "on-behalf", "interpreter")
# Exit statuses the kiosk's systemd unit knows (kiosk.service): restart, or stay stopped.
EXIT_RESTART = 75
EXIT_TO_SHELL = 76
# --no-ask-password: a password prompt must never appear on the kiosk's screen.
POWER_COMMANDS = {action: ["systemctl", "--no-ask-password", action] for action in ("poweroff", "reboot")}


@dataclass(frozen=True)
class StatusLine:
    key: str  # the strings.toml key of its label, under staff.status.
    value: str
    trouble: bool = False  # worth a staff member's attention


def status_lines(station: Station, *, started: float, monotonic: Callable[[], float] = time.monotonic,
                 now: Callable[[], float] = time.time) -> list[StatusLine]:
    """The panel's figures, each a plain value; the screen adds the words. Staff look most when
    the kiosk is out of order: a queue or a folder that cannot be read is shown, not raised."""
    config, recorder = station.config, station.recorder
    try:
        outbox = recorder.outbox
        queued, oldest, outbox_error = len(outbox), outbox.oldest_queued_at(), None
    except OutboxError as error:  # say, another process holds it; the reason matters, not the folder's path
        queued, oldest, outbox_error = 0, None, str(error).replace(str(config.outbox_dir), "outbox")
    sync = station.uploader.state.snapshot() if station.uploader else None
    sync_error = (sync.auth_error or sync.last_error) if sync else None
    key = recorder.key
    free = _disk_free(config.data_dir)
    synchronized = clock_synchronized()
    return [
        StatusLine("queue", str(queued + recorder.unsaved), trouble=bool(recorder.unsaved or outbox_error)),
        StatusLine("oldest", duration(now() - oldest) if oldest else "-", trouble=bool(oldest and now() - oldest > 86400)),
        StatusLine("last_sync", _when(sync.last_success) if sync else "-"),
        StatusLine("last_error", _short(outbox_error, sync_error, recorder.last_error),
                   trouble=bool(outbox_error or sync_error or recorder.last_error)),
        StatusLine("quarantined", str(sync.quarantined) if sync else "0", trouble=bool(sync and sync.quarantined)),
        StatusLine("disk_free", "-" if free is None else f"{free / 2**30:.1f} GiB",
                   trouble=free is None or free < 200 * 2**20),
        StatusLine("key", key.fingerprint if key else "-", trouble=key is None),  # its id is the fingerprint's start
        StatusLine("survey", f"{station.survey.id} {station.survey.version}"),
        StatusLine("kiosk", f"{config.kiosk_id} / {config.unit_id}"),
        StatusLine("software", __version__),
        StatusLine("uptime", duration(monotonic() - started)),
        StatusLine("clock", "yes" if synchronized else "no", trouble=not synchronized),
    ]


def _disk_free(folder: Path) -> int | None:
    try:
        return shutil.disk_usage(folder).free
    except OSError:  # the data folder is missing or unreadable
        return None


def _short(*errors: str | None, limit: int = 90) -> str:
    """The first error there is, short enough for the panel's line (the log has it whole)."""
    error = next((error for error in errors if error), "-")
    return error if len(error) <= limit else f"{error[:limit - 3]}..."  # dots every console font has


def duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    return f"{days} d {hours} h" if days else f"{hours} h {minutes:02d} min"


def _when(timestamp: float | None) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M") if timestamp else "-"


def power(action: str, run: Callable[..., subprocess.CompletedProcess] = subprocess.run) -> str | None:
    """Shut down or restart the device through systemd; the error words, or None."""
    try:
        result = run(POWER_COMMANDS[action], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return str(error)
    return (result.stderr.strip() or f"exit status {result.returncode}") if result.returncode else None
