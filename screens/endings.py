"""How a visit ends: thanks, the idle warning, and the screen shown when the kiosk cannot work."""

from __future__ import annotations

import math

from textual.message import Message

from kiosk.config import ReplyPromise
from kiosk.visit import format_reference
from screens.base import ClientScreen, Look, TargetScreen
from screens.widgets import Target


class ThanksOver(Message):
    """The thanks screen is done (tapped, or its time ran out): the next person's turn."""


class ThanksScreen(ClientScreen):
    """Shown once the feedback is safe on disk (or, calmly, when it is not yet)."""

    AUTO_FOCUS = "#close"
    _timer = None

    def __init__(self, look: Look, *, reference: str | None, saved: bool, promise: ReplyPromise | None,
                 seconds: float):
        super().__init__(look)
        self.reference = reference
        self.saved = saved
        self.promise = promise
        self.seconds = seconds

    def prompt(self):
        lines = [self.t("thanks.next")]
        promise = self.promise
        if self.reference and promise:
            lines.append(self.t("thanks.reply", answerer=promise.answerer[self.look.language], days=promise.days,
                                reference=format_reference(self.reference)))
        if not self.saved:
            lines.append(self.t("thanks.unsaved"))
        return self.t("thanks.title"), "\n".join(lines)

    def nav_end(self):
        return [Target(self.t("thanks.close"), id="close", classes="nav primary")]

    def on_screen_resume(self) -> None:
        # Counted from when the thanks are in view again (after "what happens to my feedback?",
        # say), and only ever taking away the thanks themselves.
        super().on_screen_resume()
        if self._timer:
            self._timer.stop()
        self._timer = self.set_timer(self.seconds, self._leave)

    def _leave(self) -> None:
        if self.app.screen is self:  # (is_current also counts a screen drawn under another)
            self.post_message(ThanksOver())

    def action_close(self) -> None:
        self.post_message(ThanksOver())


class IdleWarningScreen(TargetScreen):
    """Before the screen is cleared for the next person: at least 20 seconds to say "I'm here"."""

    def __init__(self, look: Look, seconds_left: float):
        super().__init__(look)
        self.seconds_left = seconds_left

    def prompt(self):
        return self.t("idle.title"), self.t("idle.countdown", seconds=math.ceil(max(self.seconds_left, 0)))

    def choices(self):
        return [Target(self.t("idle.continue"), id="continue", classes="choice primary")]

    def count_down(self, seconds_left: float) -> None:
        self.seconds_left = seconds_left
        self.refresh_prompt()

    def action_continue(self) -> None:
        self.dismiss()


class RestingScreen(TargetScreen):
    """No feedback now, and nothing to tap: paused by staff, outside opening hours, or the kiosk
    cannot seal or store (a broken key file, a locked queue). Staff can still come in."""

    AUTO_FOCUS = None
    WORDS = {"paused": "out_of_order", "broken": "out_of_order", "closed": "closed"}

    def __init__(self, look: Look, reason: str):
        super().__init__(look)
        self.reason = reason

    def prompt(self):
        words = self.WORDS[self.reason]
        return self.t(f"{words}.title"), self.t(f"{words}.body")
