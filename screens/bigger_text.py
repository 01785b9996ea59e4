"""Where bigger text does not fit: said in plain words, with reading aloud offered instead."""

from __future__ import annotations

from textual.widget import Widget

from screens.base import Look, TargetScreen
from screens.widgets import Target


class NoRoomScreen(TargetScreen):
    """Bigger text was asked for where the screen has no room for all of it. Dismisses with True
    for "read aloud" (the screen below is then read), else None."""

    BIG_TEXT = True
    AUTO_FOCUS = ""

    def __init__(self, look: Look, *, some_fits: bool):
        """`some_fits`: part of the screen (its question) could be drawn larger."""
        super().__init__(look)
        self.some_fits = some_fits

    def prompt(self):
        body = self.t("bigger.listen") if self.look.speech_available else ""
        return self.t("bigger.some_room" if self.some_fits else "bigger.no_room"), body

    def choices(self) -> list[Widget]:
        listen = [Target(self.t("nav.read_aloud"), id="listen", classes="choice primary")]
        return [*(listen if self.look.speech_available else []),
                Target(self.t("bigger.continue"), id="continue", classes="choice")]

    def action_listen(self) -> None:
        self.dismiss(True)  # the screen the client was on is read, once this one is gone

    def action_continue(self) -> None:
        self.dismiss(None)
