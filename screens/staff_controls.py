"""The app's staff side: the way in, the panel's actions, and assisted feedback.

The way in works on a touchscreen alone and is something no client does by accident, not
even typing fast: a finger held still for three seconds in the top left corner, on no target
(where the prompt is), then lifted; or F12 on a keyboard. Either opens the PIN pad. Clients tap,
and a tap is over in a fraction of a second however many come and wherever they land; taps
could not be the way in, since keys move under a typing finger (a keyboard's layer changes, the
prompt comes back where a key was). A press on a target is the target's, however long.
What staff set (a pause, the look) lives in the core (kiosk/staff.py); the visit a staff
member interrupts is ended like any other, and so recorded at most once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import events
from textual.errors import NoWidget

from kiosk.staff import EXIT_RESTART, EXIT_TO_SHELL, status_lines
from screens.widgets import Target

if TYPE_CHECKING:
    from kiosk.staff import StatusLine
    from screens.app import KioskApp
    from screens.staff import StaffActionChosen, StaffScreen

log = logging.getLogger(__name__)

STAFF_KEY = "f12"
CORNER_COLUMNS, CORNER_ROWS = 8, 3
HOLD_SECONDS = 3.0


class StaffControls:
    """Mixed into the app: everything staff start, apart from the screens they see."""

    def _init_staff(self: KioskApp) -> None:
        self._corner_pressed_at: float | None = None  # a press that began in the corner, on no target
        self._action_error: str | None = None  # the exact error of the last staff action, for the details

    def corner_press(self: KioskApp, event: events.MouseDown | events.MouseUp) -> None:
        """The way in by touch: a press that begins and ends in the corner, on no target, at least
        HOLD_SECONDS apart."""
        in_corner = self._in_corner(event)
        if isinstance(event, events.MouseDown):
            self._corner_pressed_at = self.clock() if in_corner else None
            return
        pressed_at, self._corner_pressed_at = self._corner_pressed_at, None
        if in_corner and pressed_at is not None and self.clock() - pressed_at >= HOLD_SECONDS:
            self.action_staff_entry()

    def _in_corner(self: KioskApp, event: events.MouseEvent) -> bool:
        return event.screen_x < CORNER_COLUMNS and event.screen_y < CORNER_ROWS and not self._on_target(event)

    def _on_target(self: KioskApp, event: events.MouseEvent) -> bool:
        """Some screens put a target in the corner (a key of a keyboard, where the prompt hides):
        a press on it is the client's."""
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
        screen = message.screen
        actions = {
            "close": self.show_welcome, "actions": self._more_actions, "assisted": self._choose_mode,
            "details": self._show_details, "theme": lambda: self._choose_theme(screen),
            "sync_now": lambda: self._sync_now(screen),
            "test": lambda: self.run_worker(self._test_connection(screen), exclusive=True, group="staff"),
            "pause": lambda: self._set_paused(screen, True),
            "resume": lambda: self._set_paused(screen, False),
            "restart": lambda: self._confirm("restart", lambda: self.exit(return_code=EXIT_RESTART)),
        }
        staff = self.config.staff
        if staff.allow_shell:
            actions["shell"] = lambda: self.exit(return_code=EXIT_TO_SHELL)
        if staff.allow_power:
            actions["poweroff"] = actions["reboot"] = lambda: self._confirm(message.action, lambda: self.run_worker(
                self._power(message.action, screen), exclusive=True, group="staff"))
        if message.action in actions:
            actions[message.action]()

    def _confirm(self: KioskApp, action: str, then: Callable[[], object]) -> None:
        """Ask first: the action takes the kiosk out of use."""
        from screens.staff import ConfirmScreen

        def answered(confirmed: str | None) -> None:
            if confirmed:
                then()

        self.push_screen(ConfirmScreen(self.look(), action), answered)

    def _show_details(self: KioskApp) -> None:
        from screens.staff import StaffDetails

        self.push_screen(StaffDetails(self.look(), read_status=self.read_staff_status, action_error=self._action_error))

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

    def _choose_theme(self: KioskApp, screen: StaffScreen) -> None:
        from screens.staff import ThemeScreen

        def chosen(name: str | None) -> None:
            if name is not None:
                self.set_theme_name(name)
                self.station.staff.choose_theme(name)
                self._show_result(screen, "")

        self.push_screen(ThemeScreen(self.look(), current=self.theme), chosen)

    def _sync_now(self: KioskApp, screen: StaffScreen) -> None:
        sync = self.station.sync
        if sync is not None:
            sync.sync_now()
        self._show_result(screen, self.t("staff.result.sync_started" if sync else "staff.say.not-enrolled"))

    async def _test_connection(self: KioskApp, screen: StaffScreen) -> None:
        sync = self.station.sync
        if sync is None:
            self._show_result(screen, self.t("staff.say.not-enrolled"))
            return
        error = await asyncio.to_thread(sync.check_connection)
        self._show_result(screen, self.t("staff.result.test_failed" if error else "staff.result.test_ok"), error)

    async def _power(self: KioskApp, action: str, screen: StaffScreen) -> None:
        from kiosk.staff import power

        error = await asyncio.to_thread(power, action)
        self._show_result(screen, self.t("staff.result.power_failed") if error else "", error)

    def _set_paused(self: KioskApp, screen: StaffScreen, paused: bool) -> None:
        from screens.staff import StaffActions

        self.station.staff.set_paused(paused)
        self._show_result(screen, "")
        if isinstance(screen, StaffActions):
            screen.show_paused(paused)

    def _show_result(self: KioskApp, screen: StaffScreen, words: str, error: str | None = None) -> None:
        """An action's outcome in plain words ("" for one that just worked): it replaces the last
        one's. Its exact error, if any, is for IT: in the log, and in the details until an action works."""
        from screens.staff import StaffActions

        self._action_error = error
        if error:
            log.warning("staff action failed: %s", error)
        if isinstance(screen, StaffActions):
            screen.show_result(words)
