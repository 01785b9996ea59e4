"""Connections and transactions for the two databases the receiver runs on.

SQLite (the default; one file, WAL mode, a connection per thread) for one receiver, or
PostgreSQL (a small pool of connections) for several receivers sharing one database.
The SQL above this module is the same for both: it is written with `?` placeholders,
and this module is the one place that knows how the two differ.
"""

from __future__ import annotations

import os
import queue
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

BUSY_TIMEOUT_SECONDS = 10
POOL_SIZE = 4


class StoreUnavailable(Exception):
    """The database cannot be reached or is busy: the receiver answers 503 and the kiosk retries."""


class Transaction:
    """One open transaction: `run` and `run_many` take SQL with `?` placeholders."""

    def __init__(self, cursor: Any, placeholder: str):
        self._cursor = cursor
        self._placeholder = placeholder

    def _sql(self, sql: str) -> str:
        return sql if self._placeholder == "?" else sql.replace("?", self._placeholder)

    def run(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Returns the cursor, for fetchone/fetchall/rowcount."""
        self._cursor.execute(self._sql(sql), params)
        return self._cursor

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        """Returns how many rows were changed, all statements together."""
        if not rows:
            return 0
        self._cursor.executemany(self._sql(sql), rows)
        return self._cursor.rowcount


class Database(ABC):
    """What a backend provides: transactions, the name of its binary column type, and
    the statement that keeps two receivers from creating the schema at the same time."""

    binary_type = "BLOB"
    schema_lock: str | None = None

    @abstractmethod
    def transaction(self, *, write: bool = True) -> AbstractContextManager[Transaction]:
        """Commits when the block ends, rolls back when it raises; StoreUnavailable when the
        database cannot be reached. `write=False` promises the block only reads."""

    @abstractmethod
    def close(self) -> None:
        """Close every connection."""


def open_database(url: str) -> Database:
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return SQLiteDatabase(Path(parts.path))
    return PostgresDatabase(url)


def _private_file(path: Path) -> None:
    """Make the database file readable by the service alone, whatever the umask (and any folder
    made for it): it holds opened feedback and clients' contact details. SQLite gives the -wal
    and -shm files it makes beside it the database file's own mode. A folder that was there is
    left as it was: it may be shared (/srv, a mount point)."""
    private_folder(path.parent)
    if not path.exists():
        # Never open an existing database behind SQLite's back: closing any descriptor of a file
        # drops every POSIX lock this process holds on it, SQLite's own among them.
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    os.chmod(path, 0o600)


def private_folder(folder: Path) -> None:
    """Make `folder` and any missing parents, each 0700 whatever the umask."""
    if folder.is_dir():
        return
    private_folder(folder.parent)
    folder.mkdir(mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)


class SQLiteDatabase(Database):
    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            try:
                _private_file(self.path)
                # isolation_level=None: transactions are begun here, explicitly, never implicitly.
                connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None,
                                             check_same_thread=False)
                connection.execute("PRAGMA journal_mode = WAL")
                # FULL: a batch answered `stored` survives a power cut (the kiosk deletes its copy).
                connection.execute("PRAGMA synchronous = FULL")
            except (OSError, sqlite3.Error) as error:
                raise StoreUnavailable(f"cannot open {self.path}: {error}") from error
            self._local.connection = connection
            with self._lock:
                self._all.append(connection)
        return connection

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Transaction]:
        connection = self._connection()
        cursor = connection.cursor()
        try:
            # IMMEDIATE takes the write lock at the start, so two writers wait instead of deadlocking.
            cursor.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            yield Transaction(cursor, "?")
            cursor.execute("COMMIT")
        except sqlite3.OperationalError as error:
            _rollback(connection)
            raise StoreUnavailable(f"SQLite: {error}") from error
        except BaseException:
            _rollback(connection)
            raise
        finally:
            cursor.close()

    def close(self) -> None:
        with self._lock:
            for connection in self._all:
                connection.close()
            self._all.clear()
        self._local = threading.local()


def _rollback(connection: sqlite3.Connection) -> None:
    if connection.in_transaction:
        connection.execute("ROLLBACK")


class PostgresDatabase(Database):
    binary_type = "BYTEA"
    schema_lock = "SELECT pg_advisory_xact_lock(7311900)"  # any number of our own

    def __init__(self, url: str, size: int = POOL_SIZE):
        import psycopg

        self._psycopg = psycopg
        self._url = url
        self._idle: queue.LifoQueue = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(size)

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Transaction]:
        if not self._slots.acquire(timeout=BUSY_TIMEOUT_SECONDS):
            raise StoreUnavailable("every database connection is busy")
        connection = None
        try:
            connection = self._take()
            with connection.transaction(), connection.cursor() as cursor:
                yield Transaction(cursor, "%s")
        except self._psycopg.OperationalError as error:
            raise StoreUnavailable(f"PostgreSQL: {error}") from error
        finally:
            self._give_back(connection)
            self._slots.release()

    def _take(self) -> Any:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            return self._psycopg.connect(self._url, autocommit=True, connect_timeout=BUSY_TIMEOUT_SECONDS)

    def _give_back(self, connection: Any) -> None:
        if connection is None:
            return
        if connection.broken or connection.closed:
            connection.close()
        else:
            self._idle.put(connection)

    def close(self) -> None:
        while not self._idle.empty():
            self._idle.get_nowait().close()
