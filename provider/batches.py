"""`POST /v1/batches` without the HTTP: check the upload, open each envelope, check its record,
store what is new exactly once, and answer each envelope's fate (docs/protocol.md)."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from kiosk.sealing import EnvelopeError, open_envelope
from provider.deadlines import day_asked, reply_deadline
from provider.keyring import KeyRing
from provider.problems import Problem
from provider.records import RecordRefused, checked_record, is_unicode
from provider.store import ClaimKind, Kiosk, Received, Store, utc_text
from provider.surveys import SurveyCatalog
from sync.wire.protocol import CLOCK_SYNCED, CLOCK_UNSYNCED, DUPLICATE, KIOSK_MISMATCH, REJECTED, STORED
from sync.wire.records import Record, ReplyRequest

log = logging.getLogger(__name__)

IN_FLIGHT_RETRY_SECONDS = 2
# The hyphenated form only (docs/openapi.yaml), not every spelling uuid.UUID reads ("urn:uuid:...", "{...}").
HYPHENATED_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_CLOCKS = {CLOCK_SYNCED: True, CLOCK_UNSYNCED: False, None: None}  # None: a kiosk that does not say


@dataclass(frozen=True)
class Upload:
    batch: str
    envelopes: list
    body_sha256: str


def parse_json(body: bytes) -> Any:
    """A request body's JSON; raises Problem 400 for one that is not JSON, or not all Unicode."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        raise Problem(400, "malformed-json", "the body is not JSON") from None
    if not is_unicode(document):
        raise Problem(400, "malformed-json", "the body has a text that is not Unicode (a lone surrogate)")
    return document


def parse_upload(body: bytes, idempotency_key: str | None, kiosk: Kiosk, max_batch: int) -> Upload:
    """The request body, checked; raises Problem (400, 403, 413)."""
    document = parse_json(body)
    if not isinstance(document, dict) or not isinstance(document.get("envelopes"), list):
        raise Problem(400, "malformed-batch", 'the body must be {"kiosk", "batch", "envelopes": [...]}')
    batch = document.get("batch")
    if not isinstance(batch, str) or not HYPHENATED_UUID.fullmatch(batch):
        raise Problem(400, "malformed-batch", "batch must be a UUID like 0f8e6c1e-3b7a-4d2e-9c41-5a6b7c8d9e0f")
    if document.get("kiosk") != kiosk.id:
        raise Problem(403, "kiosk-mismatch", "the batch names another kiosk than the credentials")
    if idempotency_key is None or idempotency_key.strip().strip('"') != batch:
        raise Problem(400, "idempotency-key", "the Idempotency-Key header must be the batch id")
    if len(document["envelopes"]) > max_batch:
        raise Problem(413, "too-many-envelopes", f"at most {max_batch} envelopes in a batch")
    return Upload(batch, document["envelopes"], hashlib.sha256(body).hexdigest())


@dataclass
class _Opened:
    """A batch's envelopes, opened: a result each (no status yet: to be stored), and the records to store."""

    results: list[dict] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)


def _deadline(record: Record, received: datetime, clock_synced: bool | None) -> str | None:
    """By when a reply request must be answered: the working days the client was promised,
    from the day they asked (the received time is kept beside it)."""
    if not isinstance(record, ReplyRequest):
        return None
    asked = day_asked(record.origin.hour, received, clock_synced=clock_synced)
    return reply_deadline(asked, record.promised_days).isoformat()


@dataclass(frozen=True)
class BatchReceiver:
    store: Store
    keyring: KeyRing
    surveys: SurveyCatalog

    def receive(self, upload: Upload, kiosk: Kiosk, now: datetime) -> dict:
        """The answer to the upload, given again to a retry of the same batch; raises Problem
        (409, 422) or StoreUnavailable."""
        claim = self.store.claim_batch(kiosk.id, upload.batch, upload.body_sha256, now)
        if claim.kind is ClaimKind.REPLAY:
            log.info("batch %s from %s answered again (a retry)", upload.batch, kiosk.id)
            return claim.answer
        if claim.kind is ClaimKind.CONFLICT:
            raise Problem(422, "batch-reused", "this batch id was used before with another body")
        if claim.kind is ClaimKind.IN_FLIGHT:
            raise Problem(409, "batch-in-flight", "this batch is being processed",
                          retry_after=IN_FLIGHT_RETRY_SECONDS)
        try:
            opened = self._open_all(upload.envelopes, kiosk, now)
            answer = self.store.store_batch(kiosk.id, upload.batch, opened.received,
                                            lambda stored: _answer(upload.batch, now, opened.results, stored))
        except BaseException:
            self._release(upload.batch, kiosk)
            raise
        _log_answer(kiosk, answer)
        return answer

    def _release(self, batch: str, kiosk: Kiosk) -> None:
        try:
            self.store.release_batch(kiosk.id, batch)
        except Exception as error:  # the database is down: the claim goes stale and is taken over later
            log.warning("batch %s from %s left claimed: %s", batch, kiosk.id, error)

    def _open_all(self, envelopes: list, kiosk: Kiosk, now: datetime) -> _Opened:
        opened, seen = _Opened(), set()
        received_at = utc_text(now)
        for envelope in envelopes:
            envelope_id = envelope.get("id") if isinstance(envelope, dict) else None
            result = {"id": envelope_id if isinstance(envelope_id, str) else None}
            opened.results.append(result)
            try:
                record = self._open(envelope, kiosk)
            except (EnvelopeError, RecordRefused) as refusal:
                result.update(status=REJECTED, reason=refusal.reason)
                continue
            if envelope_id in seen:  # twice in one batch: stored once
                result["status"] = DUPLICATE
                continue
            seen.add(envelope_id)
            # Stored under the unit the kiosk is registered with, whatever its config says.
            record = replace(record, origin=replace(record.origin, unit=kiosk.unit))
            clock = _CLOCKS[envelope.get("clock")]
            opened.received.append(Received(record, clock, received_at, _deadline(record, now, clock)))
        return opened

    def _open(self, envelope: object, kiosk: Kiosk) -> Record:
        """The envelope's record, checked; raises EnvelopeError or RecordRefused with the reason."""
        if isinstance(envelope, dict) and isinstance(envelope.get("kiosk"), str) and envelope["kiosk"] != kiosk.id:
            raise RecordRefused(KIOSK_MISMATCH, "the envelope names another kiosk than the credentials")
        key = self.keyring.find(envelope.get("kid") if isinstance(envelope, dict) else None)
        record = open_envelope(envelope, [key] if key else [])
        if envelope.get("clock") not in _CLOCKS:  # opened: every field is a text
            raise EnvelopeError("malformed")
        if not is_unicode(record):
            raise EnvelopeError("not-json")
        return checked_record(record, kiosk.id, self.surveys.get)


def _answer(batch: str, now: datetime, results: list[dict], stored: set[str]) -> dict:
    for result in results:
        if "status" not in result:
            result["status"] = STORED if result["id"] in stored else DUPLICATE
    return {"batch": batch, "received_at": utc_text(now), "results": results}


def _log_answer(kiosk: Kiosk, answer: dict) -> None:
    statuses = Counter(result["status"] for result in answer["results"])
    reasons = Counter(result["reason"] for result in answer["results"] if result["status"] == REJECTED)
    log.info("batch %s from %s: %d stored, %d duplicate, %d rejected%s", answer["batch"], kiosk.id,
             statuses[STORED], statuses[DUPLICATE], statuses[REJECTED],
             f" ({', '.join(f'{reason}: {count}' for reason, count in sorted(reasons.items()))})" if reasons else "")
