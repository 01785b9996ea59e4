"""A running kiosk's services, apart from its screens.

The station seals and stores feedback (the recorder), keeps the signed bundle in use
(survey, announcements, the key to seal to) and runs the uploader. Everything slow
(cryptography, the outbox, the network) starts in `start()`, which the app calls in a
thread once the first screen is painted. A newer bundle is taken only between visits
(`take_pending_bundle`, at the welcome screen), never in the middle of one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from kiosk.announcements import Announcement
from kiosk.config import KioskConfig
from kiosk.recorder import Recorder
from kiosk.survey import Survey

if TYPE_CHECKING:
    from kiosk.bundles import BundleStore
    from sync.wire.bundle import Bundle
    from kiosk.sync_status import SyncStatus
    from sync.uploader.uploader import Uploader

log = logging.getLogger(__name__)


class Station:
    def __init__(self, config: KioskConfig, survey: Survey):
        self.config = config
        self.recorder = Recorder(config)
        self.survey = survey  # what the next visit is asked
        self.announcements: list[Announcement] = []
        self.bundles: BundleStore | None = None
        self.uploader: Uploader | None = None

    def start(self, on_sync_change: Callable[[SyncStatus], None] | None = None) -> None:
        """Load the key and the outbox (an error here stops the kiosk: it could not keep feedback),
        then the bundle in use and the uploader (an error there only stops sending)."""
        self.recorder.prepare()
        if self.config.sync is None:
            return
        try:
            from kiosk.bundles import BundleStore
            from sync.uploader.uploader import Uploader

            self.bundles = BundleStore.for_config(self.config)
            if not self.take_pending_bundle():
                self._use(self.bundles.current())
            self.uploader = Uploader(self.config, self.recorder.outbox, bundles=self.bundles,
                                     survey=lambda: self.survey, unsaved=lambda: self.recorder.unsaved,
                                     on_change=on_sync_change)
            self.uploader.start()
        except Exception:  # feedback is still kept; staff see that nothing is sent
            log.exception("sync could not start; feedback is kept in the outbox")

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
        if self.uploader is not None:
            self.uploader.stop()
        self.recorder.close()
