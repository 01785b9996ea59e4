"""The receiver's database holds opened feedback and clients' phone numbers and e-mail addresses:
its files are the service's alone (0600, folders it makes 0700), whatever the umask."""

from __future__ import annotations

import os
import stat

import pytest

from provider.config import sqlite_url
from provider.store import open_store
from tests.receiver_support import add_kiosk


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask():
    before = os.umask(0o002)  # a umask that would leave the files readable by everyone
    yield
    os.umask(before)


def test_the_database_and_its_wal_files_are_private_whatever_the_umask(tmp_path, open_umask):
    folder = tmp_path / "data" / "receiver"
    store = open_store(sqlite_url(folder / "receiver.db"))
    try:
        add_kiosk(store)  # a write: the -wal and -shm files appear
        files = sorted(folder.iterdir())
        assert {path.name for path in files} >= {"receiver.db", "receiver.db-wal", "receiver.db-shm"}
        assert {path.name: mode(path) for path in files} == dict.fromkeys((path.name for path in files), 0o600)
        assert mode(folder) == mode(folder.parent) == 0o700
    finally:
        store.close()


def test_a_folder_that_was_there_is_left_as_it_was(tmp_path, open_umask):
    shared = tmp_path / "srv"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    store = open_store(sqlite_url(shared / "receiver.db"))
    store.close()
    assert mode(shared) == 0o755 and mode(shared / "receiver.db") == 0o600
