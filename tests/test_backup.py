"""Backups and restore, with real processes: the receiver (`python -m commands.receiver serve`) on
SQLite and on a real PostgreSQL, kiosks (`kiosk enroll`, `simulate`, `sync --once`),
`kiosk-receiver backup` while the receiver runs, the database destroyed, `kiosk-receiver
restore`: every response and reply request of the backup is there again, exactly as it was,
and the kiosks send what they still hold, each once, and nothing twice.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from provider.backup import backup
from provider.config import sqlite_url
from tests.postgres import PostgresServer
from tests.receiver_processes import ReceiverProcess, start_receiver, write_receiver_config
from tests.receiver_support import REPLY_TABLE, postgres_server  # noqa: F401
from tests.test_sync_end_to_end import KIOSK, UNIT, Kiosk, Syncing, provider_secrets, run  # noqa: F401

class Database:
    """Where the receiver keeps its data, and how a disaster takes it away."""

    def __init__(self, url: str, destroy, read):
        self.url = url
        self.destroy = destroy  # () -> None: the database gone (PostgreSQL: an empty one made in its place)
        self.stored_ids = read  # () -> sorted ids of every response and reply request, repeats repeated


def sqlite_database(folder: Path) -> Database:
    path = folder / "receiver.db"

    def destroy() -> None:
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)

    def read() -> list[str]:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return sorted(row[0] for row in connection.execute(STORED_IDS))
        finally:
            connection.close()

    return Database(sqlite_url(path), destroy, read)


def postgres_database(server: PostgresServer, name: str) -> Database:
    import psycopg

    def destroy() -> None:
        server.admin(f"DROP DATABASE {name} WITH (FORCE)")
        server.admin(f"CREATE DATABASE {name}")

    def read() -> list[str]:
        with psycopg.connect(server.url(name)) as connection:
            return sorted(row[0] for row in connection.execute(STORED_IDS))

    server.admin(f"CREATE DATABASE {name}")
    return Database(server.url(name), destroy, read)


STORED_IDS = "SELECT id FROM responses UNION ALL SELECT id FROM reply_requests"


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> Iterator[Database]:
    if request.param == "sqlite":
        yield sqlite_database(tmp_path / "receiver")
        return
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is missing (Debian package postgresql-client)")
    server = request.getfixturevalue("postgres_server")
    yield postgres_database(server, "restored")
    server.admin("DROP DATABASE restored WITH (FORCE)")


class Receiver:
    """A receiver process on `database`, with the provider's keys, and its commands."""

    def __init__(self, folder: Path, secrets: Path, database: Database):
        data_dir = folder / "receiver"
        shutil.copytree(secrets, data_dir, dirs_exist_ok=True)
        self.database_url = database.url
        self.config_file = folder / "receiver.toml"
        address = write_receiver_config(self.config_file, database=database.url, keys_dir=data_dir / "keys",
                                        signing_key=data_dir / "signing-key.pem", data_dir=data_dir, tls=None,
                                        more=f"requests_per_minute = 100000\n{REPLY_TABLE}")
        self.url = f"http://{address}"
        self._process: ReceiverProcess | None = None

    def command(self, *args: object, check: bool = True):
        return run("commands.receiver", *args, "--config", self.config_file, check=check)

    def start(self) -> None:
        self._process = start_receiver("receiver", self.config_file)
        self._process.wait_until_healthy()

    def stop(self) -> None:
        self._process.stop()

    def export(self, *options: str) -> list[dict]:
        output = self.command("export", "--format", "jsonl", "--include-synthetic", *options).stdout
        return [json.loads(line) for line in output.splitlines()]


@pytest.fixture
def receiver(tmp_path, provider_secrets, database) -> Iterator[Receiver]:
    receiver = Receiver(tmp_path, provider_secrets, database)
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture
def kiosk(tmp_path, receiver) -> Kiosk:
    kiosk = Kiosk(tmp_path / "kiosk")
    kiosk.enroll(receiver.url, receiver.command("kiosks", "add", KIOSK, "--unit", UNIT).stdout.splitlines()[-1])
    return kiosk


