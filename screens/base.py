"""The shape of every screen: a prompt, then big targets laid out to fit.

A screen gets what it shows through its constructor, and how to show it (the person's
language and choices, the theme's signs) as a `Look`, which the app hands it again when
they change. It says what the person did with a Message or its dismiss value: it never
reaches into the app.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button

from kiosk.strings import Strings
from screens.bigtext import big_lines
from screens.layout import BIG, CLIENT, Plan, TargetSize, header_lines, plan
from screens.themes import GLYPHS, Glyphs
from screens.widgets import MoreTarget, Prompt, Target, TargetGrid

DIRECTIONS = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}
# What every client screen offers beside its own targets (ClientScreen), by target id.
HELP = ("language", "about", "menu", "read-aloud", "bigger-text")


@dataclass(frozen=True)
class Look:
    """How screens are drawn for the person at them now."""

    strings: Strings
    language: str
    bigger_text: bool = False
    speech: bool = False  # speech mode: each screen is read aloud as it opens
    speech_available: bool = False
    glyphs: Glyphs = GLYPHS

    def t(self, key: str, **values: object) -> str:
        return self.strings(key, self.language, **values)


class HelpWanted(Message):
    """The person tapped one of the HELP targets."""

    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what


class ReadAloud(Message):
    """Say this, in the person's language (speech mode, or "read aloud")."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class TargetScreen(Screen):
    """Subclasses say what the prompt reads and which targets there are; this class lays them
    out and moves focus with the arrow keys. A press on the target with id `x-y` runs the
    screen's action `x_y` (`action_x_y()`, which a key may be bound to as well); a target
    without an id is a choice, and goes to `chosen()`."""

    BINDINGS = [Binding(key, f"move('{key}')", show=False) for key in DIRECTIONS]
    AUTO_FOCUS = "TargetGrid Target"
    TARGET = CLIENT  # the smallest a target may be on this screen
    BIG_TEXT = False  # whether the client's "bigger text" applies here
    _page = 0
    _variant = 0  # which of the prompt's drawings is in use (large letters or not)
    _prompt_plain = ""
    _speak_focus = True  # in speech mode, say each target the focus reaches

    def __init__(self, look: Look) -> None:
        super().__init__()
        self.look = look

    def t(self, key: str, **values: object) -> str:
        return self.look.t(key, **values)

    def restyle(self, look: Look, *, redraw: bool = True) -> None:
        """Draw the screen again for a changed look (another language, bigger text, a theme);
        `redraw=False` where nothing drawn changes (speech mode)."""
        self.look = look
        if redraw:
            self.run_worker(self.recompose())

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
        """A choice was pressed (a target without an id)."""

    def action_back(self) -> None:
        """Where Back leads: every screen with a Back target says."""
        raise NotImplementedError

    def back_target(self) -> list[Widget]:
        return [Target(self.t("nav.back"), id="back", classes="nav")]

    def client_help(self) -> list[Widget]:
        """Another language, "what happens to my feedback?", read aloud, bigger text."""
        speech = self.look.speech_available
        bigger = self.look.bigger_text
        return [Target(self.t("nav.language"), id="language", classes="nav"),
                Target(self.t("nav.about"), id="about", classes="nav"),
                Target(self.t("nav.read_aloud" if speech else "nav.no_speech"), id="read-aloud", classes="nav"),
                Target(self.t("nav.normal_text" if bigger else "nav.bigger_text"), id="bigger-text",
                       selected=bigger, classes="nav")]

    # -- layout -------------------------------------------------------------

    def _prompt_texts(self) -> list[Text]:
        """The prompt as it may be drawn, first choice first: with "bigger text", the title in
        large letters, else (or where that leaves too little room) in ordinary letters."""
        title, body = self.prompt()
        body_part = f"\n{body}" if body else ""
        texts = [Text.assemble((title, "bold"), body_part)]
        if self.BIG_TEXT and self.look.bigger_text:
            width = self.app.size.width - 2  # the prompt's padding
            lines = big_lines(title, width, half_blocks=self.look.glyphs.half_blocks)
            texts.insert(0, Text.assemble(("\n".join(lines), "bold"), body_part))
        return texts

    def _target_sizes(self) -> list[TargetSize]:
        return [BIG, self.TARGET] if self.BIG_TEXT and self.look.bigger_text else [self.TARGET]

    def compose(self):
        choices, nav_start, nav_end = self.choices(), self.nav_start(), self.nav_end()
        size = self._arranged_for = self.app.size
        help_targets = self.help_targets()
        help_lists = [help_targets]
        if len(help_targets) > 1:  # where they do not fit, one Menu target holds them
            help_lists.append([Target(self.t("nav.menu"), id="menu", classes="nav")])
        # The first way of drawing the screen that needs no paging; else the one that pages least.
        options = []
        for option in self._drawings(size, len(choices), len(nav_start) + len(nav_end), help_lists):
            options.append(option)
            if option[0].whole:
                break
        best = options[-1] if options[-1][0].whole else \
            max(options, key=lambda option: (option[0].fits, option[0].page_size))
        self._plan, prompt_above, self._variant, text, self._target, help_targets, self._counts = best
        self._prompt_plain = text.plain
        self._page = min(self._page, self._plan.pages - 1)
        if prompt_above:
            yield Prompt(text, id="prompt")
        yield TargetGrid(self._plan, self._page, text, choices, [*nav_start, *help_targets], nav_end,
                         more_label=self.t("nav.more"))

    def _drawings(self, size: Size, items: int, nav: int, help_lists: list[list[Widget]]):
        """Each way the screen could be drawn, best first, with its plan: large letters before
        bigger targets before the help targets each on show."""
        for variant, text in enumerate(self._prompt_texts()):
            for target in self._target_sizes():
                for help_list in help_lists:
                    counts = items, nav + len(help_list)
                    layout, prompt_above = self._layout(size, text.plain, counts, target)
                    yield layout, prompt_above, variant, text, target, help_list, counts

    def _layout(self, size: Size, prompt_plain: str, counts: tuple[int, int], target: TargetSize) -> tuple[Plan, bool]:
        """The plan for this screen at `size`, and whether the prompt shows above the grid."""
        width, height = size
        items, nav = counts
        layout = plan(width, height, header_lines(prompt_plain, width), items, nav, target, prompt_plain)
        if layout.header_in_grid and self.prompt_can_hide():
            return plan(width, height, 0, items, nav, target), False
        return layout, not layout.header_in_grid

    def prompt_can_hide(self) -> bool:
        """True where the targets matter more than the prompt when both do not fit."""
        return False

    def refresh_prompt(self) -> None:
        """Show a changed prompt (typed text, a countdown) without rebuilding the targets,
        unless it now needs another number of lines."""
        if not self.is_mounted:  # not drawn yet: compose will draw the prompt as it is now
            return
        text = self._prompt_texts()[self._variant]
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
            if self._layout(self.size, self._prompt_plain, self._counts, self._target)[0] != self._plan:
                self.run_worker(self.recompose())

    # -- speech -------------------------------------------------------------

    def speech_text(self) -> str:
        """What "read aloud" says: the question (or message), then each choice."""
        title, body = self.prompt()
        targets = [target.spoken for target in self.query(Target) if target.display]
        return ". ".join(part.strip() for part in [title, body, *targets] if part.strip())

    def on_screen_resume(self) -> None:
        if self.look.speech:
            self._speak_focus = False  # the screen is read whole first
            self.post_message(ReadAloud(self.speech_text()))
            self.call_after_refresh(setattr, self, "_speak_focus", True)

    def on_descendant_focus(self, event) -> None:
        if self.look.speech and self._speak_focus and isinstance(event.widget, Target):
            self.post_message(ReadAloud(event.widget.spoken))

    # -- input --------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        target = event.button
        if isinstance(target, MoreTarget):
            self.next_page()
        elif target.id in HELP:
            self.post_message(HelpWanted(target.id))
        elif target.id:
            getattr(self, f"action_{target.id.replace('-', '_')}")()
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
    """A screen of a client's visit: another language, "what happens to my feedback?", reading
    aloud and bigger text are a tap away on every one."""

    BIG_TEXT = True

    def help_targets(self) -> list[Widget]:
        return self.client_help()


class ChoiceDialog(TargetScreen):
    """Asks for one choice: dismisses with the chosen target's value, or None for Back."""

    def nav_start(self) -> list[Widget]:
        return self.back_target()

    def action_back(self) -> None:
        self.dismiss(None)

    def chosen(self, target: Target) -> None:
        self.dismiss(target.value)
