"""The outbox: sealed envelopes kept on disk until the uploader has delivered them.

The thank-you screen is shown once `Outbox.append` returns, so an append is durable
when it returns, and the store must open after the power is cut at any moment.

The envelopes live in *segments*: small tinydb files (`seg-00000001.json`, ...) written
with `AtomicJSONStorage`, so a crash leaves each file whole, old or new. Only the newest
segment is appended to, and it holds at most `segment_size` envelopes, so an append
rewrites a file of bounded size however many envelopes are waiting. A segment whose
envelopes have all been removed is deleted. An in-memory index (which segment holds
which envelope) is built once at open, so no call scans the whole store.

Removing envelopes from several segments is not one atomic step: after a crash some
of them may come back, and the uploader sends them again (delivery is at least once;
the envelope id lets the receiver drop the repeat).

`format.json` says how the segments' documents are laid out. A writer that finds an
older format upgrades the queue when it opens it, through `MIGRATIONS`, so an upgraded
kiosk keeps the feedback its previous version queued.
"""

from __future__ import annotations

import copy
import fcntl
import functools
import itertools
import json
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from tinydb import TinyDB

from kiosk.storage import AtomicJSONStorage, fsync_folder, stale_temp_files, write_atomically

log = logging.getLogger(__name__)

# An append rewrites the newest segment, so its cost grows with the segment size
# (bench/outbox_append.py, ~2 KB envelopes, p95 with none pending: 64 -> 0.9 ms,
# 128 -> 1.5 ms, 256 -> 3.1 ms on a dev VM); opening costs about the same at any size.
# The Pi's CPU is several times slower and its fsyncs too, so the smallest of these.
DEFAULT_SEGMENT_SIZE = 64
# Segments kept parsed in memory: the newest (appends) and the oldest (uploads) are the
# busy ones; more would only cost memory on a large backlog.
_OPEN_SEGMENTS = 4
_SEGMENT_NAME = re.compile(r"seg-(\d{8,})\.json")
_TABLE = TinyDB.default_table_name

_Method = TypeVar("_Method", bound=Callable[..., Any])

# How to upgrade a queue written by an older version: MIGRATIONS[n] turns one document of
# format n (what that version's `document_for` made) into format n + 1. A power cut can stop
# an upgrade between two segments, and the next open runs that step again over all of
# them: a migration must return a document already in format n + 1 unchanged.
Migration = Callable[[dict[str, Any]], dict[str, Any]]
MIGRATIONS: dict[int, Migration] = {}


class OutboxError(Exception):
    """The outbox cannot be used: another process has it, or it is of a newer format."""


def segment_path(directory: Path, number: int) -> Path:
    return directory / f"seg-{number:08d}.json"


