"""What `kiosk status` reports: is feedback piling up, and can the kiosk still write it?"""

from __future__ import annotations

import time
from pathlib import Path

from kiosk.health import read_health


def read_status(data_dir: Path) -> dict:
    """Queue depth, oldest unsent, last write error: as plain data, for people and monitors."""
    from kiosk.outbox import Outbox, OutboxError

    status: dict = {"data_dir": str(data_dir), "queue_depth": 0, "oldest_unsent_age_seconds": None}
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
    return status


def render_status(status: dict) -> str:
    lines = [
        f"Data folder:          {status['data_dir']}",
        f"Waiting to be sent:   {status['queue_depth']}",
        f"Oldest waiting for:   {_age(status['oldest_unsent_age_seconds'])}",
        f"Last write error:     {status['last_write_error'] or 'none'}",
    ]
    if status["unsaved_in_memory"]:
        lines.append(f"Not yet on disk:      {status['unsaved_in_memory']} (kept in memory, retried)")
    if "queue_error" in status:
        lines.append(f"Queue problem:        {status['queue_error']}")
    if status["kiosk_pid"] is not None:
        lines.append(f"Kiosk process:        {status['kiosk_pid']} (last report {_age(status['last_report_age_seconds'])} ago)")
    return "\n".join(lines)


def _age(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    hours, rest = divmod(seconds, 3600)
    return f"{hours} h {rest // 60} min" if hours else f"{rest // 60} min {rest % 60} s"
