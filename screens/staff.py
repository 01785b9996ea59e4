"""The staff side: the PIN pad, the staff panel, its details and actions, assisted feedback, the
hand-over, and the question a helped client answers last (are these answers your own view?).

None of these screens shows, or can show, a client's answers: the kiosk holds only
sealed envelopes. Staff keys may be smaller than a client's (screens.layout.STAFF).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable

from textual.binding import Binding
from textual.message import Message
from textual.worker import Worker

from kiosk.config import THEME_NAMES
from kiosk.languages import easy_variant
from kiosk.pin import FREE_ATTEMPTS, PinGuard
from kiosk.staff import MODES, StatusLine
from kiosk.visit import OWN_VIEWS, SELF
from screens.base import ChoiceDialog, ClientScreen, Look, TargetScreen
from screens.layout import STAFF, TargetSize, header_lines, plan
from screens.welcome import StartWanted
from screens.widgets import Target

PIN_DIGITS = "1234567890"
REFRESH_SECONDS = 2


class StaffActionChosen(Message):
    """Staff chose `action` on `screen` (the panel, or its further actions)."""

    def __init__(self, screen: StaffScreen, action: str) -> None:
        super().__init__()
        self.screen = screen
        self.action = action


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
                Binding("enter", "ok", show=False, priority=True), Binding("escape", "cancel", show=False)]

    def __init__(self, look: Look, guard: PinGuard | None):
        """`guard`: checks the PIN and keeps the lock-out; None where no PIN was set."""
        super().__init__(look)
        self.guard = guard
        self.typed = ""
        self.message = ""

    def prompt(self):
        guard = self.guard
        if guard is None:
            return self.t("staff.pin.title"), self.t("staff.pin.not_set")
        locked = guard.locked_for()
        message = self.t("staff.pin.locked", seconds=math.ceil(locked)) if locked else self.message
        return self.t("staff.pin.title"), f"{'●' * len(self.typed) or '-'}\n{message}".rstrip()

    def choices(self):
        if self.guard is None:
            return []
        return [Target(digit, digit, classes="key") for digit in PIN_DIGITS]

    def nav_start(self):
        return [Target(self.t("staff.pin.cancel"), id="cancel", classes="nav")]

    def nav_end(self):
        if self.guard is None:
            return []
        return [Target(self.t("keyboard.delete"), id="delete", classes="nav"),
                Target(self.t("staff.pin.ok"), id="ok", classes="nav primary")]

    def on_mount(self) -> None:
        self.set_interval(1, self._count_down)

    def _count_down(self) -> None:
        if self.guard:  # every second, also the one the lock-out ends in: the countdown goes
            self.refresh_prompt()

    def action_cancel(self) -> None:
        self.dismiss(False)

    def chosen(self, target: Target) -> None:
        self.action_digit(str(target.value))

    def action_digit(self, digit: str) -> None:
        if len(self.typed) < 12:
            self.typed += digit
            self.refresh_prompt()

    def action_delete(self) -> None:
        self.typed = self.typed[:-1]
        self.refresh_prompt()

    def action_ok(self) -> None:
        """OK, or Enter on a staff keyboard: the PIN typed so far, whatever target has the focus."""
        if self.guard is None or not self.typed:
            return
        # scrypt takes a moment: the PIN is checked in a thread, and never logged.
        self.run_worker(self._check(self.typed), exclusive=True)
        self.typed = ""

    async def _check(self, pin: str) -> None:
        result = await asyncio.to_thread(self.guard.try_pin, pin)
        if result.accepted:
            self.dismiss(True)
            return
        left = max(FREE_ATTEMPTS - self.guard.failures, 0)
        self.message = "" if result.locked_for else self.t("staff.pin.wrong", left=left)
        self.refresh_prompt()


class StatusScreen(StaffScreen):
    """A staff screen of the kiosk's figures, refreshed live.

    The figures are read with `read_status`, in a thread: it takes locks and reads files that a
    stalled disk can hold, and the screen must stay responsive (and the watchdog fed). Until
    the first reading is in, `status` is None."""

    def __init__(self, look: Look, *, read_status: Callable[[], list[StatusLine]]):
        super().__init__(look)
        self.read_status = read_status
        self.status: dict[str, StatusLine] | None = None
        self._reading: Worker | None = None

    def status_text(self) -> list[str]:
        """The prompt's lines below its title, from `status`."""
        raise NotImplementedError

    def heading(self) -> str:
        raise NotImplementedError

    def prompt(self):
        text = self.status_text() if self.status is not None else [self.look.glyphs.ellipsis]
        title = self.heading()
        return title, "\n".join(self._fitted(title, text))

    def _fitted(self, title: str, lines: list[str]) -> list[str]:
        """The lines as they are; where they would not all fit above the targets (a long error,
        several troubles, on the kiosk's small screen), cut to one line each, the last first (the
        first say the most; the details and the log have them whole), and if that is not
        enough, the last ones left out for an ellipsis."""
        width, height = self.app.size
        targets = len(self.choices()), len(self.nav_start()) + len(self.nav_end())

        def fits(candidate: list[str]) -> bool:
            text = "\n".join([title, *candidate])
            return plan(width, height, header_lines(text, width), *targets, self.TARGET, text).whole

        room = max(width - 2, 8)  # the prompt's padding, as header_lines counts it
        ellipsis = self.look.glyphs.ellipsis
        fitted = list(lines)
        for index in reversed(range(len(fitted))):
            if fits(fitted):
                return fitted
            line = fitted[index]
            fitted[index] = line if len(line) <= room else f"{line[:room - len(ellipsis)]}{ellipsis}"
        while len(fitted) > 1 and not fits(fitted):
            fitted = [*fitted[:-2], ellipsis]
        return fitted

    def on_mount(self) -> None:
        self.set_interval(REFRESH_SECONDS, self.refresh_status)

    def on_screen_resume(self) -> None:
        self.refresh_status()  # at once, and back from the actions: a pause shows at once

    def refresh_status(self) -> None:
        """Read the figures again, unless a reading is still under way (a stalled disk): one
        thread waits for it, not one more every refresh."""
        if self._reading is None or self._reading.is_finished:
            self._reading = self.run_worker(self._read_status, thread=True, exit_on_error=False)

    def _read_status(self) -> None:
        status = self.read_status()
        self.app.call_from_thread(self.show_status, status)

    def show_status(self, status: list[StatusLine]) -> None:
        self.status = {line.key: line for line in status}
        self.refresh_prompt()


