"""A PostgreSQL server of its own, on a unix socket in a temporary folder: for the receiver's
tests (the `postgres_server` fixture of tests/receiver_support.py) and for bench/intake.py.

No pytest here: a machine where PostgreSQL cannot run raises PostgresUnavailable, which the
tests turn into a skip and the bench into a row saying why.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

STARTUP_SECONDS = 60
STOP_SECONDS = 30


class PostgresUnavailable(Exception):
    """PostgreSQL cannot be run on this machine; the message says why."""


@dataclass(frozen=True)
class PostgresServer:
    socket_dir: Path
    port: int = 5432

    def url(self, database: str) -> str:
        return f"postgresql://postgres@/{database}?host={self.socket_dir}&port={self.port}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(sql)


def _binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda path: int(path.split("/")[4]))
    if not found:
        raise PostgresUnavailable("PostgreSQL is not installed")
    return Path(found[-1]).parent


def _run_as() -> dict:
    """initdb refuses to run as root: as root, run PostgreSQL as the `postgres` system user."""
    if os.geteuid() != 0:
        return {}
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresUnavailable("running as root and there is no `postgres` user to run PostgreSQL as "
                                  "(initdb refuses root)") from None
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


@contextmanager
def running_postgres(*, durable: bool = False) -> Iterator[PostgresServer]:
    """A fresh cluster, started, and stopped (fast shutdown) afterwards. `durable=False` turns
    fsync off, which is quicker for tests; a benchmark wants it on, as in production.
    Raises PostgresUnavailable, or RuntimeError (with the server's log) if it does not start."""
    binaries = _binaries()
    run_as = _run_as()
    folder = Path(tempfile.mkdtemp(prefix="receiver-pg-"))
    if run_as:
        os.chown(folder, run_as["user"], run_as["group"])
    run_as["cwd"] = folder  # a folder the server's user may enter, wherever the caller runs
    log_path = folder.parent / f"{folder.name}.log"
    try:
        with open(log_path, "wb") as log:
            made = subprocess.run([binaries / "initdb", "-D", folder / "data", "-U", "postgres", "--auth=trust",
                                   "-N", "-E", "UTF8", "--locale=C"], stdout=log, stderr=log, **run_as)
            if made.returncode != 0:
                raise RuntimeError(f"initdb failed: {_tail(log_path)}")
            server = subprocess.Popen([binaries / "postgres", "-D", folder / "data", "-k", folder, "-c",
                                       "listen_addresses=", "-p", "5432", "-c", f"fsync={'on' if durable else 'off'}"],
                                      stdout=log, stderr=log, **run_as)
        try:
            yield _wait_until_up(PostgresServer(folder), server, log_path)
        finally:
            server.send_signal(signal.SIGINT)  # fast shutdown: does not wait for clients to leave
            try:
                server.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        log_path.unlink(missing_ok=True)


def _wait_until_up(postgres: PostgresServer, server: subprocess.Popen, log_path: Path) -> PostgresServer:
    import psycopg

    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            postgres.admin("SELECT 1")
            return postgres
        except psycopg.OperationalError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL did not start: {_tail(log_path)}") from None
            time.sleep(0.05)


def _tail(log_path: Path) -> str:
    return log_path.read_text(errors="replace")[-2000:]
