"""The kiosk's building blocks: big targets, and the grid that lays them out."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import RenderableType

from textual.containers import Container
from textual.widget import Widget
from textual.widgets import Button, Static

from screens.layout import MAX_COLUMNS, Plan, header_lines, plan

# Mouths drawn with box-drawing characters, which every console font has: the faces
# differ by shape (and by word), never by colour alone.
FACE_DRAWINGS = {
    "very-bad": ("o   o", "╭───╮"),
    "bad": ("o   o", " ╭─╮ "),
    "neutral": ("o   o", " ─── "),
    "good": ("o   o", " ╰─╯ "),
    "very-good": ("o   o", "╰───╯"),
}
SELECTED_MARK = "✓ "


class Target(Button):
    """A big tap target. `value` is what choosing it means to the screen."""

    def __init__(self, label: str, value: object = None, *, selected: bool = False, **kwargs):
        super().__init__(label, **kwargs)
        self.text = label
        self.value = value
        self.mark(selected)

    def mark(self, selected: bool) -> None:
        """Show a chosen target by a tick and a double border, not by colour alone."""
        self.set_class(selected, "-selected")
        self.label = f"{SELECTED_MARK}{self.text}" if selected else self.text


class FaceTarget(Target):
    def __init__(self, face: str, word: str, value: object, *, number: int, selected: bool = False, **kwargs):
        eyes, mouth = FACE_DRAWINGS[face]
        self.number = number
        super().__init__(f"{eyes}\n{mouth}\n{word}", value, selected=selected, classes=f"face face-{face}", **kwargs)
        # A face's word may fill the whole width; Textual's CSS cannot set line-pad to 0.
        self.styles.line_pad = 0

    def mark(self, selected: bool) -> None:
        # The digit that chooses this face from a keyboard sits in the border, where it does not
        # crowd the drawing; the tick goes there too.
        self.set_class(selected, "-selected")
        self.border_title = f"{SELECTED_MARK}{self.number}" if selected else str(self.number)


class Prompt(Static):
    """The question (or message) at the top of a screen, or in the grid's first slot."""


class Spacer(Static):
    """An empty slot, so that navigation starts a row of its own."""


class MoreTarget(Target):
    """Shows the next page of choices that do not fit on one screen."""


class TargetGrid(Container):
    """Lays out a screen's targets by `layout.plan` whenever the terminal changes size.

    Children, in order: the prompt's in-grid copy, the choices, the "more" target,
    spacers, the navigation targets that go first (Back) and, after more spacers,
    those that go last (Skip, Next).
    """

    def __init__(self, prompt: RenderableType, items: Sequence[Widget], nav_start: Sequence[Widget],
                 nav_end: Sequence[Widget], *, more_label: str, **kwargs):
        super().__init__(**kwargs)
        self.prompt = prompt
        self.items = list(items)
        self.nav_start = list(nav_start)
        self.nav_end = list(nav_end)
        self.more = MoreTarget(more_label, classes="nav")
        self.more_label = more_label
        self.page = 0
        self.plan: Plan | None = None
        # Enough to fill all but one column of a row, twice.
        self._spacers_after_items = [Spacer() for _ in range(MAX_COLUMNS - 1)]
        self._spacers_in_nav = [Spacer() for _ in range(MAX_COLUMNS - 1)]

    def compose(self):
        yield Prompt(self.prompt, classes="in-grid")
        yield from self.items
        yield self.more
        yield from self._spacers_after_items
        yield from self.nav_start
        yield from self._spacers_in_nav
        yield from self.nav_end

    def arrange_for(self, width: int, height: int, header_text: str | None) -> Plan:
        """Re-plan for a terminal `width` x `height` with `header_text` above the grid (None: no prompt)."""
        nav = len(self.nav_start) + len(self.nav_end)
        header_height = 0 if header_text is None else header_lines(header_text, width)
        self.plan = plan(width, height, header_height, len(self.items), nav)
        self.page = min(self.page, self.plan.pages - 1)
        self._apply()
        return self.plan

    def next_page(self) -> None:
        assert self.plan is not None
        self.page = (self.page + 1) % self.plan.pages
        self._apply()

    def _apply(self) -> None:
        layout = self.plan
        assert layout is not None
        self.query_one(".in-grid", Prompt).display = layout.header_in_grid
        first = self.page * layout.page_size
        shown = self.items[first:first + layout.page_size]
        for item in self.items:
            item.display = item in shown
        self.more.display = layout.paged
        if layout.paged:
            self.more.label = self.more_label.format(page=self.page + 1, pages=layout.pages)
        lead = int(layout.header_in_grid) + len(shown) + int(layout.paged)
        nav = len(self.nav_start) + len(self.nav_end)
        columns = layout.columns
        fill_row = (-lead) % columns if layout.nav_own_row else 0
        self._show_spacers(self._spacers_after_items, fill_row)
        nav_row_gap = (-nav) % columns if layout.nav_own_row and self.nav_end else 0
        self._show_spacers(self._spacers_in_nav, nav_row_gap)
        self.styles.grid_size_columns = columns
        self.styles.grid_size_rows = layout.rows
        self.styles.grid_rows = str(layout.row_height)
        self.styles.height = layout.rows * layout.row_height

    @staticmethod
    def _show_spacers(spacers: list[Spacer], count: int) -> None:
        for index, spacer in enumerate(spacers):
            spacer.display = index < count
