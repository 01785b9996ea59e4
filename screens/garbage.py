"""Garbage collection for a touch UI: while a person reads, not between a tap and the next screen.

Each screen leaves thousands of objects in reference cycles (widgets, their styles, their
message queues) that only the cyclic collector frees. Python runs it when its counters say,
which lands between a tap and the next screen: collecting several screens' garbage at once
took up to a fifth of a second (bench/transitions.py). So what start-up made is frozen out
of every collection, the automatic collector runs rarely, as a backstop (THRESHOLDS), and a
collection runs once the screen has stood still for a moment: a person is reading it.

The freezing and the thresholds are the process's: the entry point applies them while the
kiosk runs and undoes them after (commands/kiosk.py: `garbage_policy`).
"""

from __future__ import annotations

import gc

from textual.app import App
from textual.screen import Screen

# Python's default is (700, 10, 10). A young collection every 5,000 allocations, and one of
# the middle generation every third: bench/transitions.py measured these pauses the shortest
# for taps that never leave the screen still (at (20,000, 10, 10), up to 200 ms).
THRESHOLDS = (5_000, 3, 10)
STILL_SECONDS = 0.5


class IdleCollector:
    def __init__(self, app: App) -> None:
        self._app = app
        self._changes = 0  # screen changes since the last collection
        self._seen = 0  # of them, how many the last tick saw

    def start(self) -> None:
        """Collect while the screen stands still, from now on."""
        self._app.screen_change_signal.subscribe(self._app, self._screen_changed)
        self._app.set_interval(STILL_SECONDS, self._tick)

    def _screen_changed(self, _screen: Screen) -> None:
        self._changes += 1

    def _tick(self) -> None:
        if self._changes and self._changes == self._seen:  # no change since the last tick
            gc.collect()
            self._changes = 0
        self._seen = self._changes
