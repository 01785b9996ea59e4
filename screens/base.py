"""The shape of every screen: a prompt, then big targets laid out to fit.

A screen gets what it shows through its constructor, and how to show it (the person's
language and choices, the theme's signs) as a `Look`, which the app hands it again when
they change. It says what the person did with a Message or its dismiss value: it never
reaches into the app.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button

from kiosk.strings import Strings
from screens.bigtext import is_large, large_lines
from screens.layout import CLIENT, MAX_COLUMNS, Plan, TargetSize, header_lines, plan
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


class Drawing(NamedTuple):
    """One way of drawing a screen: its plan, and what it shows how."""

    plan: Plan
    prompt_above: bool  # else in the grid's first slot
    variant: int  # which of the prompt's drawings (TargetScreen._prompt_texts)
    text: Text
    target: TargetSize
    help_list: list[Widget]
    counts: tuple[int, int]  # choices, navigation targets
    large: bool  # labels in large letters


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
    _large = False  # the targets' labels are in large letters (bigger text, where they fit)
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
        bigger_asked = look.bigger_text and not self.look.bigger_text
        self.look = look
        if redraw:
            self.run_worker(self._redraw(bigger_asked))

    async def _redraw(self, bigger_asked: bool) -> None:
        await self.recompose()
        if bigger_asked and self.BIG_TEXT and not self._large and self.app.screen is self:
            self._say_bigger_text_does_not_fit()

    def _say_bigger_text_does_not_fit(self) -> None:
        """Bigger text was asked for where the screen has no room for all of it (the 50x15 panel
        is already the console's largest font): say so, and offer to read the screen aloud."""
        from screens.bigger_text import NoRoomScreen

        def answered(read_aloud: bool | None) -> None:
            if read_aloud:
                self.post_message(HelpWanted("read-aloud"))

        self.app.push_screen(NoRoomScreen(self.look, some_fits=is_large(self._prompt_plain)), answered)

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

    def _bigger(self) -> bool:
        return self.BIG_TEXT and self.look.bigger_text

    def _prompt_texts(self) -> list[Text]:
        """The prompt as it may be drawn, first choice first: with "bigger text", all of it in
        large letters, else the title, else (where they do not fit) ordinary letters."""
        title, body = self.prompt()
        body_part = f"\n{body}" if body else ""
        texts = [Text.assemble((title, "bold"), body_part)]
        if self._bigger():
            large_title, large_body = self._large_text(title), [self._large_text(line) for line in body.splitlines()]
            if large_title:
                texts.insert(0, Text.assemble((large_title, "bold"), body_part))
                if None not in large_body:
                    texts.insert(0, Text("\n".join([large_title, *large_body]), "bold"))
        return texts

    def _large_text(self, text: str) -> str | None:
        """A line of the prompt in large letters (the whole width but its padding), or None."""
        lines = large_lines(text, self.app.size.width - 2, half_blocks=self.look.glyphs.half_blocks,
                            language=self.look.language)
        return None if lines is None else "\n".join(lines)

    def _target_sizes(self) -> list[TargetSize]:
        return [self.TARGET]

    def _large_sizes(self, width: int, targets: list[Widget]) -> list[TargetSize]:
        """Target sizes at which every label fits in large letters: with whole words, then with
        words broken where their language allows (no language: none are); each time the fewest
        lines of letters first (the fewest broken), then the most columns."""
        sizes = []
        for language in (None, self.look.language):
            fitting = []
            for columns in range(min(width // self.TARGET.columns, MAX_COLUMNS), 0, -1):
                column = width // columns
                rows = [target.large_rows(column - 2, language) for target in targets]  # inside the border
                if None not in rows:
                    fitting.append(TargetSize(column, max(self.TARGET.rows, max(rows) + 2)))
            fitting.sort(key=lambda size: (size.rows, -size.columns))
            sizes += [size for size in fitting if size not in sizes]
        return sizes

    def compose(self):
        choices, nav_start, nav_end = self.choices(), self.nav_start(), self.nav_end()
        size = self._arranged_for = self.app.size
        help_targets = self.help_targets()
        help_lists = [help_targets]
        if len(help_targets) > 1:  # where they do not fit, one Menu target holds them
            help_lists.append([Target(self.t("nav.menu"), id="menu", classes="nav")])
        # The first way of drawing the screen that needs no paging; else the one that pages least.
        options = []
        for option in self._drawings(size, [*choices, *nav_start, *nav_end], len(choices), help_lists):
            options.append(option)
            if option.plan.whole:
                break
        best = options[-1] if options[-1].plan.whole else \
            max(options, key=lambda option: (option.plan.fits, option.plan.page_size))
        self._plan, self._variant, self._target, self._counts, self._large = \
            best.plan, best.variant, best.target, best.counts, best.large
        text, help_targets = best.text, best.help_list
        if best.large:
            for target in [*choices, *nav_start, *nav_end, *help_targets]:
                target.enlarge()
        self._prompt_plain = text.plain
        self._page = min(self._page, self._plan.pages - 1)
        if best.prompt_above:
            yield Prompt(text, id="prompt")
        yield TargetGrid(self._plan, self._page, text, choices, [*nav_start, *help_targets], nav_end,
                         more_label=self.t("nav.more"))

    def _drawings(self, size: Size, targets: list[Widget], items: int, help_lists: list[list[Widget]]):
        """Each way the screen could be drawn, best first: with bigger text, every label in large
        letters (on one page only), then the prompt's, then ordinary ones; the help targets each
        on show before one Menu target."""
        nav = len(targets) - items
        large_sizes = [self._large_sizes(size.width, [*targets, *help_list]) if self._bigger() else []
                       for help_list in help_lists]
        for large in (True, False) if self._bigger() else (False,):
            for variant, text in enumerate(self._prompt_texts()):
                for help_list, sizes_for_large in zip(help_lists, large_sizes):
                    counts = items, nav + len(help_list)
                    for target in sizes_for_large if large else self._target_sizes():
                        layout, prompt_above = self._layout(size, text.plain, counts, target)
                        if layout.whole or not large:
                            yield Drawing(layout, prompt_above, variant, text, target, help_list, counts, large)

    def _layout(self, size: Size, prompt_plain: str, counts: tuple[int, int], target: TargetSize) -> tuple[Plan, bool]:
        """The plan for this screen at `size`, and whether the prompt shows above the grid (large
        letters always do: a slot of the grid would wrap them into pieces)."""
        width, height = size
        items, nav = counts
        layout = plan(width, height, header_lines(prompt_plain, width), items, nav, target, prompt_plain,
                      header_movable=not is_large(prompt_plain))
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
        """Draw the screen again (another language, size or page), keeping what the client chose,
        and the focus where the client put it (or nowhere, if they had not moved it yet)."""
        focused = _identity(self.focused) if isinstance(self.focused, Target) else None
        await super().recompose()
        again = [target for target in self.query(Target) if focused and _identity(target) == focused]
        focus = again or (self.query(self.AUTO_FOCUS) if self.AUTO_FOCUS else None)
        if focus:
            focus[0].focus()

    def on_resize(self) -> None:
        if self.size != self._arranged_for:
            self._arranged_for = self.size
            if self._layout(self.size, self._prompt_plain, self._counts, self._target)[0] != self._plan:
                self.run_worker(self.recompose())

    # -- speech -------------------------------------------------------------

    def speech_text(self) -> str:
        """What "read aloud" says: the question (or message), then each choice; not the caret
        after typed text (the one at a line's end: the console's "_" may be typed too)."""
        title, body = self.prompt()
        body = re.sub(f"{re.escape(self.look.glyphs.caret)}$", "", body, flags=re.MULTILINE)
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
        """Move focus to the nearest visible target in that direction (a USB keypad's arrows);
        where nothing is focused yet, to the chosen target, else the first."""
        current = self.focused
        targets = [widget for widget in self.query(Target) if widget.display and widget.focusable]
        if current is None or current not in targets:
            chosen = [target for target in targets if target.has_class("-selected") and target.id is None]
            if targets:
                (chosen or targets)[0].focus()
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
    aloud and bigger text are a tap away on every one. Nothing is focused until the client
    moves the focus (an arrow, Tab): a first Enter never gives an answer."""

    BIG_TEXT = True
    AUTO_FOCUS = ""  # (None would be the app's, which focuses the first target)

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


def _identity(target: Target) -> tuple[object, ...]:
    """What makes a target the same one after the screen is drawn again (in another language)."""
    return (target.id, target.value) if target.id or target.value is not None else (target.text,)
