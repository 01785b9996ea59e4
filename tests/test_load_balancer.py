"""Several receivers behind a real load balancer, on one PostgreSQL, with real processes:
docs/haproxy.cfg as it is (tests/load_balancer.py replaces only its addresses, ports and
paths), two receivers behind it with TLS of their own, and kiosks that enrol and send through
it over TLS (`kiosk enroll`, `simulate`, `sync --once`). One receiver is killed with SIGKILL
while they send: every response and reply request the kiosks made is stored exactly once.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

import psycopg
import pytest

from kiosk.enrolment import ENROLLED_KEY_FILE, read_enrolment
from kiosk.outbox import Outbox
from kiosk.survey import default_survey_path
from tests.load_balancer import Balanced, LoadBalancerUnavailable, balanced_receivers
from tests.postgres import PostgresServer
from tests.receiver_support import REPLY_TABLE, UNIT, postgres_server  # noqa: F401
from tests.test_sync_end_to_end import run

KIOSKS = 3
RESPONSES_EACH = 120  # with the reply requests some visits make, about 140 envelopes a kiosk
BATCH_SIZE = 10  # many batches: the kill lands in the middle of the sending
KILL_AT = 1 / 3  # of the envelopes stored
MAX_ROUNDS = 20  # `sync --once` runs per kiosk; a failed one is run again, as the app's thread retries
DEADLINE_SECONDS = 120


@pytest.fixture
def database(postgres_server: PostgresServer) -> str:
    """A database of its own, as a provider gives its receivers (not a schema in a shared one)."""
    postgres_server.admin("CREATE DATABASE balanced")
    yield postgres_server.url("balanced")
    postgres_server.admin("DROP DATABASE balanced WITH (FORCE)")


@pytest.fixture
def balanced(tmp_path, database) -> Balanced:
    try:
        with balanced_receivers(tmp_path / "provider", database, receiver_lines="requests_per_minute = 100000\n",
                                tables=REPLY_TABLE) as balanced:
            yield balanced
    except LoadBalancerUnavailable as reason:
        pytest.skip(str(reason))


class Kiosk:
    """A kiosk with a config file of its own, enrolled through the load balancer."""

    def __init__(self, folder: Path, kiosk_id: str, balanced: Balanced):
        self.data_dir = folder / "data"
        token = receiver_command(balanced, "kiosks", "add", kiosk_id, "--unit", UNIT).splitlines()[-1]
        run("commands.kiosk", "enroll", "--server", balanced.url, "--token", token, "--ca", balanced.ca_file,
            "--data-dir", self.data_dir)
        enrolment = read_enrolment(self.data_dir)
        (folder / "signing.pub.pem").write_text(enrolment.signing_key, encoding="utf-8")
        self.config_file = folder / "kiosk.toml"
        self.config_file.write_text(
            f'[kiosk]\nid = "{kiosk_id}"\nunit = "{UNIT}"\ndata_dir = "{self.data_dir}"\n'
            f'public_key = "{self.data_dir / ENROLLED_KEY_FILE}"\n'
            f'[sync]\nserver = "{balanced.url}"\ntoken = "{token}"\nca_file = "{balanced.ca_file}"\n'
            f'signing_key = "signing.pub.pem"\nbatch_size = {BATCH_SIZE}\ntimeout_seconds = 10\n', encoding="utf-8")

    def command(self, *args: object, check: bool = True) -> subprocess.CompletedProcess:
        return run("commands.kiosk", *args, "--config", self.config_file, check=check)

    def queued_ids(self) -> list[str]:
        with Outbox(self.data_dir / "outbox", readonly=True) as outbox:
            return [envelope["id"] for envelope in outbox.oldest(len(outbox))]

    def send_until_empty(self, rounds: list[str]) -> None:
        """`kiosk sync --once` until a round ends with nothing left and no error."""
        for _ in range(MAX_ROUNDS):
            done = self.command("sync", "--once", check=False)
            rounds.append(done.stdout + done.stderr)
            if done.returncode == 0 and "left 0, error none" in done.stdout:
                return


def receiver_command(balanced: Balanced, *args: object) -> str:
    return run("commands.receiver", *args, "--config", balanced.receivers[0].config_file).stdout


def stored_ids(database: str) -> list[str]:
    """Every response and reply request stored, sorted: one stored twice would show twice."""
    with psycopg.connect(database) as connection:
        rows = connection.execute("SELECT id FROM responses UNION ALL SELECT id FROM reply_requests").fetchall()
    return sorted(row[0] for row in rows)


def kill_when_stored(balanced: Balanced, database: str, count: int) -> int:
    """SIGKILL the first receiver once `count` envelopes are stored; returns how many were then."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while (stored := len(stored_ids(database))) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    balanced.receivers[0].kill()
    return stored


def test_kiosks_send_through_the_load_balancer_and_a_receiver_killed_loses_nothing(tmp_path, balanced, database):
    receiver_command(balanced, "publish", "--survey", default_survey_path())
    kiosks = [Kiosk(tmp_path / f"kiosk-{number}", f"lobby-{number}", balanced) for number in range(1, KIOSKS + 1)]
    for kiosk in kiosks:
        kiosk.command("simulate", RESPONSES_EACH)
    queued = sorted(envelope_id for kiosk in kiosks for envelope_id in kiosk.queued_ids())
    rounds: dict[Path, list[str]] = {kiosk.data_dir: [] for kiosk in kiosks}

    senders = [threading.Thread(target=kiosk.send_until_empty, args=(rounds[kiosk.data_dir],)) for kiosk in kiosks]
    for sender in senders:
        sender.start()
    stored_at_kill = kill_when_stored(balanced, database, int(len(queued) * KILL_AT))
    for sender in senders:
        sender.join(DEADLINE_SECONDS)

    assert 0 < stored_at_kill < len(queued)  # killed in the middle of the sending
    assert stored_ids(database) == queued  # each exactly once: none lost, none twice
    assert all(kiosk.queued_ids() == [] for kiosk in kiosks), rounds
    assert all("left 0, error none" in kiosk_rounds[-1] for kiosk_rounds in rounds.values()), rounds
    assert all("Bundle 1 downloaded and verified" in "".join(kiosk_rounds) for kiosk_rounds in rounds.values())
    # Both receivers took batches before the kill: the kiosks were not tied to either.
    assert all(" stored, " in receiver.log for receiver in balanced.receivers)
    balanced.wait_for_states({"receiver-1": "DOWN", "receiver-2": "UP"})
    status = json.loads(kiosks[0].command("status", "--json").stdout)
    assert (status["queue_depth"], status["last_sync_error"]) == (0, None)


def test_with_no_receiver_up_kiosks_are_told_to_wait_and_keep_everything(tmp_path, balanced):
    kiosk = Kiosk(tmp_path / "kiosk", "lobby-1", balanced)
    kiosk.command("simulate", 5)
    queued = kiosk.queued_ids()
    for receiver in balanced.receivers:
        receiver.kill()
    balanced.wait_for_states({"receiver-1": "DOWN", "receiver-2": "DOWN"})

    refused = kiosk.command("sync", "--once", check=False)

    assert refused.returncode == 1
    assert "asked to wait (503: receiver-unavailable" in refused.stdout
    assert kiosk.queued_ids() == queued
