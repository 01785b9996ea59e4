"""The first screen, and the language chooser that every screen can open."""

from __future__ import annotations

from kiosk.languages import BY_CODE
from screens.base import TargetScreen
from screens.widgets import Target


def language_targets(codes: tuple[str, ...], current: str) -> list[Target]:
    """Each language named in its own language, the one in use marked."""
    return [Target(BY_CODE[code].native_name, code, selected=code == current, classes="language") for code in codes]


class WelcomeScreen(TargetScreen):
    AUTO_FOCUS = "#start"

    def prompt(self):
        return self.t("welcome.title"), self.t("welcome.anonymous")

    def choices(self):
        return language_targets(self.app.config.languages, self.app.language)

    def nav_end(self):
        return [Target(self.t("welcome.start"), id="start", classes="nav primary")]

    def chosen(self, target: Target) -> None:
        if target.id == "start":
            self.app.start_feedback()
        elif target.value in BY_CODE:
            self.app.set_language(str(target.value))


class LanguageScreen(TargetScreen):
    """Dismisses with the chosen language code, or None for Back."""

    def prompt(self):
        return self.t("language.title"), ""

    def choices(self):
        return language_targets(self.app.config.languages, self.app.language)

    def nav_start(self):
        return [Target(self.t("nav.back"), id="back", classes="nav")]

    def go_back(self) -> None:
        self.dismiss(None)

    def chosen(self, target: Target) -> None:
        self.dismiss(target.value)
