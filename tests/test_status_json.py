"""`kiosk status --json` for monitoring tools: the same keys whatever state the kiosk is in,
each documented in the README."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from commands.kiosk import main
from kiosk.health import Health, write_health
from kiosk.outbox import Outbox
from kiosk.quarantine import Quarantine
from kiosk.status import MIN_FREE_BYTES
from kiosk.sync_status import SyncStatus, write_sync_status

# What monitors may rely on. Adding a key is fine (add it here and to the README);
# renaming or removing one breaks someone's monitoring.
STABLE_KEYS = {
    "data_dir", "queue_depth", "oldest_unsent_age_seconds", "queue_error",
    "kiosk_pid", "last_report_age_seconds", "unsaved_in_memory", "last_write_error",
    "quarantined", "last_sync_age_seconds", "last_sync_error", "auth_error",
    "bundle_refused", "bundle_version", "pending_bundle_version", "paused", "disk_error",
}
REPOSITORY = Path(__file__).parent.parent
README = REPOSITORY / "README.md"


def status_json(capsys, data_dir: Path) -> dict:
    assert main(["status", "--json", "--data-dir", str(data_dir)]) == 0
    return json.loads(capsys.readouterr().out)


def a_kiosk_that_has_run(data_dir: Path) -> None:
    with Outbox(data_dir / "outbox") as outbox:
        outbox.append({"id": "envelope-1", "ct": "sealed"})
    write_health(data_dir, Health(pid=os.getpid(), updated=time.time(), unsaved=1,
                                  last_write_error="No space left on device (1 waiting in memory)"))
    for number in (1, 2):
        Quarantine(data_dir).add({"id": f"rejected-{number}", "ct": "sealed"}, "unknown-key")
    write_sync_status(data_dir, SyncStatus(last_success=time.time() - 120, last_error="timed out"))


def a_kiosk_with_a_queue_from_a_newer_version(data_dir: Path) -> None:
    Outbox(data_dir / "outbox").close()
    (data_dir / "outbox" / "format.json").write_text('{"format": 99}')


@pytest.mark.parametrize("prepare", [lambda data_dir: data_dir.mkdir(), a_kiosk_that_has_run,
                                     a_kiosk_with_a_queue_from_a_newer_version],
                         ids=["never-ran", "has-run", "queue-it-cannot-read"])
def test_the_keys_are_the_same_in_every_state(tmp_path, capsys, prepare):
    data_dir = tmp_path / "data"
    prepare(data_dir)
    assert set(status_json(capsys, data_dir)) == STABLE_KEYS


def test_a_monitor_sees_the_queue_the_errors_and_the_last_sync(tmp_path, capsys):
    a_kiosk_that_has_run(tmp_path)
    status = status_json(capsys, tmp_path)
    assert (status["queue_depth"], status["unsaved_in_memory"], status["quarantined"]) == (1, 1, 2)
    assert status["kiosk_pid"] == os.getpid()
    assert status["last_write_error"].startswith("No space left on device")
    assert status["last_sync_error"] == "timed out"
    assert 120 <= status["last_sync_age_seconds"] < 180
    assert status["queue_error"] is None


def test_a_monitor_sees_that_staff_paused_the_kiosk(tmp_path, capsys, config):
    from kiosk.staff import StaffSettings

    a_kiosk_that_has_run(tmp_path)
    assert status_json(capsys, tmp_path)["paused"] is False
    StaffSettings(tmp_path, config.staff).set_paused(True)
    assert status_json(capsys, tmp_path)["paused"] is True


def test_a_queue_it_cannot_read_is_reported_not_raised(tmp_path, capsys):
    a_kiosk_with_a_queue_from_a_newer_version(tmp_path)
    assert "newer version" in status_json(capsys, tmp_path)["queue_error"]


def on_a_disk_of_its_own(tmp_path: Path, then: str) -> subprocess.CompletedProcess:
    """Run the shell commands `then` in a mount namespace of their own, where $DISK is a fresh
    2 MiB file system holding a kiosk that has run (in $DISK/data) and $STATUS runs `kiosk status`."""
    disk = tmp_path / "disk"
    disk.mkdir()
    make_a_kiosk = (f"{sys.executable} -c 'import sys; from pathlib import Path; "
                    "from tests.test_status_json import a_kiosk_that_has_run as ran; ran(Path(sys.argv[1]))' $DISK/data")
    script = f"mount -t tmpfs -o size=2m tmpfs $DISK && {make_a_kiosk} && {then}"
    return subprocess.run(["unshare", "--mount", "sh", "-ec", script], capture_output=True, text=True, timeout=60,
                          cwd=REPOSITORY, env=os.environ | {"DISK": str(disk), "PYTHONPATH": str(REPOSITORY),
                                                            "STATUS": f"{sys.executable} -m commands.kiosk status"})


needs_mounts = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"),
                                  reason="mounting a file system of its own needs root and unshare")


@needs_mounts
def test_a_disk_gone_read_only_shows_though_the_kiosks_own_report_cannot(tmp_path):
    result = on_a_disk_of_its_own(tmp_path, "mount -o remount,ro $DISK && $STATUS --json --data-dir $DISK/data "
                                            "&& $STATUS --data-dir $DISK/data")
    assert result.returncode == 0, result.stderr
    report, text = result.stdout.split("}\n", 1)
    assert json.loads(report + "}")["disk_error"] == "read-only: the kiosk cannot save feedback"
    assert "Disk:                 read-only: the kiosk cannot save feedback" in text


@needs_mounts
def test_a_full_disk_shows_before_the_kiosk_has_tried_to_write(tmp_path):
    result = on_a_disk_of_its_own(tmp_path, "cat /dev/zero > $DISK/filler 2>/dev/null || true; "
                                            "$STATUS --json --data-dir $DISK/data")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["disk_error"].startswith("full (")


def test_a_disk_with_room_shows_no_error(tmp_path, capsys):
    a_kiosk_that_has_run(tmp_path)
    assert shutil.disk_usage(tmp_path).free > MIN_FREE_BYTES
    assert status_json(capsys, tmp_path)["disk_error"] is None


def test_the_readme_documents_every_key():
    documented = set(re.findall(r"^\| `(\w+)` \|", README.read_text(), flags=re.MULTILINE))
    assert STABLE_KEYS <= documented
