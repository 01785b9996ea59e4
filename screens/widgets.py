"""The kiosk's building blocks: big targets, and the grid that lays them out."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import RenderableType

from textual.containers import Container
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Button, Static

from kiosk.hyphenation import wrap
from screens.bigtext import large_lines
from screens.layout import Plan
from screens.themes import glyphs

# Under a focused target's label: focus shows by a sign as well as by its border, which a
# console font may draw as thin as any other (every console font has ▲). Textual puts a space
# either side; a key too narrow for that shows its focus reversed (screens/kiosk.tcss).
FOCUS_MARK = "▲"

# Each face in three sizes, the largest first: a round head of six rows, then brows, eyes and
# mouth in three, then eyes and mouth in two (the kiosk's 50x15 panel). Drawn with signs every
# console font has (tests/console_glyphs.txt); the faces differ by brows, eyes and mouth (and
# by word), never by colour alone: angry brows and a deep frown, sad brows, flat brows and
# mouth, a smile, closed laughing eyes and a grin.
FACE_DRAWINGS = {
    "very-bad": (
        (" ╭───────╮ ",
         "╭╯ ╲   ╱ ╰╮",
         "│  ●   ●  │",
         "│  ╭───╮  │",
         "╰╮ ╵   ╵ ╭╯",
         " ╰───────╯ "),
        ("╲   ╱", "●   ●", "╭───╮"),
        ("╲●   ●╱", " ╭───╮ ")),
    "bad": (
        (" ╭───────╮ ",
         "╭╯ ╱   ╲ ╰╮",
         "│  ●   ●  │",
         "│   ╭─╮   │",
         "╰╮       ╭╯",
         " ╰───────╯ "),
        ("╱   ╲", "●   ●", " ╭─╮ "),
        (" •   • ", "  ╭─╮  ")),
    "neutral": (
        (" ╭───────╮ ",
         "╭╯ ─   ─ ╰╮",
         "│  ●   ●  │",
         "│   ───   │",
         "╰╮       ╭╯",
         " ╰───────╯ "),
        ("─   ─", "●   ●", " ─── "),
        (" ─   ─ ", "  ───  ")),
    "good": (
        (" ╭───────╮ ",
         "╭╯       ╰╮",
         "│  ●   ●  │",
         "│  ╰───╯  │",
         "╰╮       ╭╯",
         " ╰───────╯ "),
        ("     ", "●   ●", " ╰─╯ "),
        (" ●   ● ", "  ╰─╯  ")),
    "very-good": (
        (" ╭───────╮ ",
         "╭╯       ╰╮",
         "│ ╭─╮ ╭─╮ │",
         "│ ╲     ╱ │",
         "╰╮ ╰───╯ ╭╯",
         " ╰───────╯ "),
        ("     ", "^   ^", "╰───╯"),
        (" ^   ^ ", " ╰───╯ ")),
}


class Target(Button):
    """A big tap target. `value` is what choosing it means to the screen."""

    large = False  # "bigger text": the label in large letters, where the target has room for them
    _laid_out = False  # its size is known (until then a label is drawn for no size in particular)

    def __init__(self, label: str, value: object = None, *, selected: bool = False, **kwargs):
        self.text = label
        super().__init__(self._label(selected), **kwargs)
        self.value = value
        self.set_class(selected, "-selected")

    def _label(self, selected: bool) -> Content:
        if self.large and (lines := self._large_lines(self._room()[0], self._language())):
            # Large letters fill the target: its tick goes into the border, as a face's does.
            self.border_title = glyphs(self.app).selected.strip() if selected else ""
            return Content("\n".join(lines))
        # Content, not a str: survey texts are shown as written, never read as markup.
        return Content(f"{glyphs(self.app).selected}{self.text}" if selected else self.text)

    def mark(self, selected: bool) -> None:
        """Show a chosen target by a tick and a double border, not by colour alone."""
        self.set_class(selected, "-selected")
        self.label = self._label(selected)

    # -- bigger text and focus --------------------------------------------------

    def enlarge(self) -> None:
        """Draw the label in large letters (bigger text), once the target has room for them."""
        self.large = True
        self.styles.line_pad = 0  # the letters' own gaps keep them apart from the border

    def large_rows(self, width: int, language: str) -> int | None:
        """The rows the label takes in large letters `width` columns wide; None: they do not fit."""
        lines = self._large_lines(width, language)
        return None if lines is None else len(lines)

    def _large_lines(self, width: int, language: str | None) -> list[str] | None:
        return large_lines(self.text, width, half_blocks=glyphs(self.app).half_blocks, language=language)

    def _language(self) -> str | None:
        return getattr(getattr(self.screen, "look", None), "language", None)

    def _room(self) -> tuple[int, int]:
        """The columns and rows the label may take (none before the target is laid out)."""
        if not self._laid_out:
            return 0, 0
        size = self.content_size
        return size.width - 2 * self.styles.line_pad, size.height

    def on_resize(self) -> None:
        self._laid_out = True
        self.label = self._label(self.has_class("-selected"))

    def on_focus(self) -> None:
        self.border_subtitle = FOCUS_MARK

    def on_blur(self) -> None:
        self.border_subtitle = ""

    def render(self) -> Content:
        # Wrapped here for the width the target has, not by Textual, which cuts a long word
        # anywhere: a word breaks only where its language's hyphenation dictionary allows.
        label, size = self.label, self.content_size  # the size it is drawn at, laid out or not
        lines = wrap(label.plain, size.width - 2 * self.styles.line_pad, self._language(), size.height)
        return label if lines == label.plain.split("\n") else Content("\n".join(lines))

    @property
    def spoken(self) -> str:
        """What speech says for this target."""
        return " ".join(self.text.split())


class FaceTarget(Target):
    """A face and its word (`text`): the largest drawing of the face that leaves room for the word."""

    def __init__(self, face: str, word: str, value: object, *, number: int, selected: bool = False, **kwargs):
        self.face = face
        self.number = number
        super().__init__(word, value, selected=selected, classes=f"face face-{face}", **kwargs)
        self.mark(selected)
        # A face's word may fill the whole width; Textual's CSS cannot set line-pad to 0.
        self.styles.line_pad = 0

    def _label(self, selected: bool) -> Content:
        width, height = self._room()
        if not width:  # not laid out yet
            return Content("\n".join([*FACE_DRAWINGS[self.face][-1], self.text]))
        language = self._language()
        # The faces side by side are drawn the same size: room is what the longest word leaves.
        faces = [face for face in self.parent.children if isinstance(face, FaceTarget)] if self.parent else [self]
        words = max(len(face._word(width, language)) for face in faces)
        drawings = FACE_DRAWINGS[self.face]
        drawing = next((drawing for drawing in drawings if len(drawing) + words <= height
                        and len(drawing[0]) <= width), drawings[-1])
        return Content("\n".join([*drawing, *self._word(width, language)]))

    def _word(self, width: int, language: str | None) -> list[str]:
        return self.large and self._large_lines(width, language) or wrap(self.text, width, language)

    def large_rows(self, width: int, language: str) -> int | None:
        rows = super().large_rows(width, language)
        return None if rows is None else rows + len(FACE_DRAWINGS[self.face][-1])

    @property
    def spoken(self) -> str:
        return f"{self.number}: {' '.join(self.text.split())}"  # the word, not the drawing

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
