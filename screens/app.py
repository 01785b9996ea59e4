"""The kiosk app: walks one client at a time through the survey, then forgets them.

Screens present and collect; this class moves the session along and hands the
finished visit to the station (which seals, stores and sends). `make_app` builds it
for the command line and the tests alike.

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
from kiosk.recorder import RecordingFailed
from kiosk.visit import SELF, Origin, Session
from kiosk.speech import Speaker
from kiosk.station import Station
from kiosk.strings import Strings, load_strings
from kiosk.survey import Answer, Question, check_covers, load_survey
from kiosk.systemd import notify, watchdog_interval
from screens import textual_fixes
from screens.base import TargetScreen
from screens.garbage import IdleCollector
from screens.staff_controls import STAFF_KEY, StaffControls
from screens.themes import THEMES, initial_theme, register_themes
from screens.welcome import LanguageScreen, WelcomeScreen

if TYPE_CHECKING:
    from kiosk.guard import Contact

log = logging.getLogger(__name__)
textual_fixes.apply()
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

    def __init__(self, config: KioskConfig, station: Station, strings: Strings, *,
                 clock: Callable[[], float] = time.monotonic, demo: bool = False, idle_tick: float = 1.0):
        super().__init__()
        self.config = config
        register_themes(self)
        self.theme = self.staff_theme() or config.theme or "dark"
        self.station = station
        self.strings = strings
        self.clock = clock
        self.demo = demo
        self.idle_tick = idle_tick
        self.language = config.default_language
        self.last_input = clock()
        self.started = time.monotonic()
        self.broken = False  # the station could not start: no feedback can be kept
        self.speaker = Speaker.installed()
        self.speech_mode = False
        self.bigger_text = False
        self.last_response_at: float | None = None  # for the misuse check, across clients
        self._init_staff()
        self.session = self._new_session()

    # -- the words on screen -------------------------------------------------

    def t(self, key: str, **values: object) -> str:
        return self.strings(key, self.language, **values)

    # -- start-up ------------------------------------------------------------

    def on_mount(self) -> None:
        if not self.is_headless:  # tests draw on no terminal: they get what the config says
            self.theme = initial_theme(self.staff_theme() or self.config.theme, os.environ.get("TERM", ""))
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
        IdleCollector(self).start()
        # Sealing, storage and sending start after the first paint, so the welcome shows at once.
        self.run_worker(self.station.start, name="start", thread=True, exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            log.error("%s failed: %r", event.worker.name, event.worker.error)
            if event.worker.name == "start":
                from screens.endings import RestingScreen

                self.broken = True
                self._replace_screens(RestingScreen("broken"))

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
        idle = self.clock() - self.last_input
        left = self.config.idle_seconds - idle
        if any(getattr(screen, "STAFF_ONLY", False) for screen in self.screen_stack):
            if left <= 0:
                self.run_worker(self.reset())
            return
        warning = self.screen if isinstance(self.screen, IdleWarningScreen) else None
        if left <= 0:
            if self._has_client():
                self.run_worker(self.reset())
        elif left <= self.config.warning_seconds and self._has_client():
            if warning:
                warning.count_down(left)
            else:
                self.push_screen(IdleWarningScreen(left))
        elif warning:
            warning.dismiss()

    def _has_client(self) -> bool:
        session = self.session
        return (session.started or bool(session.answers) or self.language != self.config.default_language
                or self.mode != SELF or len(self.screen_stack) > 2)  # or a screen opened over the first

    async def reset(self) -> None:
        """The client walked away: keep what the policy keeps, forget the rest, start over."""
        self.abandon_visit()
        self.show_welcome()

    def abandon_visit(self) -> None:
        records = self.session.abandon(self.config.partial)
        self.mode = SELF
        if records:
            self.last_response_at = self.clock()
            self.run_worker(lambda: self._record(records), thread=True, name="record-partial")

    def show_welcome(self) -> None:
        """The next person's start: the welcome screen, or the resting one when the kiosk is
        paused, closed or cannot keep feedback."""
        self.session = self._new_session(language=self.config.default_language)
        self.speech_mode = self.bigger_text = False  # each person chooses for themselves
        self.speaker.stop()
        self._replace_screens(self._first_screen())
        # Between two visits: the moment to switch to a newer signed bundle, if one came.
        self.run_worker(self.station.take_pending_bundle, name="bundle", thread=True, exit_on_error=False)

    def _first_screen(self) -> Screen:
        reason = "broken" if self.broken else "paused" if self.paused else \
            None if self.config.hours.is_open(datetime.now()) else "closed"
        if reason is None:
            return WelcomeScreen()
        from screens.endings import RestingScreen

        return RestingScreen(reason)

    def check_opening_hours(self) -> None:
        """Open and close with the unit; never in the middle of a visit or of staff work."""
        from screens.endings import RestingScreen

        closed = isinstance(self.screen, RestingScreen) and self.screen.reason == "closed"
        waiting = isinstance(self.screen, WelcomeScreen) or closed
        if waiting and self.config.hours.is_open(datetime.now()) == closed:
            self.show_welcome()

    def show_about(self) -> None:
        from screens.about import AboutScreen

        self.push_screen(AboutScreen())

    def open_menu(self) -> None:
        from screens.about import MenuScreen

        def chosen(choice: str | None) -> None:
            actions = {"language": self.choose_language, "about": self.show_about,
                       "read-aloud": lambda: self.read_aloud(self.screen.speech_text()),
                       "bigger-text": self.toggle_bigger_text}
            if choice in actions:
                actions[choice]()

        self.push_screen(MenuScreen(), chosen)

    # -- speech and bigger text (accessibility) -----------------------------

    def read_aloud(self, text: str) -> None:
        self.speaker.say(text, self.language)

    def action_toggle_speech(self) -> None:
        """Speech mode, for people who cannot see the screen: every screen is read as it opens,
        and each target as the arrow keys reach it. The keypad's + turns it on and off."""
        self.speech_mode = not self.speech_mode and self.speaker.available
        self.read_aloud(self.t("speech.on") + " " + self.screen.speech_text() if self.speech_mode
                        else self.t("speech.off"))

    def toggle_bigger_text(self) -> None:
        self.bigger_text = not self.bigger_text
        self.run_worker(self.screen.recompose())

    def set_theme_name(self, name: str) -> None:
        """Switch to one of the kiosk's themes (kiosk.config.THEME_NAMES) at once. Screens are drawn
        again: the marks they show (the tick of a chosen target, the caret) depend on the theme."""
        if name not in THEMES:
            raise ValueError(f"unknown theme {name!r}; known: {', '.join(THEMES)}")
        self.theme = name
        for screen in self.screen_stack:
            if isinstance(screen, TargetScreen):
                self.run_worker(screen.recompose())

    def _replace_screens(self, screen: Screen) -> None:
        """Drop every screen the last person saw (keyboards, warnings included), then show `screen`."""
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.switch_screen(screen)

    # -- the visit -----------------------------------------------------------

    def _new_session(self, language: str | None = None) -> Session:
        if language:
            self.language = language
        return Session(
            survey=self.station.survey, language=self.language,
            origin=Origin(self.config.kiosk_id, self.config.unit_id, mode=self.mode),
            free_text_max=self.config.free_text_max,
            reply_days=self.config.reply.days if self.config.reply else None,
            previous_response_at=self.last_response_at,
            min_interval=self.config.min_interval, clock=self.clock,
        )

    def set_language(self, code: str) -> None:
        self.language = self.session.language = code
        self.run_worker(self.screen.recompose())

    def choose_language(self) -> None:
        def chosen(code: str | None) -> None:
            if code:
                self.set_language(code)

        self.push_screen(LanguageScreen(), chosen)

    # Each step names the question its screen showed: a second tap that lands after the
    # screen has moved on (a double tap, a tap during saving) is ignored, not applied to the
    # next question.

    def start_feedback(self) -> None:
        if self.session.started:
            return
        if not self.session.answers:  # untouched: ask the survey in use now (a bundle may have changed it)
            self.session = self._new_session()
        self._show(self.session.start())

    def answer(self, question: Question, value: Answer) -> None:
        if question is self.session.current:
            self._show(self.session.answer(value))

    def skip(self, question: Question) -> None:
        if question is self.session.current:
            self._show(self.session.skip())

    def go_back(self, question: Question | None) -> None:
        if question is self.session.current:
            self._show(self.session.back())

    def request_reply(self, question: Question, contact: Contact) -> None:
        if question is self.session.current:
            self._show(self.session.request_reply(contact))

    def _show(self, question: Question | None) -> None:
        if self.session.finished:
            self.run_worker(self._finish(), exclusive=True, group="finish")
        elif question is None:
            self.switch_screen(WelcomeScreen())
        else:
            screen_class = _screen_for(question)
            self.switch_screen(screen_class(question, self.session.progress(), self.session.answers.get(question.id)))

    async def _finish(self) -> None:
        session = self.session
        records = session.finish()
        self.last_response_at = self.clock()
        reference = session.reply.reference if session.reply else None
        self.mode = SELF  # assisted feedback is for one response
        self.session = self._new_session()  # from here on, nothing of this client is reachable
        saved = await asyncio.to_thread(self._record, records)
        from screens.endings import ThanksScreen

        self._replace_screens(ThanksScreen(reference=reference, saved=saved))

    def _record(self, records: list[dict]) -> bool:
        try:
            self.station.recorder.record(records)
        except RecordingFailed:
            return False
        return True

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


def _screen_for(question: Question) -> type[Screen]:
    if question.type == "text":
        from screens.question import FreeTextScreen

        return FreeTextScreen
    if question.type == "reply":
        from screens.reply import ReplyScreen

        return ReplyScreen
    from screens.question import ChoiceScreen

    return ChoiceScreen


def make_app(config: KioskConfig, *, demo: bool = False, clock: Callable[[], float] = time.monotonic,
             idle_tick: float = 1.0) -> KioskApp:
    """The app for a config: the entry point and the tests build it the same way."""
    survey = load_survey(config.survey)
    check_covers(survey, config.languages, file=config.source or "the demo config")
    return KioskApp(config, Station(config, survey), load_strings(), clock=clock, demo=demo, idle_tick=idle_tick)
