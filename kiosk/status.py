"""What `kiosk status` reports: is feedback piling up, can the kiosk still write it, and is
it reaching the provider?

The kiosk reports its own write errors in its health file, but that file is on the disk it
reports on: a disk gone read-only or full may not take the report. So the status looks at
the disk itself too (`disk_error`), whatever the last report says.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from kiosk.health import read_health
from kiosk.quarantine import Quarantine
from kiosk.staff import is_paused
from kiosk.sync_status import read_sync_status

# Less free space than this, and the next queue segment (64 sealed envelopes) cannot be written.
MIN_FREE_BYTES = 1 << 20


def read_status(data_dir: Path) -> dict:
    """Queue depth, oldest unsent, last write error: as plain data, for people and monitors."""
    from kiosk.outbox import Outbox, OutboxError

    # Every key is always there (null when unknown): monitoring tools rely on them (README).
    status: dict = {"data_dir": str(data_dir), "queue_depth": 0, "oldest_unsent_age_seconds": None,
                    "queue_error": None}
    outbox_dir = data_dir / "outbox"
    if outbox_dir.is_dir():
        try:
            with Outbox(outbox_dir, readonly=True) as outbox:
                status["queue_depth"] = len(outbox)
                oldest = outbox.oldest_queued_at()
                status["oldest_unsent_age_seconds"] = None if oldest is None else max(0, round(time.time() - oldest))
        except OutboxError as error:
            status["queue_error"] = str(error)
    health = read_health(data_dir)
    status["kiosk_pid"] = health.pid if health else None
    status["last_report_age_seconds"] = round(time.time() - health.updated) if health else None
    status["unsaved_in_memory"] = health.unsaved if health else 0
    status["last_write_error"] = health.last_write_error if health else None
    status["disk_error"] = disk_error(data_dir)
    status["paused"] = is_paused(data_dir)
    status.update(_sync_status(data_dir))
    return status


def disk_error(data_dir: Path) -> str | None:
    """Why the disk under the data folder cannot take feedback now, or None. Free space is what
    the kiosk's user may use, without the reserve kept for root."""
    folder = next((folder for folder in (data_dir, *data_dir.parents) if folder.is_dir()), data_dir)
    try:
        disk = os.statvfs(folder)
    except OSError as error:
        return f"cannot be checked ({error.strerror})"
    if disk.f_flag & os.ST_RDONLY:
        return "read-only: the kiosk cannot save feedback"
    free = disk.f_bavail * disk.f_frsize
    if free < MIN_FREE_BYTES:
        return f"{'nearly full' if free else 'full'} ({free // 1024} KiB free): the kiosk cannot save feedback"
    return None


def _sync_status(data_dir: Path) -> dict:
    from kiosk.bundles import PENDING_FILE, stored_bundle_version

    sync = read_sync_status(data_dir)
    return {
        "quarantined": Quarantine(data_dir).count(),
        "last_sync_age_seconds": _age_of(sync.last_success) if sync else None,
        "last_sync_error": sync.last_error if sync else None,
        "auth_error": sync.auth_error if sync else None,
        "bundle_refused": sync.bundle_refused if sync else None,
        "bundle_version": stored_bundle_version(data_dir),
        "pending_bundle_version": stored_bundle_version(data_dir, PENDING_FILE),
    }


def _age_of(moment: float | None) -> int | None:
    return None if moment is None else max(0, round(time.time() - moment))


def render_status(status: dict) -> str:
    lines = [
        f"Data folder:          {status['data_dir']}",
        f"Waiting to be sent:   {status['queue_depth']}",
        f"Oldest waiting for:   {_age(status['oldest_unsent_age_seconds'])}",
        f"Last write error:     {status['last_write_error'] or 'none'}",
    ]
    if status["disk_error"]:
        lines.append(f"Disk:                 {status['disk_error']}")
    if status["unsaved_in_memory"]:
        lines.append(f"Not yet on disk:      {status['unsaved_in_memory']} (kept in memory, retried)")
    if status["queue_error"]:
        lines.append(f"Queue problem:        {status['queue_error']}")
    if status["paused"]:
        lines.append("Paused:               yes (staff paused it in the staff panel; it collects nothing)")
    if status["kiosk_pid"] is not None:
        lines.append(f"Kiosk process:        {status['kiosk_pid']} (last report {_age(status['last_report_age_seconds'])} ago)")
    lines += _render_sync(status)
    return "\n".join(lines)


def _render_sync(status: dict) -> list[str]:
    last_sync = status["last_sync_age_seconds"]
    bundle = f"version {status['bundle_version']}" if status["bundle_version"] is not None else "none"
    if status["pending_bundle_version"] is not None:
        bundle += f" (version {status['pending_bundle_version']} waiting for the welcome screen)"
    lines = [
        f"Quarantined:          {status['quarantined']}",
        f"Last successful sync: {'never' if last_sync is None else _age(last_sync) + ' ago'}",
        f"Last sync error:      {status['last_sync_error'] or 'none'}",
        f"Bundle in use:        {bundle}",
    ]
    if status["auth_error"]:
        lines.append(f"Credentials refused:  {status['auth_error']}")
    if status["bundle_refused"]:
        lines.append(f"Bundle refused:       {status['bundle_refused']}")
    return lines


def _age(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    hours, rest = divmod(seconds, 3600)
    return f"{hours} h {rest // 60} min" if hours else f"{rest // 60} min {rest % 60} s"
