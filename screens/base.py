"""The shape of every client screen: a prompt, then big targets laid out to fit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button

from screens.layout import CLIENT, Plan, header_lines, plan
from screens.widgets import MoreTarget, Prompt, Target, TargetGrid

if TYPE_CHECKING:
    from screens.app import KioskApp

DIRECTIONS = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}


class TargetScreen(Screen):
    """Subclasses say what the prompt reads and which targets there are; this class lays them
    out, moves focus with the arrow keys, and hands each press to `chosen()`."""

    BINDINGS = [Binding(key, f"move('{key}')", show=False) for key in DIRECTIONS]
    AUTO_FOCUS = "TargetGrid Target"
    TARGET = CLIENT  # the smallest a target may be on this screen
    _page = 0

    app: KioskApp

    def t(self, key: str, **values: object) -> str:
        return self.app.t(key, **values)

    # -- what subclasses provide --------------------------------------------

    def prompt(self) -> tuple[str, str]:
        """(title, body): the title in bold, the body as plain lines below it."""
        raise NotImplementedError

    def choices(self) -> list[Widget]:
        return []

    def nav_start(self) -> list[Widget]:
        return []

    def nav_end(self) -> list[Widget]:
        return []

    def help_targets(self) -> list[Widget]:
        """What every client screen offers beside its own targets: another language, and what
        happens to the feedback. Where they do not fit, one Menu target holds them."""
        return []

    def chosen(self, target: Target) -> None:
        """A choice or navigation target was pressed (Back, Language, help and Menu are handled here)."""

    def go_back(self) -> None:
        """Where Back leads: every screen with a Back target says."""
        raise NotImplementedError

    def back_target(self) -> list[Widget]:
        return [Target(self.t("nav.back"), id="back", classes="nav")]

    def language_and_about(self) -> list[Widget]:
        return [Target(self.t("nav.language"), id="language", classes="nav"),
                Target(self.t("nav.about"), id="about", classes="nav")]

    # -- layout -------------------------------------------------------------

    def _prompt_text(self) -> Text:
        title, body = self.prompt()
        return Text.assemble((title, "bold"), f"\n{body}" if body else "")

    def compose(self):
        text = self._prompt_text()
        self._prompt_plain = text.plain
        choices, nav_start, nav_end = self.choices(), self.nav_start(), self.nav_end()
        size = self._arranged_for = self.app.size
        help_targets = self.help_targets()
        self._counts = len(choices), len(nav_start) + len(help_targets) + len(nav_end)
        self._plan, prompt_above = self._layout(size, *self._counts)
        if self._plan.paged and len(help_targets) > 1:
            help_targets = [Target(self.t("nav.menu"), id="menu", classes="nav")]
            self._counts = len(choices), len(nav_start) + 1 + len(nav_end)
            self._plan, prompt_above = self._layout(size, *self._counts)
        nav_start = nav_start + help_targets
        self._page = min(self._page, self._plan.pages - 1)
        if prompt_above:
            yield Prompt(text, id="prompt")
        yield TargetGrid(self._plan, self._page, text, choices, nav_start, nav_end, more_label=self.t("nav.more"))

    def _layout(self, size: Size, items: int, nav: int) -> tuple[Plan, bool]:
        """The plan for this screen at `size`, and whether the prompt shows above the grid."""
        width, height = size
        layout = plan(width, height, header_lines(self._prompt_plain, width), items, nav, self.TARGET)
        if layout.header_in_grid and self.prompt_can_hide():
            return plan(width, height, 0, items, nav, self.TARGET), False
        return layout, not layout.header_in_grid

    def prompt_can_hide(self) -> bool:
        """True where the targets matter more than the prompt when both do not fit."""
        return False

    def refresh_prompt(self) -> None:
        """Show a changed prompt (typed text, a countdown) without rebuilding the targets,
        unless it now needs another number of lines."""
        text = self._prompt_text()
        width = self.size.width
        if header_lines(text.plain, width) != header_lines(self._prompt_plain, width):
            self.run_worker(self.recompose())
            return
        for prompt in self.query(Prompt):
            prompt.update(text)
        self._prompt_plain = text.plain

    def next_page(self) -> None:
        self._page = (self._page + 1) % self._plan.pages
        self.run_worker(self.recompose())

    async def recompose(self) -> None:
        """Draw the screen again (another language, size or page), keeping what the client chose."""
        await super().recompose()
        focus = self.query(self.AUTO_FOCUS) if self.AUTO_FOCUS else None
        if focus:
            focus.first().focus()

    def on_resize(self) -> None:
        if self.size != self._arranged_for:
            self._arranged_for = self.size
            if self._layout(self.size, *self._counts)[0] != self._plan:
                self.run_worker(self.recompose())

    # -- input --------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        target = event.button
        if isinstance(target, MoreTarget):
            self.next_page()
        elif target.id == "back":
            self.go_back()
        elif target.id == "language":
            self.app.choose_language()
        elif target.id == "about":
            self.app.show_about()
        elif target.id == "menu":
            self.app.open_menu()
        elif isinstance(target, Target):
            self.chosen(target)

    def action_move(self, direction: str) -> None:
        """Move focus to the nearest visible target in that direction (a USB keypad's arrows)."""
        current = self.focused
        targets = [widget for widget in self.query(Target) if widget.display and widget.focusable]
        if current is None or current not in targets:
            if targets:
                targets[0].focus()
            return
        dx, dy = DIRECTIONS[direction]
        here = current.region.center
        best, best_score = None, None
        for target in targets:
            x, y = target.region.center
            along = (x - here[0]) * dx + (y - here[1]) * dy
            if target is current or along <= 0:
                continue
            across = abs((x - here[0]) * dy) + abs((y - here[1]) * dx)
            score = along + 3 * across
            if best_score is None or score < best_score:
                best, best_score = target, score
        if best is not None:
            best.focus()


class ClientScreen(TargetScreen):
    """A screen of a client's visit: another language and "what happens to my feedback?" are a
    tap away on every one."""

    def help_targets(self) -> list[Widget]:
        return self.language_and_about()
