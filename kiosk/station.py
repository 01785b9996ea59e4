"""A running kiosk's services, apart from its screens.

The station starts each visit and records it when it ends (the recorder seals and stores),
keeps the signed bundle in use (survey, announcements, the key to seal to), holds the
staff's settings, and runs the connection to the provider, which the entry point hands
it (`connect`): the core does not know how envelopes travel. Everything slow
(cryptography, the outbox, the network) starts in `start()`, which the app calls in a
thread once the first screen is painted; a disk that refuses the outbox then is tried
again (`retry_storage`), and feedback waits sealed in memory meanwhile. A newer bundle is
taken only between visits (`take_pending_bundle`, at the welcome screen), never in the
middle of one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from kiosk.announcements import Announcement
from kiosk.config import KioskConfig
from kiosk.recorder import Recorder, RecordingFailed
from kiosk.staff import StaffSettings
from kiosk.survey import Survey
from kiosk.visit import SELF, Visit, VisitRules

if TYPE_CHECKING:
    from kiosk.bundles import BundleStore
    from kiosk.sync_status import SyncStatus
    from sync.wire.bundle import Bundle
    from sync.wire.records import Record

log = logging.getLogger(__name__)


class SyncService(Protocol):
    """What the kiosk needs of its connection to the provider (sync/uploader gives it)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def sync_now(self) -> None: ...

    def check_connection(self) -> str | None:
        """None if the provider answers, else why not, in words."""

    def status(self) -> SyncStatus: ...


Connect = Callable[["Station"], SyncService]


class Station:
    def __init__(self, config: KioskConfig, survey: Survey, *, connect: Connect | None = None,
                 clock: Callable[[], float] = time.monotonic):
        """`connect` makes the connection to the provider once the outbox is open; None: the
        kiosk keeps its feedback for `kiosk open`."""
        self.config = config
        self.recorder = Recorder(config)
        self.staff = StaffSettings(config.data_dir, config.staff)
        self.survey = survey  # what the next visit is asked
        self.announcements: list[Announcement] = []
        self.bundles: BundleStore | None = None
        self.sync: SyncService | None = None
        self._connect = connect
        self._clock = clock
        self._rules = VisitRules.from_config(config)
        self._last_response_at: float | None = None  # for the misuse check, across visits
        self._connected = False

    def start(self) -> None:
        """Load the key (a mistake in it stops the kiosk: UserError), the signed bundle in use, and
        the outbox (a disk that refuses it is retried: `retry_storage`); once the outbox is open,
        the connection (an error there only stops sending)."""
        self.recorder.prepare()
        self._take_bundle_in_use()
        if not self.storage_refused:
            self._start_sending()

    @property
    def storage_refused(self) -> bool:
        """The disk refused the outbox or a response: `retry_storage` is due."""
        return self.recorder.refused

    def retry_storage(self) -> None:
        """Try the disk again; the connection starts once the outbox it sends from is open."""
        if self.recorder.retry() and not self._connected:
            self._start_sending()

    def _take_bundle_in_use(self) -> None:
        if self._connect is None or self.config.sync is None:
            return
        try:
            from kiosk.bundles import BundleStore

            self.bundles = BundleStore.for_config(self.config)
            if not self.take_pending_bundle():
                self._use(self.bundles.current())
        except Exception:  # feedback is still kept; staff see that nothing is sent
            self.bundles = None
            log.exception("the signed bundles could not be read: nothing is sent; feedback is kept in the outbox")

    def _start_sending(self) -> None:
        self._connected = True
        if self.bundles is None or self._connect is None:
            return
        try:
            self.sync = self._connect(self)
            self.sync.start()
        except Exception:  # feedback is still kept; staff see that nothing is sent
            log.exception("sync could not start; feedback is kept in the outbox")

    # -- visits ----------------------------------------------------------------

    def new_visit(self, *, mode: str = SELF) -> Visit:
        """The next person's visit, in the kiosk's default language, asking the survey in use."""
        return Visit(self.survey, self._rules, mode=mode, previous_response_at=self._last_response_at,
                     clock=self._clock)

    def end_visit(self, visit: Visit) -> list[Record]:
        """What `visit` leaves to record (nothing if it was ended before); quick, unlike `record`."""
        records = visit.end()
        if records:
            self._last_response_at = self._clock()
        return records

    def record(self, records: list[Record]) -> bool:
        """Seal and store; False when the disk refused (the records wait in memory and are retried)."""
        try:
            self.recorder.record(records)
        except RecordingFailed:
            return False
        return True

    # -- bundles -----------------------------------------------------------------

    def take_pending_bundle(self) -> bool:
        """Between visits: switch to a newer signed bundle if one is waiting. True if it did."""
        if self.bundles is None:
            return False
        bundle = self.bundles.apply_pending()
        self._use(bundle)
        return bundle is not None

    def _use(self, bundle: Bundle | None) -> None:
        if bundle is None:
            return
        from kiosk.bundles import bundle_announcements, bundle_public_key, bundle_survey

        self.recorder.use_key(bundle_public_key(bundle))
        self.survey = bundle_survey(bundle)
        self.announcements = bundle_announcements(bundle)
        log.info("using bundle %d: survey %s version %d, %d announcements", bundle.version, self.survey.id,
                 self.survey.version, len(self.announcements))

    def stop(self) -> None:
        if self.sync is not None:
            self.sync.stop()
        self.recorder.close()
