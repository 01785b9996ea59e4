"""How a screen's tap targets fit the terminal: a pure function, tested without Textual.

Every target is at least TARGET_ROWS x TARGET_COLUMNS cells. On the kiosk's 800x480
panel with a 16x32 console font (50x15 cells) that is a finger-sized 256x160 pixels,
and the screen holds only a 3x3 grid of them. So the question moves into the first
slot when a row of its own would cost a row of targets, navigation shares the last
row of choices when it must, and choices that still do not fit are shown a page at
a time behind a "more" target.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass

TARGET_ROWS = 5
TARGET_COLUMNS = 16
MAX_ROW_HEIGHT = 9  # taller than this a button is just a big empty box
MAX_COLUMNS = 8  # on a wide screen targets grow wider rather than more numerous


@dataclass(frozen=True)
class TargetSize:
    columns: int
    rows: int


CLIENT = TargetSize(TARGET_COLUMNS, TARGET_ROWS)
# Staff are trained and few: their keys may be smaller (still 192x96 pixels on the panel),
# so that a PIN pad's twelve keys fit one screen.
STAFF = TargetSize(12, 3)


@dataclass(frozen=True)
class Plan:
    columns: int
    rows: int  # grid rows on one page
    row_height: int
    header_in_grid: bool
    nav_own_row: bool  # navigation starts a row of its own, below the choices
    page_size: int  # choices on one page
    pages: int
    fits: bool = True  # False: not even the navigation fits (a terminal far too small)

    @property
    def paged(self) -> bool:
        return self.pages > 1

    @property
    def whole(self) -> bool:
        """Everything on one screen."""
        return self.fits and not self.paged


def header_lines(text: str, width: int) -> int:
    """Lines a text takes wrapped to `width` with one column of padding each side."""
    wrap_width = max(width - 2, 8)
    return sum(len(textwrap.wrap(line, wrap_width)) or 1 for line in text.splitlines() or [""])


def plan(width: int, height: int, header_height: int, items: int, nav: int, target: TargetSize = CLIENT,
         header_text: str = "", *, header_movable: bool = True) -> Plan:
    """Lay out `items` choices and `nav` navigation targets below (or beside) a header.
    Given the `header_text`, the header goes into the first slot only if it fits there whole;
    never where it may not move there (`header_movable`)."""
    max_columns = max(1, min(width // target.columns, MAX_COLUMNS))
    places = (False, True) if header_movable else (False,)
    for header_in_grid in places:
        for nav_own_row in (True, False):
            fitted = _fit(max_columns, height, header_height, items, nav, header_in_grid, nav_own_row, target)
            if fitted and header_in_grid and header_text and \
                    header_lines(header_text, width // fitted.columns) > fitted.row_height:
                continue
            if fitted:
                return fitted
    return _paged(max_columns, width, height, header_height, items, nav, target, header_text, places)


def _available_rows(height: int, header_height: int, header_in_grid: bool, target: TargetSize) -> tuple[int, int]:
    """(rows of targets, lines for them) below the header, or in the whole height."""
    lines = height if header_in_grid else height - header_height
    return max(lines // target.rows, 0), lines


def _fit(max_columns: int, height: int, header_height: int, items: int, nav: int,
         header_in_grid: bool, nav_own_row: bool, target: TargetSize) -> Plan | None:
    rows, lines = _available_rows(height, header_height, header_in_grid, target)
    lead = items + int(header_in_grid)
    if rows < 1 or lead == 0 and nav == 0:
        return None
    item_rows = math.ceil(lead / max_columns) if lead else 0
    balanced = max(math.ceil(lead / item_rows) if item_rows else nav, 1)
    # The balanced number of columns first (choices in even rows); more only if that needs more rows.
    for columns in range(min(max(balanced, nav if nav_own_row else 1), max_columns), max_columns + 1):
        if nav_own_row:
            needed = math.ceil(lead / columns) + math.ceil(nav / columns)
        else:
            needed = math.ceil((lead + nav) / columns)
        if needed <= rows:
            return Plan(columns, needed, _row_height(lines, needed, target), header_in_grid, nav_own_row, items, 1)
    return None


def _paged(max_columns: int, width: int, height: int, header_height: int, items: int, nav: int,
           target: TargetSize, header_text: str, places: tuple[bool, ...]) -> Plan:
    """Too many choices for one screen: a page at a time, with one more target for "more".
    The prompt goes where it leaves the most choices on a page (and fits)."""
    options = []
    for header_in_grid in places:
        rows, lines = _available_rows(height, header_height, header_in_grid, target)
        rows = max(rows, 1)
        if header_in_grid and header_text and \
                header_lines(header_text, width // max_columns) > _row_height(lines, rows, target):
            continue
        slots = max_columns * rows - int(header_in_grid) - nav - 1
        options.append((slots, not header_in_grid, rows, lines, header_in_grid))
    slots, _, rows, lines, header_in_grid = max(options)
    page_size = max(slots, 1)
    # Not even one row of targets below the header: nothing fits, however it pages.
    return Plan(max_columns, rows, _row_height(lines, rows, target), header_in_grid, False,
                page_size, math.ceil(items / page_size), fits=slots >= 1 and lines >= target.rows)


def _row_height(lines: int, rows: int, target: TargetSize) -> int:
    return max(target.rows, min(MAX_ROW_HEIGHT, lines // max(rows, 1)))


def capacity(width: int, height: int, header_height: int, nav: int, target: TargetSize = CLIENT) -> int:
    """How many choices fit on one page beside `nav` navigation targets."""
    fitting = 0
    while not plan(width, height, header_height, fitting + 1, nav, target).paged and fitting < 100:
        fitting += 1
    return fitting
