"""`kiosk-receiver backup` and `restore`: the receiver's database copied while it runs, and put back.

SQLite: sqlite3's online backup API, from a connection of its own, copies one consistent
snapshot while the receivers go on writing (WAL: readers and writers do not wait for each
other). PostgreSQL: pg_dump's custom format, taken in a snapshot the command shares with its
own count of what the dump holds; put back with pg_restore.

Either way the copy is made in a temporary file beside its destination, readable by the service
alone (it holds opened feedback and clients' contact details), checked, flushed to the disk and
only then given its name, never over an existing file: a backup that is there is whole, and a
restore never replaces a database. docs/provider-operations.md says what a restore loses.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kiosk.errors import UserError
from provider.database import private_folder

RECORD_TABLES = ("responses", "reply_requests")
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


@dataclass(frozen=True)
class Contents:
    """What a backup holds, or a restored database."""

    responses: int
    reply_requests: int
    newest_received_at: str | None  # what arrived after this is not in it

    def words(self) -> str:
        newest = f"the newest received {self.newest_received_at}" if self.newest_received_at else "none received yet"
        return f"{self.responses} responses and {self.reply_requests} reply requests ({newest})"


def backup(url: str, destination: Path) -> Contents:
    """Copy the database at `url` to the new file `destination`; raises UserError."""
    _refuse_existing(destination, "a backup is never overwritten: give a new file name")
    if _is_sqlite(url):
        return _copy_sqlite(_sqlite_path(url), destination)
    return _dump_postgres(url, destination)


def restore(url: str, source: Path) -> Contents:
    """Put the backup `source` back as the database at `url`, which must be new (SQLite: no file;
    PostgreSQL: an empty database); raises UserError."""
    if not source.is_file():
        raise UserError("is not a file", file=source)
    if _is_sqlite(url):
        path = _sqlite_path(url)
        for existing in (path, *(path.with_name(path.name + suffix) for suffix in SQLITE_SIDE_FILES)):
            _refuse_existing(existing, "a restore never replaces a database: move it (and its -wal and -shm) aside")
        return _copy_sqlite(source, path)
    return _restore_postgres(url, source)


def _is_sqlite(url: str) -> bool:
    return urlsplit(url).scheme == "sqlite"


def _sqlite_path(url: str) -> Path:
    return Path(urlsplit(url).path)


def _refuse_existing(path: Path, why: str) -> None:
    if os.path.lexists(path):
        raise UserError(f"exists already: {why}", file=path)


# -- the new file ---------------------------------------------------------------------------


@contextmanager
def _new_private_file(destination: Path) -> Iterator[Path]:
    """A temporary file beside `destination`, 0600; if the block succeeds it becomes `destination`
    (flushed to the disk first, and never over a file that appeared meanwhile)."""
    try:
        private_folder(destination.parent)
        scratch = destination.with_name(f".{destination.name}.partial-{os.getpid()}")
        os.close(os.open(scratch, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except OSError as error:
        raise UserError(f"cannot be written ({error.strerror})", file=destination) from None
    try:
        yield scratch
        _fsync(scratch)
        os.link(scratch, destination)  # unlike rename, refuses to replace
        _fsync(destination.parent)
    except FileExistsError:
        raise UserError("exists already: it appeared while the copy was made", file=destination) from None
    finally:
        scratch.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# -- SQLite ---------------------------------------------------------------------------------


def _copy_sqlite(source: Path, destination: Path) -> Contents:
    """One consistent snapshot of the receiver's database `source` in the new file `destination`,
    checked, as a single file (its journal not in WAL mode: the receiver turns that on again)."""
    try:
        # mode=rw: a missing database is an error, not a new empty one.
        reading = sqlite3.connect(f"file:{source}?mode=rw", uri=True)
    except sqlite3.Error as error:
        raise UserError(f"cannot be opened ({error})", file=source) from None
    try:
        with _new_private_file(destination) as scratch:
            copy = sqlite3.connect(scratch, isolation_level=None)
            try:
                reading.backup(copy)  # all pages in one step: one snapshot, even while others write
                copy.execute("PRAGMA journal_mode = DELETE")
                return _checked_sqlite(copy, source)
            finally:
                copy.close()
    except sqlite3.Error as error:
        raise UserError(f"cannot be copied ({error})", file=source) from None
    finally:
        reading.close()


def _checked_sqlite(copy: sqlite3.Connection, source: Path) -> Contents:
    problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
    if problems != ["ok"]:
        raise UserError(f"is damaged: {'; '.join(problems[:3])}", file=source)
    tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not {"schema_version", *RECORD_TABLES} <= tables:
        raise UserError("is not a receiver's database (no responses, reply_requests and schema_version tables)",
                        file=source)
    return _contents(copy.execute)


def _contents(run: Callable[[str], Any]) -> Contents:
    """Counted with `run(sql)` (a connection's or a cursor's execute)."""
    counts = [run(f"SELECT COUNT(*), MAX(received_at) FROM {table}").fetchone() for table in RECORD_TABLES]
    newest = max((newest for _, newest in counts if newest), default=None)
    return Contents(counts[0][0], counts[1][0], newest)


# -- PostgreSQL -----------------------------------------------------------------------------


def _dump_postgres(url: str, destination: Path) -> Contents:
    """pg_dump in a snapshot exported from a transaction that counts what it holds."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=10) as connection:
            connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            connection.read_only = True
            with connection.transaction(), connection.cursor() as cursor:
                snapshot = cursor.execute("SELECT pg_export_snapshot()").fetchone()[0]
                contents = _contents(cursor.execute)
                with _new_private_file(destination) as scratch:
                    _postgres_tool(url, "pg_dump", ["--format=custom", f"--snapshot={snapshot}",
                                                    f"--file={scratch}"])
                    _postgres_tool(url, "pg_restore", ["--list", str(scratch)], database=False)
    except psycopg.Error as error:
        raise UserError(f"cannot be backed up: {error}", key="receiver.database") from None
    return contents


def _restore_postgres(url: str, source: Path) -> Contents:
    """pg_restore into the configured database, which must not hold the receiver's tables yet.
    --no-owner: the restored tables belong to the receiver's role, whoever owned them before."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=10, autocommit=True) as connection:
            if connection.execute("SELECT to_regclass('schema_version')").fetchone()[0] is not None:
                raise UserError("already holds a receiver's tables: a restore never replaces a database; restore "
                                "into a new, empty one", key="receiver.database")
            _postgres_tool(url, "pg_restore", ["--single-transaction", "--exit-on-error", "--no-owner",
                                               "--no-privileges", str(source)])
            return _contents(connection.execute)
    except psycopg.Error as error:
        raise UserError(f"cannot be restored into: {error}", key="receiver.database") from None


def _postgres_tool(url: str, program: str, arguments: Sequence[str], *, database: bool = True) -> None:
    """Run pg_dump or pg_restore on the database at `url`: its password, if the URL has one, in
    the environment (PGPASSWORD), never on a command line that `ps` shows."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    path = shutil.which(program)
    if path is None:
        raise UserError(f"{program} is not installed (Debian package postgresql-client)")
    params = conninfo_to_dict(url)
    env = dict(os.environ)
    if "password" in params:
        env["PGPASSWORD"] = str(params.pop("password"))
    command = [path, *arguments, *([f"--dbname={make_conninfo(**params)}"] if database else [])]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise UserError(f"{program} failed: {done.stderr.strip()[-1000:]}")
