"""The uploader: sealed envelopes from the outbox to the provider's receiver, each stored once.

The network fails often and the power may go at any moment, so (docs/protocol.md):
envelopes go oldest first, in batches with a random batch id (the `Idempotency-Key`)
that is kept with its exact body until the receiver has answered it; a retry after a
timeout, a reset or a 5xx sends the same id and body. An envelope leaves the outbox only
when the receiver said `stored` or `duplicate`; a `rejected` one moves to the quarantine.
A crash loses nothing: at worst an envelope is sent again and answered `duplicate`.

After the envelopes, a heartbeat says how the kiosk is; if it learns of a newer signed
bundle, it downloads it and keeps it, verified, for the app to apply at the welcome screen.

The uploader only moves envelopes: it never opens or reads what they hold. One batch is
in memory at a time, however long the queue.
"""

from __future__ import annotations

import json
import logging
import random
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import httpx

from kiosk import __version__
from kiosk.bundles import BundleStore, survey_in_use
from kiosk.clock import clock_synchronized
from kiosk.config import KioskConfig
from kiosk.errors import UserError
from kiosk.outbox import OutboxError
from kiosk.quarantine import Quarantine
from sync.wire.bundle import BundleRefused, decode_from_wire
from sync.uploader.http import MAX_BUNDLE_ANSWER_BYTES, SyncFailure, failure, make_client, send
from sync.wire.protocol import (BATCHES, BUNDLE, CLOCK_SYNCED, CLOCK_UNSYNCED, DEFAULT_MAX_BODY_BYTES, DUPLICATE,
                           HEALTH, HEARTBEAT, IDEMPOTENCY_KEY, REJECTED, STORED)
from kiosk.sync_status import SyncState, SyncStatus, read_sync_status, write_sync_status

if TYPE_CHECKING:
    from kiosk.outbox import Outbox
    from kiosk.survey import Survey

log = logging.getLogger(__name__)

# A Retry-After is honoured up to this: a misconfigured receiver must not silence a kiosk for days.
MAX_RETRY_AFTER = 3600
# Quarantine reason for an envelope the receiver refuses as too large even alone (413).
TOO_LARGE = "too-large"
_BODY_OVERHEAD = 200  # the batch body's fields around its envelopes, generously


@dataclass(frozen=True)
class SyncReport:
    """One round: envelopes sent and their fates, what is left, what went wrong."""

    sent: int = 0  # envelopes in batches the receiver took and answered for, one by one
    stored: int = 0
    duplicate: int = 0
    rejected: int = 0
    left: int | None = None  # None: the outbox could not be counted
    error: str | None = None
    retry_after: float | None = None  # seconds the receiver asked to wait
    bundle_version: int | None = None  # a newer bundle downloaded, verified and waiting
    next_round_in: float = 0.0  # seconds: the interval, or the backoff after a failure

    def summary(self) -> str:
        left = "?" if self.left is None else self.left
        return (f"sent {self.sent}, stored {self.stored}, duplicate {self.duplicate}, rejected {self.rejected}, "
                f"left {left}, error {self.error or 'none'}")


@dataclass(frozen=True)
class _Batch:
    id: str
    envelope_ids: frozenset[str]
    body: bytes  # exactly what was sent, to be sent again on a retry

    def envelopes(self) -> list[dict[str, Any]]:
        return json.loads(self.body)["envelopes"]


@dataclass
class _Tally:
    sent: int = 0  # envelopes in batches the receiver took and answered for, one by one
    stored: int = 0
    duplicate: int = 0
    rejected: int = 0
    bundle_version: int | None = None


def backoff_delay(attempt: int, *, minimum: float, maximum: float, rng: random.Random,
                  retry_after: float | None = None) -> float:
    """Exponential backoff with full jitter: uniform(0, min(maximum, minimum * 2**attempt)),
    but never less than the receiver's Retry-After (up to MAX_RETRY_AFTER)."""
    delay = rng.uniform(0, min(maximum, minimum * 2 ** min(attempt, 64)))
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay


class Uploader:
    def __init__(self, config: KioskConfig, outbox: Outbox, *, bundles: BundleStore | None = None,
                 survey: Callable[[], Survey | None] | None = None, unsaved: Callable[[], int] = lambda: 0,
                 write_error: Callable[[], str | None] = lambda: None,
                 on_change: Callable[[SyncStatus], None] | None = None,
                 transport: httpx.BaseTransport | None = None, rng: random.Random | None = None,
                 clock_check: Callable[[], bool] = clock_synchronized, now: Callable[[], float] = time.time):
        """`bundles`: the app's store (one per kiosk); `survey`: the survey in use, for the
        heartbeat; `unsaved`: envelopes the recorder holds in memory, and `write_error` why (the
        recorder's last error); `on_change`: called in the uploader's thread after each round.
        `transport`, `rng`, `clock_check` and `now` are for tests.
        Raises UserError if the kiosk has no sync settings or its TLS files cannot be used."""
        if config.sync is None:
            raise UserError("this kiosk has no [sync] settings and is not enrolled: run `kiosk enroll` first",
                            file=config.source or config.data_dir)
        self._config = config
        self._sync = config.sync
        self._outbox = outbox
        self._bundles = bundles if bundles is not None else BundleStore.for_config(config)
        self._survey = survey or (lambda: survey_in_use(config, self._bundles.current()))
        self._unsaved = unsaved
        self._write_error = write_error
        self._on_change = on_change
        self._rng = rng or random.Random()
        self._clock_check = clock_check
        self._now = now
        self._quarantine = Quarantine(config.data_dir)
        self._client = make_client(self._sync, transport=transport)
        self._batch_size = self._sync.batch_size
        self._pending: _Batch | None = None
        self._failures = 0  # consecutive failed rounds: the backoff's attempt
        self._refused_bundle: int | None = None  # not downloaded again while offered
        self._round = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        previous = read_sync_status(config.data_dir) or SyncStatus()
        self.state = SyncState(replace(previous, quarantined=self._quarantine.count()))

    # -- the background thread -------------------------------------------------------

    def start(self) -> None:
        """Sync in a background thread: a round now, then every interval (or after the backoff)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="uploader", daemon=True)
            self._thread.start()

    def status(self) -> SyncStatus:
        return self.state.snapshot()

    def sync_now(self) -> None:
        """Start the next round now, without waiting for the interval or the backoff."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread (waiting up to `timeout` for a round in progress) and close the connection."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.close()

    def close(self) -> None:
        self._client.close()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                delay = self.run_once().next_round_in
            except Exception:  # run_once catches its own; this keeps syncing alive whatever else fails
                log.exception("a sync round failed")
                delay = self._sync.retry_max_seconds
            self._wake.wait(delay)
            self._wake.clear()

    # -- one round ---------------------------------------------------------------------

    def run_once(self) -> SyncReport:
        """Send everything pending, then the heartbeat, then fetch a newer bundle if there is one.
        Stops at the first failure, which the report and the state describe rather than raise."""
        with self._round:
            tally = _Tally()
            error = auth_error = retry_after = None
            try:
                self._send_all(tally)
                self._heartbeat(tally)
            except SyncFailure as problem:
                error, retry_after = str(problem), problem.retry_after
                auth_error = error if problem.auth else None
                if not problem.keep_batch:
                    self._pending = None
            except Exception as unexpected:  # a bug or a disk error must not stop the kiosk
                log.exception("sync round failed")
                error = f"unexpected error: {unexpected!r}"[:300]
            return self._finish_round(tally, error, auth_error, retry_after)

    def _finish_round(self, tally: _Tally, error: str | None, auth_error: str | None,
                      retry_after: float | None) -> SyncReport:
        if error is None:
            self._failures = 0
            delay = self._sync.interval_seconds
        else:
            log.warning("sync failed: %s", error)
            delay = backoff_delay(self._failures, minimum=self._sync.retry_min_seconds,
                                  maximum=self._sync.retry_max_seconds, rng=self._rng, retry_after=retry_after)
            self._failures += 1
        now = self._now()
        changes: dict[str, Any] = {"quarantined": self._quarantine.count()}
        if error is None:
            changes.update(last_success=now, last_error=None, auth_error=None)
        else:
            changes.update(last_error=error, last_error_at=now)
        if auth_error:
            changes["auth_error"] = auth_error
        status = self.state.update(**changes)
        write_sync_status(self._config.data_dir, status)
        if self._on_change is not None:
            try:
                self._on_change(status)
            except Exception:
                log.exception("the sync status listener failed")
        return SyncReport(sent=tally.sent, stored=tally.stored, duplicate=tally.duplicate, rejected=tally.rejected,
                          left=self._left(), error=error, retry_after=retry_after,
                          bundle_version=tally.bundle_version, next_round_in=delay)

    def _left(self) -> int | None:
        try:
            return len(self._outbox)
        except OutboxError:  # closed while the app shuts down
            return None

    # -- batches -------------------------------------------------------------------------

    def _send_all(self, tally: _Tally) -> None:
        renewed = False
        while True:
            batch = self._pending or self._next_batch()
            if batch is None:
                return
            self._pending = batch
            answer = send(self._client, "POST", BATCHES, content=batch.body,
                          headers={IDEMPOTENCY_KEY: f'"{batch.id}"'})
            if answer.status == 200:
                tally.sent += len(batch.envelope_ids)
                self._settle(batch, answer.json(), tally)
            elif answer.status == 413:
                self._shrink(batch, tally)
            elif answer.status == 422 and not renewed:
                # The id was used with another body: only a new id can go through.
                log.warning("batch %s was refused as reused (422): sending its envelopes under a new id", batch.id)
                renewed = True
            else:
                raise failure(answer)
            self._pending = None

    def _next_batch(self) -> _Batch | None:
        """The oldest envelopes, as many as the batch size and the receiver's body limit allow."""
        envelopes, size = [], _BODY_OVERHEAD
        for envelope in self._outbox.oldest(self._batch_size):
            size += len(_compact(envelope)) + 1
            if envelopes and size > DEFAULT_MAX_BODY_BYTES:
                break
            envelopes.append(envelope)
        if not envelopes:
            return None
        batch_id = str(uuid.uuid4())
        body = _compact({"kiosk": self._config.kiosk_id, "batch": batch_id, "envelopes": envelopes})
        return _Batch(batch_id, frozenset(envelope["id"] for envelope in envelopes), body)

    def _settle(self, batch: _Batch, answer: dict[str, Any], tally: _Tally) -> None:
        """Act on each envelope's fate: only what the receiver has, or can never have, leaves the outbox."""
        results = answer.get("results")
        if answer.get("batch") != batch.id or not isinstance(results, list):
            raise SyncFailure(f"{BATCHES}: the answer is not for batch {batch.id}")
        fates: dict[str, dict[str, Any]] = {}
        for result in results:
            if (not isinstance(result, dict) or result.get("id") not in batch.envelope_ids
                    or result.get("status") not in (STORED, DUPLICATE, REJECTED)):
                raise SyncFailure(f"{BATCHES}: the answer has a result the kiosk does not understand: "
                                  f"{str(result)[:100]}")
            fates[result["id"]] = result
        reasons = {envelope_id: str(result.get("reason") or "unknown")[:100]
                   for envelope_id, result in fates.items() if result["status"] == REJECTED}
        if reasons:
            self._quarantine_envelopes(batch, reasons)
        self._outbox.remove(fates.keys())
        tally.stored += sum(result["status"] == STORED for result in fates.values())
        tally.duplicate += sum(result["status"] == DUPLICATE for result in fates.values())
        tally.rejected += len(reasons)
        if len(fates) < len(batch.envelope_ids):
            raise SyncFailure(f"{BATCHES}: the receiver answered for {len(fates)} of {len(batch.envelope_ids)} "
                              "envelopes", keep_batch=False)

    def _quarantine_envelopes(self, batch: _Batch, reasons: dict[str, str]) -> None:
        # Into the quarantine before out of the outbox: a crash between the two keeps both copies.
        for envelope in batch.envelopes():
            if envelope["id"] in reasons:
                self._quarantine.add(envelope, reasons[envelope["id"]])
                log.error("envelope %s was rejected (%s): kept in the quarantine", envelope["id"],
                          reasons[envelope["id"]])

    def _shrink(self, batch: _Batch, tally: _Tally) -> None:
        """413: the batch was too large for the receiver. Halve it; an envelope too large even
        alone would block the queue for ever, so it goes to the quarantine."""
        if len(batch.envelope_ids) > 1:
            self._batch_size = max(1, len(batch.envelope_ids) // 2)
            log.warning("the receiver refused a batch of %d as too large: sending %d at a time",
                        len(batch.envelope_ids), self._batch_size)
            return
        self._quarantine_envelopes(batch, dict.fromkeys(batch.envelope_ids, TOO_LARGE))
        self._outbox.remove(batch.envelope_ids)
        tally.rejected += 1

    # -- heartbeat and bundle ----------------------------------------------------------------

    def _heartbeat_body(self) -> dict[str, Any]:
        """How the kiosk is (docs/protocol.md): counts and versions, nothing anyone said."""
        survey = self._survey()
        oldest = self._outbox.oldest_queued_at()
        now = self._now()
        return {
            "kiosk": self._config.kiosk_id,
            "sent_at": datetime.fromtimestamp(now, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "clock": CLOCK_SYNCED if self._clock_check() else CLOCK_UNSYNCED,
            "software": __version__,
            "survey": {"id": survey.id, "version": survey.version} if survey else None,
            "bundle_version": self._bundles.version,
            "queue_depth": len(self._outbox),
            "oldest_unsent_age_seconds": None if oldest is None else max(0, round(now - oldest)),
            "quarantined": self._quarantine.count(),
            "unsaved_in_memory": self._unsaved(),
            # The kiosk's trouble now: writing its queue. (Sync's own last error is over: this round's
            # batches are in, or there would be no heartbeat.)
            "last_error": self._write_error(),
            "disk_free_bytes": shutil.disk_usage(self._config.data_dir).free,
        }

    def check_connection(self) -> str | None:
        """Staff's "test the connection": None if the receiver answers its health check, else why not."""
        try:
            answer = send(self._client, "GET", HEALTH)
        except SyncFailure as problem:
            return str(problem)
        return None if answer.status == 200 else failure(answer).args[0]

    def _heartbeat(self, tally: _Tally) -> None:
        answer = send(self._client, "POST", HEARTBEAT, content=_compact(self._heartbeat_body()))
        if answer.status != 200:
            raise failure(answer)
        offered = answer.json().get("bundle_version")
        if type(offered) is not int or offered <= self._bundles.newest_version():
            self.state.update(bundle_refused=None)  # nothing newer offered: no refusal stands
        elif offered != self._refused_bundle:
            tally.bundle_version = self._fetch_bundle(offered)

    def _fetch_bundle(self, offered: int) -> int | None:
        answer = send(self._client, "GET", BUNDLE, headers={"If-None-Match": f'"{self._bundles.newest_version()}"'},
                      limit=MAX_BUNDLE_ANSWER_BYTES)
        if answer.status == 304:
            return None
        if answer.status != 200:
            raise failure(answer)
        try:
            bundle = self._bundles.accept(*decode_from_wire(answer.json()))
        except BundleRefused as refusal:
            self._refused_bundle = offered
            self.state.update(bundle_refused=f"bundle {offered}: {refusal}")
            log.error("bundle %d refused, keeping the one in use: %s", offered, refusal)
            raise SyncFailure(f"bundle {offered} refused: {refusal}") from None
        self.state.update(bundle_refused=None)
        return bundle.version


def _compact(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()