def document_for(envelope: Mapping[str, Any], queued_at: float) -> dict[str, Any]:
    """What a segment stores for one envelope. The queue time is coarsened to the
    minute: it is there to tell how long envelopes have waited, not when anyone left
    feedback."""
    return {"envelope": copy.deepcopy(dict(envelope)), "queued_at": int(queued_at) // 60 * 60}


@dataclass(eq=False)
class _Segment:
    number: int
    path: Path
    # Envelope id -> tinydb document id, oldest first.
    doc_ids: dict[str, int] = field(default_factory=dict)


class _CorruptSegment(ValueError):
    pass


def _synchronized(method: _Method) -> _Method:
    """One lock around every public method: the app's worker threads append (the recorder) while
    the uploader's thread reads and removes, and the staff panel's thread counts."""

    @functools.wraps(method)
    def locked(self: Outbox, *args: Any, **kwargs: Any) -> Any:
        with self._mutex:
            if self._closed:
                raise OutboxError(f"{self.directory}: the outbox is closed")
            return method(self, *args, **kwargs)

    return locked  # type: ignore[return-value]


class Outbox:
    FORMAT = 1

    def __init__(self, directory: Path, *, segment_size: int = DEFAULT_SEGMENT_SIZE,
                 readonly: bool = False):
        """Open (a writer creates it if missing) the outbox in `directory`.

        A writer holds an exclusive lock on the folder while it is open. `readonly=True`
        takes no lock and never writes, so it can look at an outbox a writer is using;
        its index is made when it opens: it counts the envelopes pending then, and
        `oldest()` returns those of them that have not been removed since.
        """
        if segment_size < 1:
            raise ValueError("segment_size must be at least 1")
        self.directory = Path(directory)
        self.segment_size = segment_size
        self.readonly = readonly
        self._mutex = threading.Lock()
        self._closed = False
        self._lock_descriptor: int | None = None
        self._segments: dict[int, _Segment] = {}  # oldest first
        self._segment_of: dict[str, _Segment] = {}
        self._databases: OrderedDict[int, TinyDB] = OrderedDict()  # least recently used first
        self._last_number = 0
        try:
            self._open()
        except BaseException:
            self._release()
            raise

    # -- public API --------------------------------------------------------------------

    @_synchronized
    def append(self, envelope: dict[str, Any]) -> None:
        """Store `envelope`; it is on disk when this returns. Raises OSError (disk full,
        read-only file system) with the outbox unchanged and still usable."""
        self._require_writer()
        envelope_id = envelope.get("id")
        if not isinstance(envelope_id, str):
            raise ValueError("an envelope needs a text 'id'")
        if envelope_id in self._segment_of:
            raise ValueError(f"envelope {envelope_id} is already in the outbox")
        segment = self._segment_with_room()
        try:
            doc_id = self._database(segment).insert(document_for(envelope, time.time()))
        except OSError:
            self._reindex(segment)
            raise
        segment.doc_ids[envelope_id] = doc_id
        self._segment_of[envelope_id] = segment

    @_synchronized
    def oldest(self, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` pending envelopes, oldest first, exactly as appended."""
        documents = itertools.islice(self._pending_documents(), max(limit, 0))
        return [copy.deepcopy(document["envelope"]) for document in documents]

    @_synchronized
    def remove(self, ids: Iterable[str]) -> int:
        """Forget delivered envelopes; returns how many were pending. Unknown ids are
        ignored, so a remove that raised OSError can simply be repeated."""
        self._require_writer()
        by_segment: dict[_Segment, list[str]] = {}
        for envelope_id in set(ids):
            if envelope_id in self._segment_of:
                by_segment.setdefault(self._segment_of[envelope_id], []).append(envelope_id)
        for segment, envelope_ids in by_segment.items():
            self._remove_from(segment, envelope_ids)
        return sum(len(envelope_ids) for envelope_ids in by_segment.values())

    @_synchronized
    def __len__(self) -> int:
        return len(self._segment_of)

    @_synchronized
    def oldest_queued_at(self) -> float | None:
        """When the oldest pending envelope was queued (unix time, to the minute)."""
        document = next(self._pending_documents(), None)
        return None if document is None else float(document["queued_at"])

    def close(self) -> None:
        with self._mutex:
            self._closed = True
            self._release()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- opening -----------------------------------------------------------------------

    def _open(self) -> None:
        if self.readonly:
            if not self.directory.is_dir():
                raise OutboxError(f"{self.directory}: there is no outbox here")
        else:
            self._create_folder()
            self._lock()
        found = self._check_format()
        if not self.readonly:
            for path in stale_temp_files(self.directory):
                log.info("removing %s, left by an interrupted write", path)
                path.unlink()
            self._upgrade(found)
        matches = map(_SEGMENT_NAME.fullmatch, os.listdir(self.directory))
        numbers = [int(match[1]) for match in matches if match]
        for number in sorted(numbers):
            self._open_segment(_Segment(number, segment_path(self.directory, number)))

    def _create_folder(self) -> None:
        if self.directory.is_dir():
            return
        self.directory.mkdir(mode=0o700, parents=True)
        fsync_folder(self.directory.parent)

    def _lock(self) -> None:
        descriptor = os.open(self.directory / "lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(descriptor, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(descriptor)
            raise OutboxError(
                f"{self.directory} is in use by another process (pid {holder})") from None
        self._lock_descriptor = descriptor
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)

    def _check_format(self) -> int:
        """The format the queue is in; raises OutboxError if this version cannot use it."""
        path = self.directory / "format.json"
        try:
            found = json.loads(path.read_text(encoding="utf-8"))["format"]
        except FileNotFoundError:
            if not self.readonly:
                write_atomically(path, json.dumps({"format": self.FORMAT}))
            return self.FORMAT
        except (ValueError, TypeError, KeyError):
            raise OutboxError(f"{path} is damaged: it should say {{\"format\": "
                              f"{self.FORMAT}}}") from None
        _require_known_format(found, path)
        if found < self.FORMAT and self.readonly:  # a reader never writes: the kiosk upgrades it
            raise OutboxError(f"{self.directory} is in the outbox format of an older version of the kiosk "
                              f"({found}; this version uses {self.FORMAT}): it is upgraded when the kiosk starts")
        return found

    def _upgrade(self, found: int) -> None:
        """Bring the queue from format `found` to this version's, a step at a time: each step
        rewrites every segment atomically, then format.json names the new format."""
        for version in range(found, self.FORMAT):
            paths = sorted(path for path in self.directory.iterdir() if _SEGMENT_NAME.fullmatch(path.name))
            log.info("upgrading the outbox %s from format %d to %d (%d segments)", self.directory, version,
                     version + 1, len(paths))
            for path in paths:
                try:
                    documents = _segment_documents(path)
                except _CorruptSegment as problem:
                    self._quarantine(path, problem)
                    continue
                upgraded = {doc_id: MIGRATIONS[version](document) for doc_id, document in documents.items()}
                write_atomically(path, json.dumps({_TABLE: upgraded}, separators=(",", ":")))
            write_atomically(self.directory / "format.json", json.dumps({"format": version + 1}))
            log.info("the outbox %s is in format %d now", self.directory, version + 1)

    def _open_segment(self, segment: _Segment) -> None:
        self._last_number = max(self._last_number, segment.number)
        self._segments[segment.number] = segment
        try:
            self._reindex(segment)
        except _CorruptSegment as problem:
            self._forget(segment)
            self._quarantine(segment.path, problem)

    def _quarantine(self, path: Path, problem: Exception) -> None:
        if self.readonly:
            log.warning("skipping %s, which cannot be read: %s", path, problem)
            return
        corrupt = self.directory / "corrupt"
        corrupt.mkdir(mode=0o700, exist_ok=True)
        target = corrupt / path.name
        for copy_number in itertools.count(1):
            if not target.exists():
                break
            target = corrupt / f"{path.name}.{copy_number}"
        path.rename(target)
        fsync_folder(corrupt)
        fsync_folder(self.directory)
        log.error("moved %s to %s, because it cannot be read: %s", path, target, problem)

    # -- the index ---------------------------------------------------------------------

    def _reindex(self, segment: _Segment) -> None:
        """Make the index say what the segment's file says: after a write that raised,
        the file may or may not have changed."""
        try:
            doc_ids = _doc_ids(self._database(segment).storage.read())
        except (ValueError, OSError) as problem:  # OSError: EIO, or unreadable
            raise _CorruptSegment(str(problem)) from problem
        for envelope_id in segment.doc_ids:
            del self._segment_of[envelope_id]
        segment.doc_ids = {}
        if any(envelope_id in self._segment_of for envelope_id in doc_ids):
            raise _CorruptSegment("it repeats envelopes of another segment (a copied file?)")
        segment.doc_ids = doc_ids
        if not doc_ids:  # never written, or (reader) deleted since listed
            self._forget(segment)
            return
        for envelope_id in doc_ids:
            self._segment_of[envelope_id] = segment

    def _segment_with_room(self) -> _Segment:
        if self._segments:
            newest = self._segments[next(reversed(self._segments))]
            if len(newest.doc_ids) < self.segment_size:
                return newest
        self._last_number += 1
        segment = _Segment(self._last_number, segment_path(self.directory, self._last_number))
        self._segments[segment.number] = segment
        return segment

    def _remove_from(self, segment: _Segment, envelope_ids: list[str]) -> None:
        if len(envelope_ids) == len(segment.doc_ids):
            segment.path.unlink()
            self._forget(segment)
            fsync_folder(self.directory)
            return
        try:
            self._database(segment).remove(
                doc_ids=[segment.doc_ids[envelope_id] for envelope_id in envelope_ids])
        except OSError:
            self._reindex(segment)
            raise
        for envelope_id in envelope_ids:
            del segment.doc_ids[envelope_id]
            del self._segment_of[envelope_id]

    def _forget(self, segment: _Segment) -> None:
        for envelope_id in segment.doc_ids:
            del self._segment_of[envelope_id]
        segment.doc_ids = {}
        del self._segments[segment.number]
        database = self._databases.pop(segment.number, None)
        if database is not None:
            database.close()

    def _pending_documents(self) -> Iterator[dict[str, Any]]:
        for segment in self._segments.values():
            table = self._database(segment)
            for envelope_id, doc_id in segment.doc_ids.items():
                document = table.get(doc_id=doc_id)
                # A reader's index can be older than the file: skip what has gone since.
                if document is not None and document["envelope"]["id"] == envelope_id:
                    yield document

    def _database(self, segment: _Segment) -> TinyDB:
        if self.readonly:  # read afresh, to leave out what the writer has removed since
            return TinyDB(segment.path, storage=AtomicJSONStorage)
        database = self._databases.pop(segment.number, None)
        if database is None:
            database = TinyDB(segment.path, storage=AtomicJSONStorage)
        self._databases[segment.number] = database
        while len(self._databases) > _OPEN_SEGMENTS:
            _, least_used = self._databases.popitem(last=False)
            least_used.close()
        return database

    # -- closing -----------------------------------------------------------------------

    def _require_writer(self) -> None:
        if self.readonly:
            raise OutboxError(f"{self.directory}: this outbox was opened read-only")

    def _release(self) -> None:
        for database in self._databases.values():
            database.close()
        self._databases.clear()
        if self._lock_descriptor is not None:
            os.close(self._lock_descriptor)  # closing the file releases the flock
            self._lock_descriptor = None


def _require_known_format(found: object, path: Path) -> None:
    """The one place that decides which outbox formats this version can open: its own, and
    the older ones `MIGRATIONS` leads from."""
    if found == Outbox.FORMAT:
        return
    if isinstance(found, int) and found > Outbox.FORMAT:
        raise OutboxError(
            f"{path.parent} was written by a newer version of the kiosk (outbox format "
            f"{found}; this version reads format {Outbox.FORMAT}): update the kiosk software")
    if isinstance(found, int) and found >= 1 and all(step in MIGRATIONS for step in range(found, Outbox.FORMAT)):
        return
    raise OutboxError(f"{path}: unknown outbox format {found!r}")


def _segment_documents(path: Path) -> dict[str, dict[str, Any]]:
    """Document id -> document, as stored in a segment file, for an upgrade; raises
    _CorruptSegment if the file is not a tinydb database of documents."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as problem:  # OSError: EIO, or unreadable
        raise _CorruptSegment(str(problem)) from problem
    documents = data.get(_TABLE, {}) if isinstance(data, dict) else None
    if not isinstance(documents, dict) or not all(isinstance(document, dict) for document in documents.values()):
        raise _CorruptSegment("not a tinydb database of documents")
    return documents


def _doc_ids(data: object) -> dict[str, int]:
    """Envelope id -> document id for one segment's data, oldest first; raises
    _CorruptSegment if the data is not what `Outbox.append` writes."""
    if data is None:
        return {}
    if not isinstance(data, dict) or not isinstance(data.get(_TABLE, {}), dict):
        raise _CorruptSegment("not a tinydb database")
    doc_ids: dict[str, int] = {}
    for doc_id, document in data.get(_TABLE, {}).items():
        try:
            envelope_id = document["envelope"]["id"]
            if not isinstance(envelope_id, str) or not isinstance(document["queued_at"], int):
                raise TypeError
            doc_ids[envelope_id] = int(doc_id)
        except (KeyError, TypeError, ValueError):
            raise _CorruptSegment(f"document {doc_id} is not an envelope") from None
    return doc_ids
