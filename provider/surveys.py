"""The surveys the receiver knows, to check records against: the bundled default survey,
and every survey registered by `kiosk-receiver publish`."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from kiosk.errors import UserError
from kiosk.survey import Survey, load_survey, parse_survey_text
from provider.store import Store

log = logging.getLogger(__name__)

# A record naming an unknown survey makes the catalogue look in the database, at most this often.
RELOAD_INTERVAL_SECONDS = 1.0


class SurveyCatalog:
    def __init__(self, store: Store, clock: Callable[[], float] = time.monotonic):
        self._store = store
        self._clock = clock
        default = load_survey()
        self._default = {(default.id, default.version): default}
        self._surveys = dict(self._default)
        self._loaded_at: float | None = None
        self._lock = threading.Lock()

    def get(self, survey_id: str, version: int) -> Survey | None:
        key = (survey_id, version)
        if key not in self._surveys:
            self._reload()
        return self._surveys.get(key)

    def known(self) -> dict[tuple[str, int], Survey]:
        """Every survey, by (id, version), read afresh."""
        with self._lock:
            self._load()
        return dict(self._surveys)

    def _reload(self) -> None:
        with self._lock:
            if self._loaded_at is None or self._clock() - self._loaded_at >= RELOAD_INTERVAL_SECONDS:
                self._load()

    def _load(self) -> None:
        self._loaded_at = self._clock()
        surveys = dict(self._default)
        for survey_id, version, text in self._store.survey_texts():
            try:
                surveys[(survey_id, version)] = parse_survey_text(text, f"stored survey {survey_id} version {version}")
            except UserError as error:  # registered by an older receiver with other rules
                log.warning("stored survey not usable: %s", error)
        self._surveys = surveys
