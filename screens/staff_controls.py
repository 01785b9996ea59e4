"""The app's staff side: the way in, the panel's actions, pausing, and assisted feedback.

The way in is one that clients do not hit by chance and that works on a touchscreen
alone: five taps within three seconds in the top left corner (where the prompt is; a tap
on a target there is the client's, not counted), or F12 on a keyboard. Either opens the PIN pad.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import TYPE_CHECKING

from textual import events
from textual.errors import NoWidget

from kiosk.config import THEME_NAMES
from kiosk.pin import PinGuard
from kiosk.visit import SELF
from screens.widgets import Target

if TYPE_CHECKING:
    from screens.app import KioskApp
    from screens.staff import StaffActions

log = logging.getLogger(__name__)

STAFF_KEY = "f12"
CORNER_COLUMNS, CORNER_ROWS = 8, 3
CORNER_TAPS, CORNER_SECONDS = 5, 3.0
PAUSED_FILE = "paused"
THEME_FILE = "theme"  # the theme staff chose in the panel: it outlives restarts, and wins over the config's


class StaffControls:
    """Mixed into the app: everything staff start, apart from the screens they see."""

    def _init_staff(self: KioskApp) -> None:
        self.mode = SELF  # who answers the next response (assisted feedback)
        self._corner_taps: deque[float] = deque(maxlen=CORNER_TAPS)
        self._pin_guard: PinGuard | None = None

    @property
    def paused(self: KioskApp) -> bool:
        return (self.config.data_dir / PAUSED_FILE).exists()

    @property
    def pin_guard(self: KioskApp) -> PinGuard | None:
        """None where no PIN was set (`kiosk set-pin`): then there is no way in."""
        if self._pin_guard is None and self.config.staff.pin_hash:
            self._pin_guard = PinGuard(self.config.staff.pin_hash, self.config.data_dir)
        return self._pin_guard

    def count_corner_tap(self: KioskApp, event: events.MouseDown) -> None:
        if event.screen_x >= CORNER_COLUMNS or event.screen_y >= CORNER_ROWS or self._on_target(event):
            self._corner_taps.clear()
            return
        self._corner_taps.append(self.clock())
        taps = self._corner_taps
        if len(taps) == CORNER_TAPS and taps[-1] - taps[0] <= CORNER_SECONDS:
            taps.clear()
            self.action_staff_entry()

    def _on_target(self: KioskApp, event: events.MouseDown) -> bool:
        """Some screens put a target in the corner (an opened key group, where the prompt hides):
        a tap on it is the client's."""
        try:
            widget, _ = self.get_widget_at(event.screen_x, event.screen_y)
        except NoWidget:
            return False
        return isinstance(widget, Target)

    def action_staff_entry(self: KioskApp) -> None:
        from screens.staff import PinScreen

        if not isinstance(self.screen, PinScreen):
            self.push_screen(PinScreen(), self._pin_given)

    def _pin_given(self: KioskApp, accepted: bool | None) -> None:
        if accepted:
            self.abandon_visit()  # a client's unfinished answers are kept or dropped as for idleness
            from screens.staff import StaffPanel

            self._replace_screens(StaffPanel())

    def staff_action(self: KioskApp, action: str, panel: StaffActions) -> None:
        uploader = self.station.uploader
        if action == "assisted":
            from screens.staff import AssistedModeScreen

            self.push_screen(AssistedModeScreen(), self._mode_chosen)
        elif action == "theme":
            from screens.staff import ThemeScreen

            self.push_screen(ThemeScreen(), self._theme_chosen)
        elif action in ("sync_now", "test") and uploader is None:
            panel.show_result(self.t("staff.result.no_sync"))
        elif action == "sync_now":
            uploader.sync_now()
            panel.show_result(self.t("staff.result.sync_started"))
        elif action == "test":
            self.run_worker(self._test_connection(panel), exclusive=True, group="staff")
        elif action in ("pause", "resume"):
            self._set_paused(action == "pause")
            self.run_worker(panel.recompose())
        elif action in ("poweroff", "reboot") and self.config.staff.allow_power:
            self.run_worker(self._power(action, panel), exclusive=True, group="staff")
        elif action == "restart":
            from kiosk.staff import EXIT_RESTART

            self.exit(return_code=EXIT_RESTART)
        elif action == "shell" and self.config.staff.allow_shell:
            from kiosk.staff import EXIT_TO_SHELL

            self.exit(return_code=EXIT_TO_SHELL)

    async def _test_connection(self: KioskApp, panel: StaffActions) -> None:
        import asyncio

        error = await asyncio.to_thread(self.station.uploader.check_connection)
        panel.show_result(self.t("staff.result.test_failed", error=error) if error else self.t("staff.result.test_ok"))

    async def _power(self: KioskApp, action: str, panel: StaffActions) -> None:
        import asyncio

        from kiosk.staff import power

        error = await asyncio.to_thread(power, action)
        if error:
            panel.show_result(self.t("staff.result.power_failed", error=error))

    def _set_paused(self: KioskApp, paused: bool) -> None:
        marker = self.config.data_dir / PAUSED_FILE
        if paused:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        else:
            marker.unlink(missing_ok=True)

    def staff_theme(self: KioskApp) -> str | None:
        """The theme staff last chose in the panel, if any."""
        try:
            name = (self.config.data_dir / THEME_FILE).read_text().strip()
        except OSError:
            return None
        return name if name in THEME_NAMES else None

    def _theme_chosen(self: KioskApp, name: str | None) -> None:
        if name is None:
            return
        self.set_theme_name(name)
        try:
            self.config.data_dir.mkdir(parents=True, exist_ok=True)
            (self.config.data_dir / THEME_FILE).write_text(name)
        except OSError as error:  # the look changed all the same; it lasts until a restart
            log.warning("the theme staff chose is not kept: %s", error)

    def _mode_chosen(self: KioskApp, mode: str | None) -> None:
        if mode is None:
            return
        from screens.staff import HandOverScreen

        self.mode = mode
        self.session = self._new_session(language=self.config.default_language)
        self._replace_screens(HandOverScreen())
