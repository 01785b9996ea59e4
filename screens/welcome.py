"""The first screen, and the language chooser that every screen can open.

While nobody uses the kiosk, the welcome screen takes turns between the invitation
(with the language choices) and the provider's "you said, we did" messages.
"""

from __future__ import annotations

from kiosk.languages import BY_CODE
from screens.base import ChoiceDialog, TargetScreen
from screens.widgets import Target


def language_targets(codes: tuple[str, ...], current: str) -> list[Target]:
    """Each language named in its own language, the one in use marked."""
    return [Target(BY_CODE[code].native_name, code, selected=code == current, classes="language") for code in codes]


class WelcomeScreen(TargetScreen):
    AUTO_FOCUS = "#start"
    BIG_TEXT = True

    def __init__(self) -> None:
        super().__init__()
        self.slide = 0  # 0: the invitation; n: the n-th announcement

    def _announcement(self):
        announcements = self.app.station.announcements
        return announcements[self.slide - 1] if self.slide and self.slide <= len(announcements) else None

    def prompt(self):
        announcement = self._announcement()
        if announcement:
            return self.t("welcome.you_said"), "\n".join(announcement.lines(self.app.language))
        return self.t("welcome.title"), self.t("welcome.anonymous")

    def choices(self):
        if self._announcement():
            return []  # the message gets the room; the languages come back with the invitation
        return language_targets(self.app.config.languages, self.app.language)

    def help_targets(self):
        return [target for target in self.client_help() if target.id != "language"]  # the languages show

    def nav_end(self):
        return [Target(self.t("welcome.start"), id="start", classes="nav primary")]

    def on_mount(self) -> None:
        self.set_interval(self.app.config.welcome_rotation_seconds, self.next_slide)

    def next_slide(self) -> None:
        """The next message, unless someone is using the screen (or there are no messages)."""
        count = len(self.app.station.announcements)
        if self.app.is_screen_idle(self.app.config.welcome_rotation_seconds) and (count or self.slide):
            self.slide = (self.slide + 1) % (count + 1)
            self.run_worker(self.recompose())

    def on_mouse_down(self) -> None:
        if self.slide:  # a tap on a message brings back the invitation and its languages
            self.slide = 0
            self.run_worker(self.recompose())

    def chosen(self, target: Target) -> None:
        if target.id == "start":
            self.app.start_feedback()
        elif target.value in BY_CODE:
            self.app.set_language(str(target.value))


class LanguageScreen(ChoiceDialog):
    """Dismisses with the chosen language code, or None for Back."""

    def prompt(self):
        return self.t("language.title"), ""

    def choices(self):
        return language_targets(self.app.config.languages, self.app.language)
