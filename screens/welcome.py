"""The first screen, and the language chooser that every screen can open.

While nobody uses the kiosk, the welcome screen takes turns between the invitation
(with the language choices) and the provider's "you said, we did" messages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual.message import Message

from kiosk.announcements import Announcement
from kiosk.languages import BY_CODE
from screens.base import ChoiceDialog, Look, TargetScreen
from screens.widgets import Target


class StartWanted(Message):
    """The person tapped Start: begin the survey."""


class LanguageChosen(Message):
    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code


def language_targets(codes: Sequence[str], current: str) -> list[Target]:
    """Each language named in its own language, the one in use marked."""
    return [Target(BY_CODE[code].native_name, code, selected=code == current, classes="language") for code in codes]


class WelcomeScreen(TargetScreen):
    AUTO_FOCUS = "#start"
    BIG_TEXT = True

    def __init__(self, look: Look, *, languages: Sequence[str],
                 announcements: Callable[[], Sequence[Announcement]] = tuple, rotation_seconds: float = 12,
                 untouched_for: Callable[[float], bool] = lambda seconds: True):
        """`announcements()`: the messages in use now (a bundle may bring new ones while the screen
        shows); `untouched_for(seconds)`: whether nobody has touched the kiosk for that long."""
        super().__init__(look)
        self.languages = languages
        self.announcements = announcements
        self.rotation_seconds = rotation_seconds
        self.untouched_for = untouched_for
        self.slide = 0  # 0: the invitation; n: the n-th announcement

    def _announcement(self) -> Announcement | None:
        announcements = self.announcements()
        return announcements[self.slide - 1] if 0 < self.slide <= len(announcements) else None

    def prompt(self):
        announcement = self._announcement()
        if announcement:
            return self.t("welcome.you_said"), "\n".join(announcement.lines(self.look.language))
        return self.t("welcome.title"), self.t("welcome.anonymous")

    def choices(self):
        if self._announcement():
            return []  # the message gets the room; the languages come back with the invitation
        return language_targets(self.languages, self.look.language)

    def help_targets(self):
        return [target for target in self.client_help() if target.id != "language"]  # the languages show

    def nav_end(self):
        return [Target(self.t("welcome.start"), id="start", classes="nav primary")]

    def on_mount(self) -> None:
        self.set_interval(self.rotation_seconds, self.next_slide)

    def next_slide(self) -> None:
        """The next message, unless someone is using the screen (or there are no messages)."""
        count = len(self.announcements())
        if self.untouched_for(self.rotation_seconds) and (count or self.slide):
            self.slide = (self.slide + 1) % (count + 1)
            self.run_worker(self.recompose())

    def on_mouse_down(self) -> None:
        if self.slide:  # a tap on a message brings back the invitation and its languages
            self.slide = 0
            self.run_worker(self.recompose())

    def action_start(self) -> None:
        self.post_message(StartWanted())

    def chosen(self, target: Target) -> None:
        self.post_message(LanguageChosen(str(target.value)))


class LanguageScreen(ChoiceDialog):
    """Dismisses with the chosen language code, or None for Back."""

    BIG_TEXT = True

    def __init__(self, look: Look, *, languages: Sequence[str]):
        super().__init__(look)
        self.languages = languages

    def prompt(self):
        return self.t("language.title"), ""

    def choices(self):
        return language_targets(self.languages, self.look.language)
