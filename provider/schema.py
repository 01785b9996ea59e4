"""The receiver's tables, created on first use, their schema version, and the migrations of older ones.

Portable SQL for SQLite and PostgreSQL: times are UTC ISO 8601 texts ("2026-11-23T14:05:09Z",
which sort as times do), answers and heartbeats JSON texts, flags booleans.
"""

from __future__ import annotations

from provider.database import Database, Transaction

SCHEMA_VERSION = 3

TABLES = (
    """CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS kiosks (
        id TEXT PRIMARY KEY,
        unit TEXT NOT NULL,
        token_sha256 TEXT NOT NULL UNIQUE,
        certificate_sha256 TEXT UNIQUE,
        created_at TEXT NOT NULL,
        revoked_at TEXT)""",
    # One row per uploaded batch: its answer is given again to a retry with the same body.
    """CREATE TABLE IF NOT EXISTS batches (
        kiosk TEXT NOT NULL,
        batch TEXT NOT NULL,
        body_sha256 TEXT NOT NULL,
        answer TEXT,
        state TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (kiosk, batch))""",
    # `batch` is the upload that stored the row: how a batch tells its own rows from duplicates.
    """CREATE TABLE IF NOT EXISTS responses (
        id TEXT PRIMARY KEY,
        kiosk TEXT NOT NULL,
        unit TEXT NOT NULL,
        survey TEXT NOT NULL,
        survey_version INTEGER NOT NULL,
        language TEXT NOT NULL,
        mode TEXT NOT NULL,
        own_view TEXT,
        partial BOOLEAN NOT NULL,
        misuse BOOLEAN NOT NULL,
        synthetic BOOLEAN NOT NULL,
        hour TEXT NOT NULL,
        reply TEXT,
        answers TEXT NOT NULL,
        clock_synced BOOLEAN,
        received_at TEXT NOT NULL,
        batch TEXT NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS responses_received_at ON responses (received_at)""",
    """CREATE TABLE IF NOT EXISTS reply_requests (
        id TEXT PRIMARY KEY,
        reference TEXT NOT NULL,
        contact_kind TEXT NOT NULL,
        contact TEXT NOT NULL,
        language TEXT NOT NULL,
        promised_days INTEGER,
        kiosk TEXT NOT NULL,
        unit TEXT NOT NULL,
        hour TEXT NOT NULL,
        synthetic BOOLEAN NOT NULL,
        clock_synced BOOLEAN,
        received_at TEXT NOT NULL,
        reply_deadline TEXT NOT NULL,
        batch TEXT NOT NULL)""",
    """CREATE INDEX IF NOT EXISTS reply_requests_received_at ON reply_requests (received_at)""",
    """CREATE TABLE IF NOT EXISTS heartbeats (
        kiosk TEXT PRIMARY KEY,
        received_at TEXT NOT NULL,
        body TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS surveys (
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        toml TEXT NOT NULL,
        PRIMARY KEY (id, version))""",
    """CREATE TABLE IF NOT EXISTS bundles (
        version INTEGER PRIMARY KEY,
        bundle {binary} NOT NULL,
        signature {binary} NOT NULL,
        created_at TEXT NOT NULL)""",
)

# The statements that take a database of version N (the key) to version N + 1.
MIGRATIONS = {
    # Reply requests carry their own synthetic flag; an older one takes its response's.
    1: ("ALTER TABLE reply_requests ADD COLUMN synthetic BOOLEAN NOT NULL DEFAULT FALSE",
        "UPDATE reply_requests SET synthetic = TRUE WHERE EXISTS (SELECT 1 FROM responses r "
        "WHERE r.reply = reply_requests.reference AND r.synthetic = TRUE)"),
    # Whether a helped client's answers are their own view; responses stored before it was asked have none.
    2: ("ALTER TABLE responses ADD COLUMN own_view TEXT",),
}


class SchemaTooNew(Exception):
    """The database was made by a newer receiver: this one must not write to it."""


def create_schema(database: Database) -> None:
    """Create what is missing, migrate an older database and record the version; safe to run by
    several receivers at once."""
    with database.transaction() as tx:
        if database.schema_lock:
            tx.run(database.schema_lock)
        for statement in TABLES:
            tx.run(statement.format(binary=database.binary_type))
        _check_version(tx)


def _check_version(tx: Transaction) -> None:
    version = tx.run("SELECT MAX(version) FROM schema_version").fetchone()[0]
    if version is None:
        tx.run("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
    elif version > SCHEMA_VERSION:
        raise SchemaTooNew(f"the database has schema version {version}; this receiver knows up to {SCHEMA_VERSION}")
    elif version < SCHEMA_VERSION:
        for older in range(version, SCHEMA_VERSION):
            for statement in MIGRATIONS[older]:
                tx.run(statement)
        tx.run("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))
