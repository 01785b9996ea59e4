"""Turning a visit's records into sealed envelopes that are safe on disk.

The recorder is the only way feedback reaches the outbox. It seals each record in
memory with the provider's public key before anything is written, so the kiosk
never stores (and cannot read back) what a client said. If the disk refuses a
write, the sealed envelopes wait in memory and are retried; the failure is written
to the health file for staff.

cryptography and tinydb are imported on first use, off the path to the first screen.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from kiosk.config import KioskConfig
from kiosk.errors import UserError
from kiosk.health import Health, write_health
from sync.wire.protocol import CLOCK_SYNCED, CLOCK_UNSYNCED

if TYPE_CHECKING:
    from kiosk.keyfiles import PublicKey
    from kiosk.outbox import Outbox
    from sync.wire.records import Record

log = logging.getLogger(__name__)
# Sealed envelopes kept in memory while the disk refuses them: days of feedback at a busy kiosk.
MAX_UNSAVED = 5000


class RecordingFailed(Exception):
    """The envelopes are sealed and kept in memory, but not yet on disk."""


class Recorder:
    def __init__(self, config: KioskConfig, *, clock_check: Callable[[], bool] | None = None):
        self._config = config
        self._clock_check = clock_check
        self._lock = threading.Lock()
        self._outbox: Outbox | None = None
        self._key: PublicKey | None = None
        self._unsaved: list[dict] = []
        self.last_error: str | None = None

    def prepare(self) -> None:
        """Load the key and open the outbox; call it once the first screen is up. A key that cannot
        be used is a UserError (the kiosk cannot seal: it stops); an outbox the disk refuses
        (full, read-only) is reported as a refused write is, and `retry` opens it later."""
        from kiosk.outbox import OutboxError

        with self._lock:
            self._load_key()
            try:
                self._open_outbox()
            except (OSError, OutboxError) as error:
                self._refused(error)
                return
            self._report()

    def _load_key(self) -> None:
        if self._key is None:
            from kiosk.keyfiles import load_public_key

            try:
                self._key = load_public_key(self._config.public_key)
            except UserError as error:  # named as the config names it
                raise UserError(str(error), file=self._config.source, key="kiosk.public_key") from None

    def _open_outbox(self) -> Outbox:
        if self._outbox is None:
            from kiosk.outbox import Outbox

            self._outbox = Outbox(self._config.outbox_dir)
        return self._outbox

    def use_key(self, key: PublicKey) -> None:
        """Seal from now on to `key` (the provider's key in a newly applied bundle)."""
        with self._lock:
            self._key = key

    @property
    def outbox(self) -> Outbox:
        """The open outbox; OutboxError while the disk refuses to open it (`retry` tries again)."""
        from kiosk.outbox import OutboxError

        with self._lock:
            try:
                return self._open_outbox()
            except OSError as error:
                raise OutboxError(f"{self._config.outbox_dir}: {error.strerror or error}") from error

    @property
    def key(self) -> PublicKey | None:
        """The provider's key feedback is sealed to now (None until it is loaded)."""
        return self._key

    @property
    def unsaved(self) -> int:
        return len(self._unsaved)

    @property
    def refused(self) -> bool:
        """The disk refused the outbox or a write, and has not taken it since: `retry` is due."""
        return self.last_error is not None

    def record(self, records: list[Record]) -> None:
        """Seal the records and make them durable; raises RecordingFailed if the disk refused."""
        if not records:
            return
        from kiosk.sealing import seal

        # Whether the hour inside can be trusted; the receiver keeps its own receive time beside it.
        if self._clock_check is None:
            from kiosk.clock import clock_synchronized  # ctypes: not on the way to the first screen

            self._clock_check = clock_synchronized
        extra = {"clock": CLOCK_SYNCED if self._clock_check() else CLOCK_UNSYNCED}
        with self._lock:
            self._load_key()
            self._unsaved.extend(seal(record.to_wire(), self._key, kiosk_id=self._config.kiosk_id, extra=extra)
                                 for record in records)
            del self._unsaved[:-MAX_UNSAVED]
            self._flush()

    def retry(self) -> bool:
        """Try again to open the outbox and save what the disk refused; True when the outbox is
        open and nothing is left in memory."""
        with self._lock:
            try:
                self._flush()
            except RecordingFailed:
                return False
            return True

    def _flush(self) -> None:
        from kiosk.outbox import OutboxError

        try:
            outbox = self._open_outbox()
            while self._unsaved:
                outbox.append(self._unsaved[0])
                self._unsaved.pop(0)
        except (OSError, OutboxError) as error:
            self._refused(error)
            raise RecordingFailed(self.last_error) from error
        if self.last_error is not None:
            log.info("feedback saved again after a write error")
            self.last_error = None
            self._report()

    def _refused(self, error: Exception) -> None:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        self.last_error = f"{reason} ({len(self._unsaved)} waiting in memory)"
        log.error("could not save feedback in %s: %s", self._config.outbox_dir, error)
        self._report()

    def _report(self) -> None:
        health = Health(pid=os.getpid(), updated=time.time(), unsaved=len(self._unsaved),
                        last_write_error=self.last_error, last_write_error_at=time.time() if self.last_error else None)
        try:
            write_health(self._config.data_dir, health)
        except OSError as error:
            log.warning("could not write the health file: %s", error)

    def close(self) -> None:
        with self._lock:
            if self._outbox is not None:
                self._outbox.close()
                self._outbox = None