def test_a_restored_backup_has_everything_it_held_and_kiosks_send_the_rest_once(tmp_path, database, receiver, kiosk):
    kiosk.simulate(40)
    before_backup = kiosk.queued_ids()
    kiosk.sync_once()
    responses, replies = receiver.export(), receiver.export("--replies")
    assert replies  # some visits asked for a reply: their contact details are in the backup too

    backed_up = receiver.command("backup", "--to", tmp_path / "backups" / "receiver.backup").stdout  # while it runs
    assert f"Backed up {len(responses)} responses and {len(replies)} reply requests" in backed_up
    kiosk.simulate(20)  # sent after the backup, and deleted by the kiosk: lost with the database
    after_backup = kiosk.queued_ids()
    kiosk.sync_once()
    kiosk.simulate(10)  # still on the kiosk when the database is lost
    still_queued = kiosk.queued_ids()
    receiver.stop()
    database.destroy()

    restored = receiver.command("restore", "--from", tmp_path / "backups" / "receiver.backup").stdout
    receiver.start()

    assert f"Restored {len(responses)} responses and {len(replies)} reply requests" in restored
    assert (receiver.export(), receiver.export("--replies")) == (responses, replies)  # every field as it was
    sent = kiosk.sync_once().stdout
    assert f"sent {len(still_queued)}, stored {len(still_queued)}, duplicate 0, rejected 0, left 0" in sent
    assert database.stored_ids() == sorted(before_backup + still_queued)  # each once
    assert set(after_backup).isdisjoint(database.stored_ids())  # what a restore loses
    assert "sent 0, stored 0" in kiosk.sync_once().stdout  # nothing is sent twice


def test_a_restore_never_replaces_a_database(tmp_path, receiver, kiosk):
    kiosk.simulate(3)
    kiosk.sync_once()
    receiver.command("backup", "--to", tmp_path / "receiver.backup")
    receiver.stop()

    refused = receiver.command("restore", "--from", tmp_path / "receiver.backup", check=False)

    assert refused.returncode == 2 and "a restore never replaces a database" in refused.stderr
    receiver.start()
    assert len(receiver.export()) == 3


def test_a_backup_is_never_overwritten_and_is_the_services_alone(tmp_path, receiver):
    backup = tmp_path / "backups" / "receiver.backup"
    receiver.command("backup", "--to", backup)
    refused = receiver.command("backup", "--to", backup, check=False)
    assert refused.returncode == 2 and "a backup is never overwritten" in refused.stderr
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600 and stat.S_IMODE(backup.parent.stat().st_mode) == 0o700
    assert [path.name for path in backup.parent.iterdir()] == ["receiver.backup"]  # no partial file left


def test_a_sqlite_backup_taken_while_a_kiosk_sends_is_one_consistent_moment(tmp_path, provider_secrets):
    """Each batch a copy holds as done has every record it stored in the copy too, however the
    copy fell between the batches' transactions (the kiosk's uploader sends batches of ten)."""
    receiver = Receiver(tmp_path, provider_secrets, sqlite_database(tmp_path / "receiver"))
    receiver.start()
    try:
        kiosk = Kiosk(tmp_path / "kiosk")
        kiosk.enroll(receiver.url, receiver.command("kiosks", "add", KIOSK, "--unit", UNIT).stdout.splitlines()[-1])
        kiosk.simulate(300)
        backups: list[Path] = []
        with Syncing(kiosk.quick_config(receiver.url)) as syncing:
            while not syncing.rounds:  # the round ends once everything is sent
                backups.append(tmp_path / "backups" / f"{len(backups)}.backup")
                backup(receiver.database_url, backups[-1])
    finally:
        receiver.stop()
    held = [stored_by_done_batches(copy) for copy in backups]
    assert len(held) > 2 and all(missing == 0 for _, missing in held), held
    counts = [count for count, _ in held]
    assert counts == sorted(counts) and counts[0] < counts[-1]  # taken one after another, as batches came


def stored_by_done_batches(backup: Path) -> tuple[int, int]:
    """(records in the copy, records its done batches answered `stored` that it lacks)."""
    connection = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        ids = {row[0] for row in connection.execute(STORED_IDS)}
        answered = [json.loads(row[0]) for row in connection.execute("SELECT answer FROM batches WHERE state = 'done'")]
    finally:
        connection.close()
    stored = {result["id"] for answer in answered for result in answer["results"] if result["status"] == "stored"}
    return len(ids), len(stored - ids)
