"""What staff see, set and do at the kiosk, without any client's answers.

The staff panel shows whether feedback is leaving the building: queue, sync, disk,
key, survey, clock. Nothing here can read a response: the kiosk holds only sealed
envelopes and the counts about them. What staff set (a pause, the kiosk's look) and the
PIN's lock-out are kept in the data folder, so that they outlast a restart.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk import __version__
from kiosk.config import THEME_NAMES, StaffConfig
from kiosk.pin import PinGuard

if TYPE_CHECKING:
    from kiosk.station import Station
    from kiosk.sync_status import SyncStatus

log = logging.getLogger(__name__)

# Who answers, recorded in the next response: assisted feedback changes what people say.
# When someone helps, the client is also asked last whether the answers are their own view.
MODES = ("self", "staff-help", "relative-help", "interpreter", "friend-help", "experience-expert", "on-behalf")
# Exit statuses the kiosk's systemd unit knows (kiosk.service): restart, or stay stopped.
EXIT_RESTART = 75
EXIT_TO_SHELL = 76
# --no-ask-password: a password prompt must never appear on the kiosk's screen.
POWER_COMMANDS = {action: ["systemctl", "--no-ask-password", action] for action in ("poweroff", "reboot")}
PAUSED_FILE = "paused"
THEME_FILE = "theme"  # the theme staff chose in the panel: it outlives restarts, and wins over the config's


class StaffSettings:
    """What staff set at this kiosk, kept in its data folder: a pause, the look, the PIN's lock-out."""

    def __init__(self, data_dir: Path, config: StaffConfig):
        self._data_dir = data_dir
        self.config = config
        self._pin_guard: PinGuard | None = None

    @property
    def paused(self) -> bool:
        return is_paused(self._data_dir)

    def set_paused(self, paused: bool) -> None:
        marker = self._data_dir / PAUSED_FILE
        if paused:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        else:
            marker.unlink(missing_ok=True)

    @property
    def theme(self) -> str | None:
        """The theme staff last chose in the panel, if any."""
        try:
            name = (self._data_dir / THEME_FILE).read_text().strip()
        except OSError:
            return None
        return name if name in THEME_NAMES else None

    def choose_theme(self, name: str) -> None:
        try:
            self._data_dir.mkdir(parents=True, exist_ok=True)
            (self._data_dir / THEME_FILE).write_text(name)
        except OSError as error:  # the look changed all the same; it lasts until a restart
            log.warning("the theme staff chose is not kept: %s", error)

    @property
    def pin_guard(self) -> PinGuard | None:
        """None where no PIN was set (`kiosk set-pin`): then there is no way in."""
        if self._pin_guard is None and self.config.pin_hash:
            self._pin_guard = PinGuard(self.config.pin_hash, self._data_dir)
        return self._pin_guard


def is_paused(data_dir: Path) -> bool:
    return (data_dir / PAUSED_FILE).exists()


@dataclass(frozen=True)
class StatusLine:
    key: str  # the strings.toml key of its label, under staff.status.
    value: str
    trouble: bool = False  # worth a staff member's attention


# How the kiosk reaches the provider, as the `connection` figure says it.
CONNECTION_OK, NOT_ENROLLED, REFUSED, FAILING = "ok", "not-enrolled", "refused", "failing"
STALE_SECONDS = 86400  # enrolled, and feedback has waited this long: sending is stuck


def status_lines(station: Station, *, started: float, monotonic: Callable[[], float] = time.monotonic,
                 now: Callable[[], float] = time.time) -> list[StatusLine]:
    """The panel's figures, each a plain value; the screens add the words (plain ones for ward
    staff, the exact ones for IT). Staff look most when the kiosk is out of order: a queue or a
    folder that cannot be read is shown, not raised.
    It reads files and takes locks that a stalled disk can hold: call it off the UI's loop."""
    from kiosk.clock import clock_synchronized  # ctypes: not on the way to the first screen
    from kiosk.outbox import OutboxError

    config, recorder = station.config, station.recorder
    try:
        outbox = recorder.outbox
        queued, oldest, outbox_error = len(outbox), outbox.oldest_queued_at(), None
    except OutboxError as error:  # say, another process holds it; the reason matters, not the folder's path
        queued, oldest, outbox_error = 0, None, str(error).replace(str(config.outbox_dir), "outbox")
    sync = station.sync.status() if station.sync else None
    sync_error = (sync.auth_error or sync.last_error) if sync else None
    unsaved, save_error = recorder.unsaved, outbox_error or recorder.last_error
    key = recorder.key
    free = _disk_free(config.data_dir)
    synchronized = clock_synchronized()
    connection = _connection(sync)
    return [
        StatusLine("queue", str(queued + unsaved), trouble=bool(unsaved or outbox_error)),
        StatusLine("unsaved", str(unsaved), trouble=bool(unsaved)),
        StatusLine("oldest", duration(now() - oldest) if oldest else "-",
                   trouble=bool(sync and oldest and now() - oldest > STALE_SECONDS)),
        StatusLine("last_sync", _when(sync.last_success) if sync else "-"),
        StatusLine("connection", connection, trouble=connection != CONNECTION_OK),
        StatusLine("send_error", _short(sync_error), trouble=bool(sync_error)),
        StatusLine("save_error", _short(save_error), trouble=bool(save_error)),
        StatusLine("quarantined", str(sync.quarantined) if sync else "0", trouble=bool(sync and sync.quarantined)),
        StatusLine("disk_free", "-" if free is None else f"{free / 2**30:.1f} GiB",
                   trouble=free is None or free < 200 * 2**20),
        StatusLine("key", key.fingerprint if key else "-", trouble=key is None),  # its id is the fingerprint's start
        StatusLine("survey", f"{station.survey.id} {station.survey.version}"),
        StatusLine("kiosk", f"{config.kiosk_id} / {config.unit_id}"),
        StatusLine("software", __version__),
        StatusLine("uptime", duration(monotonic() - started)),
        StatusLine("clock", "yes" if synchronized else "no", trouble=not synchronized),
        StatusLine("paused", "yes" if station.staff.paused else "no", trouble=station.staff.paused),
    ]


def _connection(sync: SyncStatus | None) -> str:
    if sync is None:
        return NOT_ENROLLED
    return REFUSED if sync.auth_error else FAILING if sync.last_error else CONNECTION_OK


def _disk_free(folder: Path) -> int | None:
    try:
        return shutil.disk_usage(folder).free
    except OSError:  # the data folder is missing or unreadable
        return None


def _short(error: str | None, limit: int = 90) -> str:
    """The error, short enough for a line of the panel's details (the log has it whole)."""
    error = error or "-"
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