# What ward staff are told when a figure is in trouble, in this order: each says who acts.
TROUBLES = ("paused", "save_error", "key", "connection", "oldest", "quarantined", "disk_free", "clock")


class StaffPanel(StatusScreen):
    """Is feedback leaving the building? Said in plain words for ward staff, refreshed live, with
    what to do when something is wrong; the IT details (errors, key, versions) are a tap away,
    and so are the actions."""

    TARGET = TargetSize(24, 4)  # labels of two lines of 20 characters: two targets a row on the 50x15 panel

    def heading(self) -> str:
        return self.t("staff.panel.title")

    def status_text(self) -> list[str]:
        status = self.status
        queue, oldest, last_sync = status["queue"].value, status["oldest"].value, status["last_sync"].value
        sending = [self.t("staff.say.sent") if queue == "0" else self.t("staff.say.waiting", count=queue)]
        if queue != "0" and oldest != "-":
            sending.append(self.t("staff.say.oldest_age", age=oldest))
        if last_sync != "-":
            sending.append(self.t("staff.say.last_sent", when=last_sync))
        troubles = [f"! {self._trouble_words(status[key])}" for key in TROUBLES if status[key].trouble]
        return [" ".join(sending), *troubles, self.t("staff.panel.no_answers")]

    def _trouble_words(self, line: StatusLine) -> str:
        key = f"staff.say.{line.value}" if line.key == "connection" else f"staff.say.{line.key}"
        return self.t(key, count=line.value)

    def choices(self):
        return [Target(self.t("staff.action.assisted"), "assisted", classes="choice"),
                Target(self.t("staff.action.more"), "actions", classes="choice"),
                Target(self.t("staff.action.details"), "details", classes="choice")]

    def nav_start(self):
        return [Target(self.t("staff.action.close"), id="close", classes="nav")]

    def action_close(self) -> None:
        self.post_message(StaffActionChosen(self, "close"))

    def chosen(self, target: Target) -> None:
        self.post_message(StaffActionChosen(self, str(target.value)))


# The details' figures, a few to a line, so that they fit the kiosk's 50x15 screen.
DETAIL_GROUPS = (("queue", "unsaved", "oldest"), ("last_sync", "quarantined"), ("connection",), ("send_error",),
                 ("save_error",), ("disk_free", "clock"), ("key",), ("kiosk", "software"), ("survey", "uptime"))


