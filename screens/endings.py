"""How a visit ends: thanks, the idle warning, and the screen shown when the kiosk cannot work."""

from __future__ import annotations

import math

from rich.text import Text
from textual.message import Message

from kiosk.config import ReplyPromise
from kiosk.visit import format_reference
from screens.base import ClientScreen, Look, TargetScreen
from screens.bigtext import big_lines
from screens.widgets import Target


class ThanksOver(Message):
    """The thanks screen is done (tapped, or its time ran out): the next person's turn."""


class ThanksScreen(ClientScreen):
    """Shown once the feedback is safe on disk (or, calmly, when it is not yet).

    After a reply request it shows the reference in large letters, to copy down or photograph,
    and stays until the client taps Done or the idle warning runs out (the app's idle check,
    at least CODE_SECONDS); without one it leaves by itself after `seconds`.
    """

    AUTO_FOCUS = "#close"
    CODE_SECONDS = 60  # at least a minute to copy a code down
    _timer = None

    def __init__(self, look: Look, *, reference: str | None, saved: bool, promise: ReplyPromise | None,
                 seconds: float):
        super().__init__(look)
        self.reference = reference if promise else None  # a reference is only shown with its promise
        self.saved = saved
        self.promise = promise
        self.seconds = seconds

    @property
    def leaves_by_itself(self) -> bool:
        """Without a reference to copy down, the thanks go after `seconds`; with one, only when
        the client taps Done or walks away (the idle warning, then the next person)."""
        return self.reference is None

    def prompt(self):
        """In ordinary letters: what speech reads, and what is drawn where large letters do not fit."""
        if self.reference:
            lines = [self._promise(), self._reference_line(), self.t("thanks.write_down"), self.t("thanks.next")]
        else:
            lines = [self.t("thanks.next")]
        return self.t("thanks.title"), "\n".join([*lines, *self._unsaved()])

    def _promise(self) -> str:
        return self.t("thanks.reply", answerer=self.promise.answerer[self.look.language], days=self.promise.days)

    def _reference_line(self) -> str:
        return f"{self.t('thanks.reference')} {format_reference(self.reference)}"

    def _unsaved(self) -> list[str]:
        return [] if self.saved else [self.t("thanks.unsaved")]

    def _prompt_texts(self) -> list[Text]:
        """With a reference, the code in large letters (larger where they fit), giving up the
        lines that matter less where the screen is small; in ordinary letters only where even
        that does not fit."""
        plain = super()._prompt_texts()
        if not self.reference:
            return plain
        above = [self._promise(), self._reference_line()]
        write_down, unsaved = self.t("thanks.write_down"), self._unsaved()
        # The code in ordinary letters stays to the last: large, M, N, W and H look much alike.
        shortened = [(above, [write_down, self.t("thanks.next"), *unsaved]),
                     (above, [write_down, *unsaved]),
                     (above[1:], [write_down, *unsaved])]
        return [Text.assemble((self.t("thanks.title"), "bold"), *(f"\n{line}" for line in lines_above), "\n",
                              ("\n".join(code), "bold"), *(f"\n{line}" for line in lines_below))
                for code in self._code_drawings() for lines_above, lines_below in shortened] + plain

    def _code_drawings(self) -> list[list[str]]:
        """The code in large letters, the largest first: where the screen is wide enough, each
        pixel two cells of █ (square, in every theme); else as bigger text draws its titles."""
        code, width = format_reference(self.reference), self.app.size.width - 2
        pixels = _without_dots(big_lines(code, 10 * width, half_blocks=False))  # one line of letters
        doubled = ["".join(cell * 2 for cell in row) for row in pixels]
        drawn = _without_dots(big_lines(code, width, half_blocks=self.look.glyphs.half_blocks))
        return [doubled, drawn] if max(map(len, doubled)) <= width else [drawn]

    def nav_end(self):
        return [Target(self.t("thanks.close"), id="close", classes="nav primary")]

    def on_screen_resume(self) -> None:
        # Counted from when the thanks are in view again (after "what happens to my feedback?",
        # say), and only ever taking away the thanks themselves.
        super().on_screen_resume()
        if self._timer:
            self._timer.stop()
        if self.leaves_by_itself:
            self._timer = self.set_timer(self.seconds, self._leave)

    def _leave(self) -> None:
        if self.app.screen is self:  # (is_current also counts a screen drawn under another)
            self.post_message(ThanksOver())

    def action_close(self) -> None:
        self.post_message(ThanksOver())


def _without_dots(rows: list[str]) -> list[str]:
    """Large letters without the blank row on top for the dots of Å, Ä, Ö, which no code has."""
    return rows[1:] if rows and not rows[0].strip() else rows


class IdleWarningScreen(TargetScreen):
    """Before the screen is cleared for the next person: at least 20 seconds to say "I'm here"."""

    BIG_TEXT = True

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
