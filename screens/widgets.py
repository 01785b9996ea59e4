"""The kiosk's building blocks: big targets, and the grid that lays them out."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import RenderableType

from textual.containers import Container
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Button, Static

from screens.layout import Plan
from screens.themes import glyphs

# Mouths drawn with box-drawing characters, which every console font has: the faces
# differ by shape (and by word), never by colour alone.
FACE_DRAWINGS = {
    "very-bad": ("o   o", "╭───╮"),
    "bad": ("o   o", " ╭─╮ "),
    "neutral": ("o   o", " ─── "),
    "good": ("o   o", " ╰─╯ "),
    "very-good": ("o   o", "╰───╯"),
}


class Target(Button):
    """A big tap target. `value` is what choosing it means to the screen."""

    def __init__(self, label: str, value: object = None, *, selected: bool = False, **kwargs):
        self.text = label
        super().__init__(self._label(selected), **kwargs)
        self.value = value
        self.set_class(selected, "-selected")

    def _label(self, selected: bool) -> Content:
        # Content, not a str: survey texts are shown as written, never read as markup.
        return Content(f"{glyphs(self.app).selected}{self.text}" if selected else self.text)

    def mark(self, selected: bool) -> None:
        """Show a chosen target by a tick and a double border, not by colour alone."""
        self.set_class(selected, "-selected")
        self.label = self._label(selected)

    @property
    def spoken(self) -> str:
        """What speech says for this target."""
        return " ".join(self.text.split())


class FaceTarget(Target):
    def __init__(self, face: str, word: str, value: object, *, number: int, selected: bool = False, **kwargs):
        eyes, mouth = FACE_DRAWINGS[face]
        self.number = number
        super().__init__(f"{eyes}\n{mouth}\n{word}", value, selected=selected, classes=f"face face-{face}", **kwargs)
        self.mark(selected)
        # A face's word may fill the whole width; Textual's CSS cannot set line-pad to 0.
        self.styles.line_pad = 0

    def _label(self, selected: bool) -> Content:
        return Content(self.text)

    @property
    def spoken(self) -> str:
        return f"{self.number}: {self.text.splitlines()[-1]}"  # the word, not the drawing

    def mark(self, selected: bool) -> None:
        # The digit that chooses this face from a keyboard sits in the border, where it does not
        # crowd the drawing; the tick goes there too.
        self.set_class(selected, "-selected")
        self.border_title = f"{glyphs(self.app).selected}{self.number}" if selected else str(self.number)


class Prompt(Static):
    """The question (or message) at the top of a screen, or in the grid's first slot."""


class Spacer(Static):
    """Empty slots (as many as it spans), so that navigation starts a row of its own."""


class MoreTarget(Target):
    """Shows the next page of choices that do not fit on one screen."""


class TargetGrid(Container):
    """The targets of one page, in the grid a `Plan` lays out. Only what shows is composed:
    each widget costs a millisecond or so of every screen change.

    Children, in order: the prompt (when it sits in the first slot), the page's choices, the
    "more" target, a spacer that ends their row, the navigation targets that go first (Back)
    and, after another spacer, those that go last (Skip, Next).
    """

    def __init__(self, layout: Plan, page: int, prompt: RenderableType, items: Sequence[Widget],
                 nav_start: Sequence[Widget], nav_end: Sequence[Widget], *, more_label: str):
        super().__init__()
        self.layout_plan = layout
        self.page = page
        self.prompt = prompt
        self.items = items[page * layout.page_size:(page + 1) * layout.page_size]
        self.nav_start = list(nav_start)
        self.nav_end = list(nav_end)
        self.more_label = more_label
        self.styles.grid_size_columns = layout.columns
        self.styles.grid_size_rows = layout.rows
        self.styles.grid_rows = str(layout.row_height)
        self.styles.height = layout.rows * layout.row_height

    def compose(self):
        layout = self.layout_plan
        if layout.header_in_grid:
            yield Prompt(self.prompt, classes="in-grid")
        yield from self.items
        if layout.paged:
            yield MoreTarget(self.more_label.format(page=self.page + 1, pages=layout.pages), classes="nav")
        if layout.nav_own_row:
            lead = int(layout.header_in_grid) + len(self.items) + int(layout.paged)
            yield from _spacer((-lead) % layout.columns)
            if self.nav_end:
                yield from self.nav_start
                yield from _spacer((-(len(self.nav_start) + len(self.nav_end))) % layout.columns)
                yield from self.nav_end
                return
        yield from self.nav_start
        yield from self.nav_end


def _spacer(slots: int) -> list[Spacer]:
    if not slots:
        return []
    spacer = Spacer()
    spacer.styles.column_span = slots
    return [spacer]
