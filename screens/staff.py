"""The staff side: the PIN pad, the staff panel, assisted feedback and the hand-over.

None of these screens shows, or can show, a client's answers: the kiosk holds only
sealed envelopes. Staff keys may be smaller than a client's (screens.layout.STAFF).
"""

from __future__ import annotations

import asyncio
import math

from textual.binding import Binding

from kiosk.config import THEME_NAMES
from kiosk.languages import easy_variant
from kiosk.pin import FREE_ATTEMPTS
from kiosk.visit import SELF
from kiosk.staff import MODES, status_lines
from screens.base import ChoiceDialog, ClientScreen, TargetScreen
from screens.layout import STAFF, TargetSize, header_lines
from screens.themes import glyphs
from screens.widgets import Target

PIN_DIGITS = "1234567890"
REFRESH_SECONDS = 2


class StaffScreen(TargetScreen):
    """A staff screen: it leaves by itself after the idle time, like a client's."""

    TARGET = STAFF
    STAFF_ONLY = True


class PinScreen(StaffScreen):
    """Dismisses with True once the right PIN is given, or False (Cancel)."""

    # Enter sends the PIN whatever target has the focus, so it must be a priority binding; the
    # keys typed before it must be too, or Enter would overtake them on their way through the
    # focused target (a USB keypad's keys can come in one read).
    BINDINGS = [*TargetScreen.BINDINGS,
                *(Binding(digit, f"digit('{digit}')", show=False, priority=True) for digit in PIN_DIGITS),
                Binding("backspace", "delete", show=False, priority=True),
                Binding("enter", "submit", show=False, priority=True), Binding("escape", "cancel", show=False)]

    def __init__(self) -> None:
        super().__init__()
        self.typed = ""
        self.message = ""

    def prompt(self):
        guard = self.app.pin_guard
        if guard is None:
            return self.t("staff.pin.title"), self.t("staff.pin.not_set")
        locked = guard.locked_for()
        message = self.t("staff.pin.locked", seconds=math.ceil(locked)) if locked else self.message
        return self.t("staff.pin.title"), f"{'●' * len(self.typed) or '-'}\n{message}".rstrip()

    def choices(self):
        if self.app.pin_guard is None:
            return []
        return [Target(digit, digit, classes="key") for digit in PIN_DIGITS]

    def nav_start(self):
        return [Target(self.t("staff.pin.cancel"), id="cancel", classes="nav")]

    def nav_end(self):
        if self.app.pin_guard is None:
            return []
        return [Target(self.t("keyboard.delete"), id="delete", classes="nav"),
                Target(self.t("staff.pin.ok"), id="ok", classes="nav primary")]

    def on_mount(self) -> None:
        self.set_interval(1, self._count_down)

    def _count_down(self) -> None:
        if self.app.pin_guard:  # every second, also the one the lock-out ends in: the countdown goes
            self.refresh_prompt()

    def action_cancel(self) -> None:
        self.dismiss(False)

    def chosen(self, target: Target) -> None:
        if target.id == "cancel":
            self.action_cancel()
        elif target.id == "delete":
            self.action_delete()
        elif target.id == "ok":
            self._try()
        elif isinstance(target.value, str):
            self.action_digit(target.value)

    def action_digit(self, digit: str) -> None:
        if len(self.typed) < 12:
            self.typed += digit
            self.refresh_prompt()

    def action_delete(self) -> None:
        self.typed = self.typed[:-1]
        self.refresh_prompt()

    def action_submit(self) -> None:
        """Enter on a staff keyboard: the PIN typed so far, whatever target has the focus."""
        self._try()

    def _try(self) -> None:
        guard = self.app.pin_guard
        if guard is None or not self.typed:
            return
        # scrypt takes a moment: the PIN is checked in a thread, and never logged.
        self.run_worker(self._check(self.typed), exclusive=True)
        self.typed = ""

    async def _check(self, pin: str) -> None:
        result = await asyncio.to_thread(self.app.pin_guard.try_pin, pin)
        if result.accepted:
            self.dismiss(True)
            return
        left = max(FREE_ATTEMPTS - self.app.pin_guard.failures, 0)
        self.message = "" if result.locked_for else self.t("staff.pin.wrong", left=left)
        self.refresh_prompt()


# The panel's figures, a few to a line, so that they fit the kiosk's 50x15 screen.
STATUS_GROUPS = (("queue", "oldest"), ("last_sync", "quarantined"), ("last_error",), ("disk_free", "clock"),
                 ("key",), ("survey", "kiosk"), ("software", "uptime"))


