"""The app's staff side: the way in, the panel's actions, and assisted feedback.

The way in is one that clients do not hit by chance and that works on a touchscreen
alone: five taps within three seconds in the top left corner (where the prompt is; a tap
on a target there is the client's, not counted), or F12 on a keyboard. Either opens the PIN pad.
What staff set (a pause, the look) lives in the core (kiosk/staff.py); the visit a staff
member interrupts is ended like any other, and so recorded at most once.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING

from textual import events
from textual.errors import NoWidget

from kiosk.staff import EXIT_RESTART, EXIT_TO_SHELL, status_lines
from screens.widgets import Target

if TYPE_CHECKING:
    from kiosk.staff import StatusLine
    from screens.app import KioskApp
    from screens.staff import StaffActionChosen, StaffScreen

STAFF_KEY = "f12"
CORNER_COLUMNS, CORNER_ROWS = 8, 3
CORNER_TAPS, CORNER_SECONDS = 5, 3.0


class StaffControls:
    """Mixed into the app: everything staff start, apart from the screens they see."""

    def _init_staff(self: KioskApp) -> None:
        self._corner_taps: deque[float] = deque(maxlen=CORNER_TAPS)

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
            self.push_screen(PinScreen(self.look(), self.station.staff.pin_guard), self._pin_given)

    def _pin_given(self: KioskApp, accepted: bool | None) -> None:
        if accepted:
            from screens.staff import StaffPanel

            self.end_visit()  # a client's unfinished answers are kept or dropped as for idleness
            self._replace_screens(StaffPanel(self.look(), read_status=self.read_staff_status))

    def read_staff_status(self: KioskApp) -> list[StatusLine]:
        """The panel's figures; it reads the disk, so it is called in a thread."""
        return status_lines(self.station, started=self.started)

    # -- the panel's actions -------------------------------------------------

    def on_staff_action_chosen(self: KioskApp, message: StaffActionChosen) -> None:
        actions = {
            "close": self.show_welcome, "actions": self._more_actions, "assisted": self._choose_mode,
            "theme": self._choose_theme, "sync_now": lambda: self._sync_now(message.screen),
            "test": lambda: self.run_worker(self._test_connection(message.screen), exclusive=True, group="staff"),
            "pause": lambda: self._set_paused(message.screen, True),
            "resume": lambda: self._set_paused(message.screen, False),
            "restart": lambda: self.exit(return_code=EXIT_RESTART),
        }
        staff = self.config.staff
        if staff.allow_shell:
            actions["shell"] = lambda: self.exit(return_code=EXIT_TO_SHELL)
        if staff.allow_power:
            actions["poweroff"] = actions["reboot"] = lambda: self.run_worker(
                self._power(message.action, message.screen), exclusive=True, group="staff")
        if message.action in actions:
            actions[message.action]()

    def _more_actions(self: KioskApp) -> None:
        from screens.staff import StaffActions

        staff = self.config.staff
        self.push_screen(StaffActions(self.look(), paused=self.station.staff.paused, allow_shell=staff.allow_shell,
                                      allow_power=staff.allow_power))

    def _choose_mode(self: KioskApp) -> None:
        from screens.staff import AssistedModeScreen

        self.push_screen(AssistedModeScreen(self.look()), self._mode_chosen)

    def _mode_chosen(self: KioskApp, mode: str | None) -> None:
        """Assisted feedback: the next visit is recorded with who helps (for one visit only)."""
        if mode is None:
            return
        from screens.staff import HandOverScreen

        self.visit = self.station.new_visit(mode=mode)
        self._replace_screens(HandOverScreen(self.look()))

    def _choose_theme(self: KioskApp) -> None:
        from screens.staff import ThemeScreen

        self.push_screen(ThemeScreen(self.look(), current=self.theme), self._theme_chosen)

    def _theme_chosen(self: KioskApp, name: str | None) -> None:
        if name is not None:
            self.set_theme_name(name)
            self.station.staff.choose_theme(name)

    def _sync_now(self: KioskApp, screen: StaffScreen) -> None:
        sync = self.station.sync
        if sync is not None:
            sync.sync_now()
        self._show_result(screen, self.t("staff.result.sync_started" if sync else "staff.result.no_sync"))

    async def _test_connection(self: KioskApp, screen: StaffScreen) -> None:
        sync = self.station.sync
        if sync is None:
            self._show_result(screen, self.t("staff.result.no_sync"))
            return
        error = await asyncio.to_thread(sync.check_connection)
        self._show_result(screen, self.t("staff.result.test_failed", error=error) if error
                          else self.t("staff.result.test_ok"))

    async def _power(self: KioskApp, action: str, screen: StaffScreen) -> None:
        from kiosk.staff import power

        error = await asyncio.to_thread(power, action)
        if error:
            self._show_result(screen, self.t("staff.result.power_failed", error=error))

    def _set_paused(self: KioskApp, screen: StaffScreen, paused: bool) -> None:
        from screens.staff import StaffActions

        self.station.staff.set_paused(paused)
        if isinstance(screen, StaffActions):
            screen.show_paused(paused)

    def _show_result(self: KioskApp, screen: StaffScreen, words: str) -> None:
        from screens.staff import StaffActions

        if isinstance(screen, StaffActions):
            screen.show_result(words)
