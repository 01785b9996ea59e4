"""The kiosk app: walks one person at a time through the survey, then forgets them.

Screens present and collect, and say what happened with Messages; this class moves the
visit along and hands the ended visit to the station (which seals, stores and sends).
It holds one `Visit`, the person at the screen, and replaces it whole when the screen is
cleared for the next. The entry point builds it (commands/kiosk.py: `make_app`).

Only the welcome screen is imported up front; the others are imported where they are
first shown, so that the first screen paints sooner.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState

from kiosk.config import KioskConfig
from kiosk.errors import EXIT_USER_ERROR, UserError
from kiosk.logs import crash_report
from kiosk.speech import Speaker
from kiosk.station import Station
from kiosk.strings import Strings
from kiosk.survey import Question
from kiosk.systemd import notify, watchdog_interval
from kiosk.visit import SELF
from screens.base import HelpWanted, Look, ReadAloud, TargetScreen
from screens.staff_controls import STAFF_KEY, StaffControls
from screens.themes import THEMES, glyphs, initial_theme, register_themes
from screens.welcome import LanguageChosen, LanguageScreen, StartWanted, WelcomeScreen

if TYPE_CHECKING:  # the question screens load when the first question shows
    from screens.endings import ThanksOver
    from screens.question import Answered, BackWanted, QuestionMessage, Skipped
    from screens.reply import ReplyWanted
    from screens.staff import OwnViewGiven

log = logging.getLogger(__name__)
# Keys that would quit, suspend, or open Textual's command palette: on a kiosk they do nothing.
LOCKED_KEYS = ("ctrl+c", "ctrl+q", "ctrl+p", "ctrl+z", "ctrl+backslash")
DEMO_EXIT_KEY = "f10"
SPEECH_KEY = "plus"  # the + of a USB number pad: a key a blind person can find by touch
RETRY_SECONDS = 15
HOURS_CHECK_SECONDS = 30
# A kiosk that fails shows that it is out of order this long, then exits: after a crash with
# status 1, which systemd restarts; after a mistake in its config or keys with status 2, which
# leaves it stopped for IT (kiosk.service: RestartPreventExitStatus=).
FAILURE_SECONDS = 5
EXIT_CRASHED = 1


class KioskApp(StaffControls, App, inherit_bindings=False):
    CSS_PATH = "kiosk.tcss"
    ENABLE_COMMAND_PALETTE = False
    ALLOW_SELECT = False
    TITLE = "Feedback kiosk"
    BINDINGS = [*(Binding(key, "nothing", show=False, priority=True) for key in LOCKED_KEYS),
                Binding(DEMO_EXIT_KEY, "leave_demo", show=False, priority=True),
                Binding(STAFF_KEY, "staff_entry", show=False, priority=True),
                # Not a priority: a physical keyboard typing a phone number must get its "+".
                Binding(SPEECH_KEY, "toggle_speech", show=False)]

    def __init__(self, config: KioskConfig, station: Station, strings: Strings, speaker: Speaker, *,
                 clock: Callable[[], float] = time.monotonic, demo: bool = False, idle_tick: float = 1.0,
                 on_first_paint: Callable[[App], None] | None = None):
        """`on_first_paint`: what the entry point does once the first screen is up (its garbage policy)."""
        super().__init__()
        self.config = config
        register_themes(self)
        self.theme = station.staff.theme or config.theme or "dark"
        self.station = station
        self.strings = strings
        self.speaker = speaker
        self.clock = clock
        self.demo = demo
        self.idle_tick = idle_tick
        self.on_first_paint = on_first_paint
        self.last_input = clock()
        self.started = time.monotonic()
        self.broken = False  # the kiosk failed: out of order until it exits
        self.start_error: UserError | None = None  # a mistake found at start, for the entry point to report
        self._init_staff()
        self.visit = station.new_visit()

    # -- how screens are drawn -----------------------------------------------

    def look(self) -> Look:
        visit = self.visit
        return Look(self.strings, visit.language, bigger_text=visit.bigger_text, speech=visit.speech,
                    speech_available=self.speaker.available, glyphs=glyphs(self))

    def t(self, key: str, **values: object) -> str:
        return self.strings(key, self.visit.language, **values)

    def restyle(self, *, redraw: bool = True) -> None:
        """Draw every screen again for the visit's language and choices, or a new theme."""
        look = self.look()
        for screen in self.screen_stack:
            if isinstance(screen, TargetScreen):
                screen.restyle(look, redraw=redraw)

    # -- start-up ------------------------------------------------------------

    def on_mount(self) -> None:
        if not self.is_headless:  # tests draw on no terminal: they get what the config says
            self.theme = initial_theme(self.station.staff.theme or self.config.theme, os.environ.get("TERM", ""))
        self.push_screen(self._first_screen())
        self.call_after_refresh(self.first_screen_painted)
        self.set_interval(self.idle_tick, self.check_client_idle)
        self.set_interval(RETRY_SECONDS, self.retry_unsaved)
        self.set_interval(HOURS_CHECK_SECONDS, self.check_opening_hours)
        if interval := watchdog_interval():
            # Pinged from the UI's own event loop: a frozen screen stops the pings, and systemd
            # restarts the kiosk.
            self.set_interval(interval, lambda: notify("WATCHDOG=1"))

    def first_screen_painted(self) -> None:
        notify("READY=1")
        if self.on_first_paint is not None:
            self.on_first_paint(self)
        # Sealing, storage and sending start after the first paint, so the welcome shows at once.
        self.run_worker(self.station.start, name="start", thread=True, exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        if event.worker.name != "start":
            log.error("%s failed: %r", event.worker.name, error)
        elif isinstance(error, UserError):  # a damaged key file, say: the admin's to fix
            log.error("the kiosk cannot start: %s", error)
            self.start_error = error
            self._out_of_order(EXIT_USER_ERROR)
        else:
            self._handle_exception(error)

    def _handle_exception(self, error: Exception) -> None:
        """An error nothing caught (Textual's hook for it). Textual's own handling would paint a
        traceback with every frame's local variables, where a client's answers or the PIN just
        typed could be. Instead the error goes to the kiosk's log without its message or any
        variable (kiosk/logs.py), the calm out-of-order screen shows, and the kiosk exits for
        systemd to start it afresh."""
        if self._exception is None:  # Textual's test pilot raises it again as a test ends
            self._exception = error
            self._exception_event.set()
        log.critical("the kiosk failed; it exits to be restarted: %s",
                     crash_report(error.error if isinstance(error, WorkerFailed) else error))
        self._out_of_order(EXIT_CRASHED)

    def _out_of_order(self, status: int) -> None:
        if self.broken:  # failing again, perhaps in showing it: no more screens
            self.exit(return_code=status)
            return
        self.broken = True
        try:
            self._replace_screens(self._resting_screen("broken"))
        except Exception:  # whatever it is, the kiosk is leaving
            self.exit(return_code=status)
            return
        self.set_timer(FAILURE_SECONDS, lambda: self.exit(return_code=status))

    def on_unmount(self) -> None:
        notify("STOPPING=1")
        self.station.stop()

    # -- input and idleness --------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.MouseUp)):
            self.last_input = self.clock()
        if isinstance(event, (events.MouseDown, events.MouseUp)) and not event.is_forwarded:  # not as it bubbles back
            self.corner_press(event)
        await super().on_event(event)

    def is_screen_idle(self, seconds: float) -> bool:
        return self.clock() - self.last_input >= seconds

    def check_client_idle(self) -> None:
        """Warn, then clear the screen for the next person (WCAG 2.2.1: at least 20 s to continue).
        Staff screens just close after the same time."""
        from screens.endings import IdleWarningScreen, RestingScreen, ThanksScreen

        thanks = next((screen for screen in self.screen_stack if isinstance(screen, ThanksScreen)), None)
        if len(self.screen_stack) < 2 or isinstance(self.screen, RestingScreen) or \
                self.screen is thanks and thanks.leaves_by_itself:  # or closing
            return
        idle_seconds = self.config.idle_seconds
        if thanks and not thanks.leaves_by_itself:  # a reference to copy down: at least a minute
            idle_seconds = max(idle_seconds, thanks.CODE_SECONDS)
        left = idle_seconds - (self.clock() - self.last_input)
        if any(getattr(screen, "STAFF_ONLY", False) for screen in self.screen_stack):
            if left <= 0:
                self.run_worker(self.reset())
            return
        warning = self.screen if isinstance(self.screen, IdleWarningScreen) else None
        someone_is_here = self.visit.someone_is_here or len(self.screen_stack) > 2  # or a screen opened over the first
        if left <= 0:
            if someone_is_here:
                self.run_worker(self.reset())
        elif left <= self.config.warning_seconds and someone_is_here:
            if warning:
                warning.count_down(left)
            else:
                self.push_screen(IdleWarningScreen(self.look(), left))
        elif warning:
            warning.dismiss()

    async def reset(self) -> None:
        """The person walked away: keep what the policy keeps, forget the rest, start over."""
        self.end_visit()
        self.show_welcome()

    def end_visit(self) -> None:
        """Record what the visit leaves (once, however many paths end it), in a thread."""
        records = self.station.end_visit(self.visit)
        if records:
            self.run_worker(lambda: self.station.record(records), thread=True, name="record-partial")

    def show_welcome(self, *, mode: str = SELF) -> None:
        """The next person's start: a new visit, and the welcome screen, or the resting one when
        the kiosk is paused, closed or cannot keep feedback."""
        self.visit = self.station.new_visit(mode=mode)
        self.speaker.stop()
        self._replace_screens(self._first_screen())
        # Between two visits: the moment to switch to a newer signed bundle, if one came.
        self.run_worker(self.station.take_pending_bundle, name="bundle", thread=True, exit_on_error=False)

    def _first_screen(self) -> Screen:
        reason = "broken" if self.broken else "paused" if self.station.staff.paused else \
            None if self.config.hours.is_open(datetime.now()) else "closed"
        if reason is not None:
            return self._resting_screen(reason)
        return WelcomeScreen(self.look(), languages=self.config.languages, announcements=lambda: self.station.announcements,
                             rotation_seconds=self.config.welcome_rotation_seconds, untouched_for=self.is_screen_idle)

    def _resting_screen(self, reason: str) -> Screen:
        from screens.endings import RestingScreen

        return RestingScreen(self.look(), reason)

    def check_opening_hours(self) -> None:
        """Open and close with the unit; never in the middle of a visit or of staff work."""
        from screens.endings import RestingScreen

        closed = isinstance(self.screen, RestingScreen) and self.screen.reason == "closed"
        waiting = isinstance(self.screen, WelcomeScreen) or closed
        if waiting and self.config.hours.is_open(datetime.now()) == closed:
            self.show_welcome()

    def _replace_screens(self, screen: Screen) -> None:
        """Drop every screen the last person saw (keyboards, warnings included), then show `screen`."""
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.switch_screen(screen)

    # -- help on every client screen -----------------------------------------

    def on_help_wanted(self, message: HelpWanted) -> None:
        helpers = {"language": self.choose_language, "about": self.show_about, "menu": self.open_menu,
                   "read-aloud": self.read_screen_aloud, "bigger-text": self.toggle_bigger_text}
        helpers[message.what]()

    def on_read_aloud(self, message: ReadAloud) -> None:
        self.speaker.say(message.text, self.visit.language)

    def read_screen_aloud(self) -> None:
        if isinstance(self.screen, TargetScreen):
            self.speaker.say(self.screen.speech_text(), self.visit.language)

    def show_about(self) -> None:
        from screens.about import AboutScreen

        self.push_screen(AboutScreen(self.look(), self.config.about))

    def open_menu(self) -> None:
        from screens.about import MenuScreen

        def chosen(choice: str | None) -> None:
            if choice is not None:
                self.on_help_wanted(HelpWanted(choice))

        self.push_screen(MenuScreen(self.look()), chosen)

    def choose_language(self) -> None:
        def chosen(code: str | None) -> None:
            if code:
                self.set_language(code)

        self.push_screen(LanguageScreen(self.look(), languages=self.config.languages), chosen)

    def on_language_chosen(self, message: LanguageChosen) -> None:
        self.set_language(message.code)

    def set_language(self, code: str) -> None:
        self.visit.language = code
        self.restyle()
        if self.visit.speech:
            self.run_worker(self._read_when_redrawn(self.screen), group="speech", exclusive=True)

    async def _read_when_redrawn(self, screen: Screen) -> None:
        """Speech mode, after a language change: the whole screen in its new words once it is
        drawn again, not just the target that takes the focus (whose reading would cut this off)."""
        try:
            for worker in [worker for worker in self.workers if worker.node is screen and not worker.is_finished]:
                await worker.wait()
        except WorkerCancelled:  # the screen went (the person moved on): it reads itself as it opens
            return
        self.call_after_refresh(self.read_screen_aloud)

    def action_toggle_speech(self) -> None:
        """Speech mode, for people who cannot see the screen: every screen is read as it opens,
        and each target as the arrow keys reach it. The keypad's + turns it on and off."""
        self.visit.speech = not self.visit.speech and self.speaker.available
        self.restyle(redraw=False)
        spoken = self.screen.speech_text() if isinstance(self.screen, TargetScreen) else ""
        self.speaker.say(f"{self.t('speech.on')} {spoken}" if self.visit.speech else self.t("speech.off"),
                         self.visit.language)

    def toggle_bigger_text(self) -> None:
        self.visit.bigger_text = not self.visit.bigger_text
        self.restyle()

    def set_theme_name(self, name: str) -> None:
        """Switch to one of the kiosk's themes (kiosk.config.THEME_NAMES) at once. Screens are drawn
        again: the marks they show (the tick of a chosen target, the caret) depend on the theme."""
        if name not in THEMES:
            raise ValueError(f"unknown theme {name!r}; known: {', '.join(THEMES)}")
        self.theme = name
        self.restyle()

    # -- the visit -----------------------------------------------------------

    def on_start_wanted(self, _message: StartWanted) -> None:
        visit = self.visit
        if visit.started:
            return
        if not visit.answers and visit.survey is not self.station.survey:
            self.visit = visit.with_survey(self.station.survey)  # a bundle changed it since the visit began
        self._show(self.visit.start())

    def on_answered(self, message: Answered) -> None:
        if self._is_current(message):
            self._show(self.visit.answer(message.value))

    def on_skipped(self, message: Skipped) -> None:
        if self._is_current(message):
            self._show(self.visit.skip())

    def on_back_wanted(self, message: BackWanted) -> None:
        if self._is_current(message):
            self._show(self.visit.back())

    def on_reply_wanted(self, message: ReplyWanted) -> None:
        if self._is_current(message):
            self._show(self.visit.request_reply(message.contact))

    def _is_current(self, message: QuestionMessage) -> bool:
        return message.question is self.visit.current

    def _show(self, question: Question | None) -> None:
        if self.visit.asks_own_view:
            self._ask_own_view()
        elif self.visit.finished:
            self.run_worker(self._finish(), exclusive=True, group="finish")
        elif question is None:
            self.switch_screen(self._first_screen())
        else:
            self.switch_screen(self._question_screen(question))

    def _ask_own_view(self) -> None:
        """Someone helped: last, the client says whether the answers are their own view."""
        from screens.staff import OwnViewScreen

        self.switch_screen(OwnViewScreen(self.look()))

    def on_own_view_given(self, message: OwnViewGiven) -> None:
        if not self.visit.asks_own_view:  # a late second tap: the visit has moved on
            return
        if message.view is None:
            self._show(self.visit.back())
        else:
            self.visit.tell_own_view(message.view)
            self._show(None)

    def _question_screen(self, question: Question) -> Screen:
        visit = self.visit
        shown = self.look(), question, visit.progress(), visit.answers.get(question.id)
        if question.type == "text":
            from screens.question import FreeTextScreen

            return FreeTextScreen(*shown, max_length=self.config.free_text_max)
        if question.type == "reply":
            from screens.reply import ReplyScreen

            return ReplyScreen(*shown, promise=self.config.reply)
        from screens.question import ChoiceScreen

        return ChoiceScreen(*shown)

    async def _finish(self) -> None:
        visit = self.visit
        reference = visit.reply.reference if visit.reply else None
        records = self.station.end_visit(visit)  # from here on, nothing of the answers is reachable
        saved = await asyncio.to_thread(self.station.record, records)
        from screens.endings import ThanksScreen

        # The thanks are still this person's: in their language, with their help choices.
        self._replace_screens(ThanksScreen(self.look(), reference=reference, saved=saved, promise=self.config.reply,
                                           seconds=self.config.thanks_seconds))
        self.last_input = self.clock()  # a reference's minute counts from when it shows, however long saving took

    def on_thanks_over(self, _message: ThanksOver) -> None:
        self.show_welcome()

    def retry_unsaved(self) -> None:
        """What the disk refused, at start or since, is tried again: it recovers by itself."""
        if self.station.storage_refused:
            self.run_worker(self.station.retry_storage, thread=True, name="retry")

    # -- keys --------------------------------------------------------------

    def action_nothing(self) -> None:
        """Quit, suspend and palette keys land here and do nothing."""

    def action_leave_demo(self) -> None:
        self.exit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_demo":
            return self.demo
        return True