class StaffPanel(StaffScreen):
    """Is feedback leaving the building? Status in plain words, refreshed live; the actions are
    a tap away (the status takes the room on a small screen)."""

    TARGET = TargetSize(STAFF.columns, 4)  # labels of two lines

    def prompt(self):
        app = self.app
        lines = {line.key: f"{self.t('staff.status.' + line.key)}: {'! ' if line.trouble else ''}{self._words(line.value)}"
                 for line in status_lines(app.station, started=app.started)}
        text = [" · ".join(lines[key] for key in group) for group in STATUS_GROUPS]
        if app.paused:
            text.insert(0, f"! {self.t('staff.status.paused')}")
        text.append(self.t("staff.panel.no_answers"))
        title = self.t("staff.panel.title")
        return title, "\n".join(self._fitted(title, text))

    def _fitted(self, title: str, lines: list[str]) -> list[str]:
        """The lines as they are, or where they would not all fit above a row of keys (a long error,
        a pause, on the kiosk's small screen), each cut to one line: the log has them whole."""
        width, height = self.app.size
        if header_lines("\n".join([title, *lines]), width) + self.TARGET.rows <= height:
            return lines
        room = max(width - 2, 8)  # the prompt's padding, as header_lines counts it
        ellipsis = glyphs(self.app).ellipsis
        return [line if len(line) <= room else f"{line[:room - len(ellipsis)]}{ellipsis}" for line in lines]

    def _words(self, value: str) -> str:
        return self.t(f"staff.answer.{value}") if value in ("yes", "no") else value

    def choices(self):
        return [Target(self.t("staff.action.assisted"), "assisted", classes="choice"),
                Target(self.t("staff.action.more"), "actions", classes="choice")]

    def nav_start(self):
        return [Target(self.t("staff.action.close"), id="close", classes="nav")]

    def on_mount(self) -> None:
        self.set_interval(REFRESH_SECONDS, self.refresh_prompt)

    def on_screen_resume(self) -> None:
        self.refresh_prompt()  # back from the actions: a pause shows at once

    def chosen(self, target: Target) -> None:
        if target.id == "close":
            self.app.show_welcome()
        elif target.value == "actions":
            self.app.push_screen(StaffActions())
        else:
            self.app.staff_action(str(target.value), self)


class StaffActions(StaffScreen):
    """Sync now, test the connection, pause, restart; leave to the shell and power only where allowed."""

    TARGET = TargetSize(16, 4)  # labels of two lines of up to 12 characters

    def __init__(self) -> None:
        super().__init__()
        self.result = ""

    def prompt(self):
        return self.t("staff.panel.title"), self.result

    def choices(self):
        actions = ["sync_now", "test", "resume" if self.app.paused else "pause", "theme", "restart"]
        if self.app.config.staff.allow_shell:
            actions.append("shell")
        if self.app.config.staff.allow_power:
            actions += ["poweroff", "reboot"]
        return [Target(self.t(f"staff.action.{action}"), action, classes="choice") for action in actions]

    def nav_start(self):
        return self.back_target()

    def go_back(self) -> None:
        self.dismiss()

    def chosen(self, target: Target) -> None:
        self.app.staff_action(str(target.value), self)

    def show_result(self, words: str) -> None:
        self.result = words
        self.refresh_prompt()


class AssistedModeScreen(ChoiceDialog, StaffScreen):
    """Who answers the next response: the client alone, or with help. Dismisses with the mode."""

    TARGET = TargetSize(16, 6)  # the modes' labels wrap to four lines of 12 characters

    def prompt(self):
        return self.t("staff.mode.title"), ""

    def choices(self):
        return [Target(self.t(f"staff.mode.{mode}"), mode, selected=mode == SELF, classes="choice")
                for mode in MODES]


class ThemeScreen(ChoiceDialog, StaffScreen):
    """The kiosk's look, for everyone: dark, light, high contrast or the console's. Dismisses
    with the theme's name."""

    TARGET = TargetSize(16, 4)  # labels of two lines

    def prompt(self):
        return self.t("staff.theme.title"), ""

    def choices(self):
        return [Target(self.t(f"staff.theme.{name}"), name, selected=name == self.app.theme, classes="choice")
                for name in THEME_NAMES]


class HandOverScreen(ClientScreen):
    """Staff hand the kiosk to the client: in easy language, they can answer in private."""

    AUTO_FOCUS = "#start"

    def prompt(self):
        easy = easy_variant(self.app.language) or self.app.language  # selkosuomi for Finnish; English is as it is
        return self.app.strings("handover.title", easy), self.app.strings("handover.body", easy)

    def nav_end(self):
        return [Target(self.t("welcome.start"), id="start", classes="nav primary")]

    def chosen(self, target: Target) -> None:
        if target.id == "start":
            self.app.start_feedback()

