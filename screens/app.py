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
from textual.worker import Worker, WorkerState

from kiosk.config import KioskConfig
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

log = logging.getLogger(__name__)
# Keys that would quit, suspend, or open Textual's command palette: on a kiosk they do nothing.
LOCKED_KEYS = ("ctrl+c", "ctrl+q", "ctrl+p", "ctrl+z", "ctrl+backslash")
DEMO_EXIT_KEY = "f10"
SPEECH_KEY = "plus"  # the + of a USB number pad: a key a blind person can find by touch
RETRY_SECONDS = 15
HOURS_CHECK_SECONDS = 30


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
        self.broken = False  # the station could not start: no feedback can be kept
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
        if event.state == WorkerState.ERROR:
            log.error("%s failed: %r", event.worker.name, event.worker.error)
            if event.worker.name == "start":
                self.broken = True
                self._replace_screens(self._resting_screen("broken"))

    def on_unmount(self) -> None:
        notify("STOPPING=1")
        self.station.stop()

    # -- input and idleness --------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.MouseUp)):
            self.last_input = self.clock()
        if isinstance(event, events.MouseDown) and not event.is_forwarded:  # not again as it bubbles back up
            self.count_corner_tap(event)
        await super().on_event(event)

    def is_screen_idle(self, seconds: float) -> bool:
        return self.clock() - self.last_input >= seconds

    def check_client_idle(self) -> None:
        """Warn, then clear the screen for the next person (WCAG 2.2.1: at least 20 s to continue).
        Staff screens just close after the same time."""
        from screens.endings import IdleWarningScreen, RestingScreen, ThanksScreen

        if len(self.screen_stack) < 2 or isinstance(self.screen, (ThanksScreen, RestingScreen)):  # or closing
            return
        left = self.config.idle_seconds - (self.clock() - self.last_input)
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
        if self.visit.finished:
            self.run_worker(self._finish(), exclusive=True, group="finish")
        elif question is None:
            self.switch_screen(self._first_screen())
        else:
            self.switch_screen(self._question_screen(question))

    def _question_screen(self, question: Question) -> Screen:
        visit = self.visit
        shown = self.look(), question, visit.progress(), visit.answers.get(question.id)
        physical_typing = visit.mode != SELF  # an interpreter's keyboard, say
        if question.type == "text":
            from screens.question import FreeTextScreen

            return FreeTextScreen(*shown, max_length=self.config.free_text_max, physical_typing=physical_typing)
        if question.type == "reply":
            from screens.reply import ReplyScreen

            return ReplyScreen(*shown, promise=self.config.reply, physical_typing=physical_typing)
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

    def on_thanks_over(self, _message: ThanksOver) -> None:
        self.show_welcome()

    def retry_unsaved(self) -> None:
        if self.station.recorder.unsaved:
            self.run_worker(self.station.recorder.retry, thread=True, name="retry")

    # -- keys --------------------------------------------------------------

    def action_nothing(self) -> None:
        """Quit, suspend and palette keys land here and do nothing."""

    def action_leave_demo(self) -> None:
        self.exit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_demo":
            return self.demo
        return True
