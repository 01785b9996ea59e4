"""The receiver's storage: kiosks, batches, responses, reply requests, heartbeats, surveys, bundles.

One API over SQLite and PostgreSQL (provider.database). Each envelope id is stored at
most once: the primary key decides, through `INSERT ... ON CONFLICT DO NOTHING`, inside one
transaction per batch that also keeps the batch's answer for retries.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import astuple, dataclass, field
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any

from provider.database import Database, Transaction, open_database
from provider.schema import create_schema
from sync.wire import records as wire
from sync.wire.records import Record, ReplyRequest, Response

# A table's columns: the wire record's (sync/wire/records.py), then what the provider adds.
RESPONSE_COLUMNS = wire.RESPONSE_COLUMNS + ("answers", "clock_synced", "received_at")
REPLY_COLUMNS = wire.REPLY_COLUMNS + ("clock_synced", "received_at", "reply_deadline")
# A batch claimed this long ago and never finished was left by a receiver that stopped: take it over.
STALE_CLAIM = timedelta(minutes=2)
_IN_CHUNK = 500  # ids per `IN (...)`: well below every database's limit on parameters
_PROCESSING, _DONE = "processing", "done"


def utc_text(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Kiosk:
    id: str
    unit: str
    revoked: bool = False


@dataclass(frozen=True)
class KioskStatus:
    id: str
    unit: str
    certificate_sha256: str | None
    created_at: str
    revoked_at: str | None
    heartbeat_at: str | None
    heartbeat: dict | None  # the kiosk's last heartbeat, as it sent it


class ClaimKind(Enum):
    NEW = "new"  # this request processes the batch
    REPLAY = "replay"  # processed before: `answer` is the answer given then
    CONFLICT = "conflict"  # the batch id was used with another body
    IN_FLIGHT = "in-flight"  # another request is processing it now


@dataclass(frozen=True)
class Claim:
    kind: ClaimKind
    answer: dict | None = None


@dataclass(frozen=True)
class StoredBundle:
    version: int
    raw: bytes
    signature: bytes


@dataclass(frozen=True)
class Received:
    """A record as the provider keeps it: with whether the kiosk's clock was synchronised
    (None: the kiosk did not say), when it arrived and, for a reply request, by when to answer."""

    record: Record
    clock_synced: bool | None
    received_at: str
    reply_deadline: str | None = None


@dataclass(frozen=True)
class Counts:
    responses: int = 0
    synthetic_responses: int = 0  # of the responses
    reply_requests: int = 0
    synthetic_reply_requests: int = 0  # of the reply requests


@dataclass(frozen=True)
class Stats(Counts):
    per_kiosk: dict[str, Counts] = field(default_factory=dict)


def open_store(url: str) -> Store:
    """Open the database at `url` (sqlite:///... or postgresql://...), creating its tables on first use."""
    database = open_database(url)
    try:
        create_schema(database)
    except BaseException:
        database.close()
        raise
    return Store(database)


class Store:
    def __init__(self, database: Database):
        self._db = database

    def close(self) -> None:
        self._db.close()

    def ping(self) -> None:
        """Raises StoreUnavailable when the database cannot be reached."""
        with self._db.transaction(write=False) as tx:
            tx.run("SELECT 1").fetchone()

    # -- kiosks -----------------------------------------------------------------------------

    def add_kiosk(self, kiosk_id: str, unit: str, token_sha256: str, certificate_sha256: str | None,
                  now: datetime) -> bool:
        """False when a kiosk with this id, token or certificate exists already."""
        with self._db.transaction() as tx:
            taken = tx.run("SELECT 1 FROM kiosks WHERE id = ? OR certificate_sha256 = ?",
                           (kiosk_id, certificate_sha256)).fetchone()
            if taken:
                return False
            return tx.run("INSERT INTO kiosks (id, unit, token_sha256, certificate_sha256, created_at) "
                          "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                          (kiosk_id, unit, token_sha256, certificate_sha256, utc_text(now))).rowcount == 1

    def revoke_kiosk(self, kiosk_id: str, now: datetime) -> bool:
        """False when there is no such kiosk; revoking twice keeps the first time."""
        with self._db.transaction() as tx:
            tx.run("UPDATE kiosks SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (utc_text(now), kiosk_id))
            return tx.run("SELECT 1 FROM kiosks WHERE id = ?", (kiosk_id,)).fetchone() is not None

    def renew_kiosk(self, kiosk_id: str, token_sha256: str) -> bool:
        """Give the kiosk a new token, and lift its revocation: the envelopes it sealed name its
        id, so only it can send them. False when there is no such kiosk."""
        with self._db.transaction() as tx:
            return tx.run("UPDATE kiosks SET token_sha256 = ?, revoked_at = NULL WHERE id = ?",
                          (token_sha256, kiosk_id)).rowcount == 1

    def kiosk_by_token(self, token_sha256: str) -> tuple[Kiosk, str] | None:
        """The kiosk and the hash stored for it, for the caller to compare in constant time."""
        return self._kiosk_where("token_sha256", token_sha256)

    def kiosk_by_certificate(self, certificate_sha256: str) -> tuple[Kiosk, str] | None:
        return self._kiosk_where("certificate_sha256", certificate_sha256)

    def _kiosk_where(self, column: str, value: str) -> tuple[Kiosk, str] | None:
        with self._db.transaction(write=False) as tx:
            row = tx.run(f"SELECT id, unit, revoked_at, {column} FROM kiosks WHERE {column} = ?", (value,)).fetchone()
        return None if row is None else (Kiosk(row[0], row[1], row[2] is not None), row[3])

    def kiosks(self) -> list[KioskStatus]:
        with self._db.transaction(write=False) as tx:
            rows = tx.run("SELECT k.id, k.unit, k.certificate_sha256, k.created_at, k.revoked_at, h.received_at, "
                          "h.body FROM kiosks k LEFT JOIN heartbeats h ON h.kiosk = k.id ORDER BY k.id").fetchall()
        return [KioskStatus(*row[:6], json.loads(row[6]) if row[6] else None) for row in rows]

    def save_heartbeat(self, kiosk_id: str, received_at: datetime, body: dict) -> None:
        with self._db.transaction() as tx:
            tx.run("INSERT INTO heartbeats (kiosk, received_at, body) VALUES (?, ?, ?) "
                   "ON CONFLICT (kiosk) DO UPDATE SET received_at = excluded.received_at, body = excluded.body",
                   (kiosk_id, utc_text(received_at), json.dumps(body, ensure_ascii=False)))

    # -- batches ----------------------------------------------------------------------------

    def claim_batch(self, kiosk_id: str, batch: str, body_sha256: str, now: datetime) -> Claim:
        with self._db.transaction() as tx:
            inserted = tx.run("INSERT INTO batches (kiosk, batch, body_sha256, state, created_at) "
                              "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                              (kiosk_id, batch, body_sha256, _PROCESSING, utc_text(now))).rowcount
            if inserted:
                return Claim(ClaimKind.NEW)
            stored_sha256, answer, state, created_at = tx.run(
                "SELECT body_sha256, answer, state, created_at FROM batches WHERE kiosk = ? AND batch = ?",
                (kiosk_id, batch)).fetchone()
            if stored_sha256 != body_sha256:
                return Claim(ClaimKind.CONFLICT)
            if state == _DONE:
                return Claim(ClaimKind.REPLAY, json.loads(answer))
            if now - _parse_utc(created_at) < STALE_CLAIM:
                return Claim(ClaimKind.IN_FLIGHT)
            taken_over = tx.run("UPDATE batches SET created_at = ? WHERE kiosk = ? AND batch = ? AND created_at = ?",
                                (utc_text(now), kiosk_id, batch, created_at)).rowcount
            return Claim(ClaimKind.NEW if taken_over else ClaimKind.IN_FLIGHT)

    def release_batch(self, kiosk_id: str, batch: str) -> None:
        """Forget an unfinished claim, so that the kiosk's retry is processed afresh."""
        with self._db.transaction() as tx:
            tx.run("DELETE FROM batches WHERE kiosk = ? AND batch = ? AND state = ?", (kiosk_id, batch, _PROCESSING))

    def store_batch(self, kiosk_id: str, batch: str, received: Sequence[Received],
                    answer_for: Callable[[set[str]], dict]) -> dict:
        """Store the records of a claimed batch (each id once in it) and its answer, in one transaction.
        `answer_for` gets the ids stored now (the others were stored before) and makes the answer."""
        responses = [_response_row(item) for item in received if isinstance(item.record, Response)]
        replies = [_reply_row(item) for item in received if isinstance(item.record, ReplyRequest)]
        with self._db.transaction() as tx:
            stored = (_insert_new(tx, "responses", RESPONSE_COLUMNS, responses, kiosk_id, batch)
                      | _insert_new(tx, "reply_requests", REPLY_COLUMNS, replies, kiosk_id, batch))
            answer = answer_for(stored)
            tx.run("UPDATE batches SET answer = ?, state = ? WHERE kiosk = ? AND batch = ?",
                   (json.dumps(answer), _DONE, kiosk_id, batch))
        return answer

    # -- surveys and bundles ----------------------------------------------------------------

    def add_survey(self, survey_id: str, version: int, toml: str) -> str:
        """Register a survey's text; returns the text stored under its id and version (another
        text than `toml` means that version was published before with other questions)."""
        with self._db.transaction() as tx:
            tx.run("INSERT INTO surveys (id, version, toml) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                   (survey_id, version, toml))
            return tx.run("SELECT toml FROM surveys WHERE id = ? AND version = ?", (survey_id, version)).fetchone()[0]

    def surveys_answered(self) -> list[tuple[str, int]]:
        """The (survey id, version) pairs stored responses answer."""
        with self._db.transaction(write=False) as tx:
            return [tuple(row) for row in tx.run("SELECT DISTINCT survey, survey_version FROM responses "
                                                 "ORDER BY survey, survey_version")]

    def survey_texts(self) -> list[tuple[str, int, str]]:
        with self._db.transaction(write=False) as tx:
            return [tuple(row) for row in tx.run("SELECT id, version, toml FROM surveys ORDER BY id, version")]

    def add_bundle(self, bundle: StoredBundle, now: datetime) -> bool:
        """False when that version exists already (another publish took it)."""
        with self._db.transaction() as tx:
            return tx.run("INSERT INTO bundles (version, bundle, signature, created_at) VALUES (?, ?, ?, ?) "
                          "ON CONFLICT DO NOTHING",
                          (bundle.version, bundle.raw, bundle.signature, utc_text(now))).rowcount == 1

    def newest_bundle(self) -> StoredBundle | None:
        with self._db.transaction(write=False) as tx:
            row = tx.run("SELECT version, bundle, signature FROM bundles ORDER BY version DESC LIMIT 1").fetchone()
        return None if row is None else StoredBundle(row[0], bytes(row[1]), bytes(row[2]))

    def newest_bundle_version(self) -> int:
        """0 when nothing was published yet."""
        with self._db.transaction(write=False) as tx:
            return tx.run("SELECT MAX(version) FROM bundles").fetchone()[0] or 0

    # -- reading and tidying ----------------------------------------------------------------

    def responses(self, *, since: str | None = None, include_synthetic: bool = False) -> list[dict]:
        """Responses in their wire form (sync/wire/records.py), plus `clock` and `received_at`;
        without synthetic ones unless asked."""
        rows = self._rows("responses", RESPONSE_COLUMNS, since, include_synthetic)
        return [_response_record(row) for row in rows]

    def reply_requests(self, *, since: str | None = None, include_synthetic: bool = False) -> list[dict]:
        """Reply requests in their wire form, plus `clock`, `received_at` and `reply_deadline`;
        without synthetic ones unless asked."""
        rows = self._rows("reply_requests", REPLY_COLUMNS, since, include_synthetic)
        return [_reply_record(row) for row in rows]

    def _rows(self, table: str, columns: tuple[str, ...], since: str | None, include_synthetic: bool) -> list[dict]:
        """A table's rows received since `since`, oldest first, as dicts of `columns`."""
        where, params = _since(since)
        if not include_synthetic:
            where.append("synthetic = ?")
            params.append(False)
        with self._db.transaction(write=False) as tx:
            rows = tx.run(f"SELECT {', '.join(columns)} FROM {table} {_where(where)} ORDER BY received_at, id",
                          params).fetchall()
        return [dict(zip(columns, row)) for row in rows]

    def stats(self) -> Stats:
        with self._db.transaction(write=False) as tx:
            responses = _counts_by_kiosk(tx, "responses")
            replies = _counts_by_kiosk(tx, "reply_requests")
        per_kiosk = {kiosk: Counts(*responses.get(kiosk, (0, 0)), *replies.get(kiosk, (0, 0)))
                     for kiosk in sorted(responses.keys() | replies.keys())}
        return Stats(*(sum(column) for column in zip(*map(astuple, per_kiosk.values()))), per_kiosk=per_kiosk)

    def drop_synthetic(self) -> tuple[int, int]:
        """Delete synthetic responses and synthetic reply requests; returns both counts."""
        with self._db.transaction() as tx:
            responses = tx.run("DELETE FROM responses WHERE synthetic = ?", (True,)).rowcount
            replies = tx.run("DELETE FROM reply_requests WHERE synthetic = ?", (True,)).rowcount
        return responses, replies


def _counts_by_kiosk(tx: Transaction, table: str) -> dict[str, tuple[int, int]]:
    """kiosk -> (rows, of which synthetic)."""
    rows = tx.run(f"SELECT kiosk, COUNT(*), SUM(CASE WHEN synthetic THEN 1 ELSE 0 END) FROM {table} "
                  "GROUP BY kiosk").fetchall()
    return {kiosk: (count, int(synthetic)) for kiosk, count, synthetic in rows}


def _insert_new(tx: Transaction, table: str, columns: tuple[str, ...], rows: Sequence[dict], kiosk_id: str,
                batch: str) -> set[str]:
    """Insert the rows whose id is new; returns their ids. Each row is tagged with the batch,
    so that when some ids existed already, the rows that carry this batch are the ones stored now."""
    if not rows:
        return set()
    ids = [row["id"] for row in rows]
    changed = tx.run_many(
        f"INSERT INTO {table} ({', '.join(columns)}, batch) VALUES ({', '.join('?' * (len(columns) + 1))}) "
        "ON CONFLICT DO NOTHING",
        [[row[column] for column in columns] + [batch] for row in rows])
    if changed == len(rows):
        return set(ids)
    if changed == 0:
        return set()
    return {row_id for row_id, row_kiosk, row_batch in _rows_by_id(tx, table, ids)
            if (row_kiosk, row_batch) == (kiosk_id, batch)}


def _rows_by_id(tx: Transaction, table: str, ids: list[str]) -> Iterable[tuple[str, str, str]]:
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = ids[start:start + _IN_CHUNK]
        yield from tx.run(f"SELECT id, kiosk, batch FROM {table} WHERE id IN ({', '.join('?' * len(chunk))})",
                          chunk).fetchall()


def _since(since: str | None) -> tuple[list[str], list[Any]]:
    return (["received_at >= ?"], [since]) if since else ([], [])


def _where(conditions: list[str]) -> str:
    return f"WHERE {' AND '.join(conditions)}" if conditions else ""


def _clock(synced: bool | None) -> str | None:
    return None if synced is None else "synced" if synced else "unsynced"


def _response_row(item: Received) -> dict:
    response = item.record
    return {**response.row(), "answers": json.dumps(response.to_wire()["answers"], ensure_ascii=False),
            "clock_synced": item.clock_synced, "received_at": item.received_at}


def _reply_row(item: Received) -> dict:
    return {**item.record.row(), "clock_synced": item.clock_synced, "received_at": item.received_at,
            "reply_deadline": item.reply_deadline}


def _response_record(row: dict) -> dict:
    response = Response.from_row(row, json.loads(row["answers"]))
    return {**response.to_wire(), "clock": _clock(row["clock_synced"]), "received_at": row["received_at"]}


def _reply_record(row: dict) -> dict:
    return {**ReplyRequest.from_row(row).to_wire(), "clock": _clock(row["clock_synced"]),
            "received_at": row["received_at"], "reply_deadline": row["reply_deadline"]}