class StaffDetails(StatusScreen):
    """The figures as IT needs them: exact errors, the key's fingerprint, versions; and the error of
    the last action that failed (`action_error`)."""

    def __init__(self, look: Look, *, read_status: Callable[[], list[StatusLine]], action_error: str | None = None):
        super().__init__(look, read_status=read_status)
        self.action_error = action_error

    def heading(self) -> str:
        return self.t("staff.details.title")

    def status_text(self) -> list[str]:
        lines = {key: f"{self.t('staff.status.' + key)}: {'! ' if line.trouble else ''}{self._words(line)}"
                 for key, line in self.status.items()}
        text = [" · ".join(lines[key] for key in group) for group in DETAIL_GROUPS]
        if self.action_error:
            text.append(f"{self.t('staff.status.last_action')}: ! {self.action_error}")
        return text

    def _words(self, line: StatusLine) -> str:
        if line.key == "connection":
            return self.t(f"staff.connection.{line.value}")
        return self.t(f"staff.answer.{line.value}") if line.value in ("yes", "no") else line.value

    def nav_start(self):
        return self.back_target()

    def action_back(self) -> None:
        self.dismiss()


class StaffActions(StaffScreen):
    """Sync now, test the connection, pause, restart; leave to the shell and power only where
    allowed. The result of the last action shows in plain words until the next one."""

    TARGET = TargetSize(16, 5)  # labels of three lines of up to 12 characters

    def __init__(self, look: Look, *, paused: bool, allow_shell: bool = False, allow_power: bool = False):
        super().__init__(look)
        self.paused = paused
        self.allow_shell = allow_shell
        self.allow_power = allow_power
        self.result = ""

    def prompt(self):
        return self.t("staff.panel.title"), self.result

    def choices(self):
        actions = ["sync_now", "test", "resume" if self.paused else "pause", "theme", "restart"]
        if self.allow_shell:
            actions.append("shell")
        if self.allow_power:
            actions += ["poweroff", "reboot"]
        return [Target(self.t(f"staff.action.{action}"), action, classes="choice") for action in actions]

    def nav_start(self):
        return self.back_target()

    def action_back(self) -> None:
        self.dismiss()

    def chosen(self, target: Target) -> None:
        self.post_message(StaffActionChosen(self, str(target.value)))

    def show_paused(self, paused: bool) -> None:
        self.paused = paused
        self.run_worker(self.recompose())

    def show_result(self, words: str) -> None:
        self.result = words
        self.refresh_prompt()


class ConfirmScreen(ChoiceDialog, StaffScreen):
    """Are you sure? Before an action that takes the kiosk out of use (restart, shut down).
    Dismisses with the action, or None for Back."""

    TARGET = TargetSize(16, 4)
    AUTO_FOCUS = "#back"  # a stray Enter changes nothing

    def __init__(self, look: Look, action: str):
        super().__init__(look)
        self.action = action

    def prompt(self):
        return self.t(f"staff.confirm.{self.action}"), ""

    def choices(self):
        return [Target(self.t("staff.confirm.yes"), self.action, classes="choice")]


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

    def __init__(self, look: Look, *, current: str):
        super().__init__(look)
        self.current = current

    def prompt(self):
        return self.t("staff.theme.title"), ""

    def choices(self):
        return [Target(self.t(f"staff.theme.{name}"), name, selected=name == self.current, classes="choice")
                for name in THEME_NAMES]


def in_easy_language(look: Look, key: str) -> str:
    """`key` in the easy variant of the person's language: selkosuomi for Finnish; English as it is."""
    return look.strings(key, easy_variant(look.language) or look.language)


class HandOverScreen(ClientScreen):
    """Staff hand the kiosk to the client: in easy language, they can answer in private."""

    AUTO_FOCUS = "#start"

    def prompt(self):
        return in_easy_language(self.look, "handover.title"), in_easy_language(self.look, "handover.body")

    def nav_end(self):
        return [Target(self.t("welcome.start"), id="start", classes="nav primary")]

    def action_start(self) -> None:
        self.post_message(StartWanted())


class OwnViewGiven(Message):
    """The helped client said whose view the answers are (one of OWN_VIEWS), or None: Back."""

    def __init__(self, view: str | None) -> None:
        super().__init__()
        self.view = view


class OwnViewScreen(ClientScreen):
    """The last question when someone helped: are the answers the client's own view? In easy
    language, as the hand-over was; answered by the client, whoever held the screen."""

    def prompt(self):
        return in_easy_language(self.look, "own_view.title"), in_easy_language(self.look, "own_view.body")

    def choices(self):
        return [Target(in_easy_language(self.look, f"own_view.{view}"), view, classes="choice") for view in OWN_VIEWS]

    def nav_start(self):
        return self.back_target()

    def action_back(self) -> None:
        self.post_message(OwnViewGiven(None))

    def chosen(self, target: Target) -> None:
        self.post_message(OwnViewGiven(str(target.value)))
