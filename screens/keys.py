"""The keys of the one-tap keyboard and of the phone keypad, and how they share the screen:
pure functions, tested without Textual.

A key is at least KEY (3 rows by 5 columns: 80x96 pixels on the 800x480 panel's 16x32
console font), so ten keys fit a row of the 50-column panel: the Finnish and Swedish
letters take three rows, as on a phone, and the fourth holds Back, help, the switch to
digits and signs, space and Done. Keys grow to fill a larger screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from screens.layout import TargetSize

Purpose = Literal["text", "phone", "email"]
Layer = Literal["letters", "signs"]

KEY = TargetSize(5, 3)
MAX_KEY_ROWS = 7  # taller than this a key is just a big empty box

# What a slot holds besides a character to type: the target id of an action.
# HELP_SLOT stands for the help targets every client screen has, or the one menu that holds them.
BACK, HELP_SLOT, LAYER, SPACE, DELETE, DONE = "back", "help", "layer", "space", "delete", "done"
ACTIONS = frozenset({BACK, HELP_SLOT, LAYER, SPACE, DELETE, DONE})

# The Finnish and Swedish layout, its å moved down beside ä: eleven keys do not fit 50 columns.
LETTERS = ("qwertyuiop", "asdfghjklö", "zxcvbnmåä")
SIGNS: dict[Purpose, tuple[str, ...]] = {
    "text": ("1234567890", ".,?!-:'\"()", "/+%€&@#*="),
    "email": ("1234567890", ".-_+@", "!#$%&'*/="),  # what an address may hold besides letters
}
BOTTOM: dict[Purpose, tuple[str, ...]] = {
    "text": (BACK, HELP_SLOT, LAYER, SPACE, DONE),
    "email": (BACK, HELP_SLOT, LAYER, "@", ".", DONE),  # an address needs its @ and dots at once
}
# A phone's: 1 2 3 / 4 5 6 / 7 8 9 / + 0 delete, with Back, help and Done beside it.
KEYPAD = (("1", "2", "3"), ("4", "5", "6"), ("7", "8", "9"), ("+", "0", DELETE))
KEYPAD_SIDE = (BACK, HELP_SLOT, DONE)


def keyboard_rows(purpose: Purpose, layer: Layer) -> list[tuple[str, ...]]:
    """The keyboard's rows of slots: characters, and action ids."""
    first, second, third = LETTERS if layer == "letters" else SIGNS[purpose]
    return [tuple(first), tuple(second), (*third, DELETE), BOTTOM[purpose]]


def with_help(slots: Sequence[str], helpers: Sequence[str]) -> tuple[str, ...]:
    """`slots` with the help targets (or the menu) where HELP_SLOT stands."""
    return tuple(item for slot in slots for item in (helpers if slot == HELP_SLOT else (slot,)))


def characters(purpose: Purpose) -> set[str]:
    """Every character the keyboard for `purpose` types."""
    if purpose == "phone":
        return {slot for row in KEYPAD for slot in row if slot not in ACTIONS}
    return {slot for layer in ("letters", "signs") for row in keyboard_rows(purpose, layer)
            for slot in row if slot not in ACTIONS}


@dataclass(frozen=True)
class Cell:
    """What a key needs: at least `minimum` cells (its label inside the border), and its
    `weight` in the room left over."""

    minimum: int
    weight: int = 1


def allot(total: int, cells: Sequence[Cell], cap: int | None = None) -> list[int] | None:
    """Share `total` cells among `cells`, each at least its minimum, the rest by weight (and
    at most `cap` each, where given); None where the minimums do not fit."""
    if sum(cell.minimum for cell in cells) > total:
        return None
    sizes = [cell.minimum for cell in cells]
    growing = [index for index, cell in enumerate(cells) if cell.weight and (cap is None or sizes[index] < cap)]
    # Water-filling: the room left goes by weight to the cells below their fair share.
    while growing:
        room = total - sum(sizes[index] for index in range(len(cells)) if index not in growing)
        weight = sum(cells[index].weight for index in growing)
        shares = {index: room * cells[index].weight / weight for index in growing}
        short = [index for index in growing if shares[index] < sizes[index]]
        capped = [index for index in growing if cap is not None and shares[index] > cap]
        if not short and not capped:
            for index in growing:
                sizes[index] = int(shares[index])
            left = room - sum(sizes[index] for index in growing)
            for index in sorted(growing, key=lambda i: shares[i] - sizes[i], reverse=True)[:left]:
                sizes[index] += 1
            break
        for index in capped:
            sizes[index] = cap
        growing = [index for index in growing if index not in short and index not in capped]
    return sizes


@dataclass(frozen=True)
class Row:
    """A row of keys as drawn: its height, and each slot with its width."""

    height: int
    keys: tuple[tuple[str, int], ...]


def weight(slot: str) -> int:
    """Space is the wide key, as on every keyboard; Done stands out beside the keypad."""
    return 3 if slot == SPACE else 2 if slot == DONE else 1


def keyboard_drawing(width: int, lines: int, rows: Sequence[Sequence[str]],
                     smallest: dict[str, TargetSize]) -> list[Row] | None:
    """The keyboard's rows across `width` in `lines`, each key at least its `smallest` size;
    None where they do not fit."""
    heights = allot(lines, [Cell(max(smallest[slot].rows for slot in row)) for row in rows], cap=MAX_KEY_ROWS)
    if heights is None:
        return None
    drawn = []
    for row, height in zip(rows, heights):
        widths = allot(width, [Cell(smallest[slot].columns, weight(slot)) for slot in row])
        if widths is None:
            return None
        drawn.append(Row(height, tuple(zip(row, widths))))
    return drawn


def keypad_drawing(width: int, lines: int, side: Sequence[str],
                   smallest: dict[str, TargetSize]) -> tuple[list[Row], list[Row]] | None:
    """The keypad's digits in aligned columns, and beside them a column of `side` targets as
    tall as they are; None where they do not fit."""
    columns = [max(smallest[row[column]].columns for row in KEYPAD) for column in range(3)]
    blocks = allot(width, [Cell(sum(columns), 3), Cell(max(smallest[slot].columns for slot in side))])
    if blocks is None:
        return None
    widths = allot(blocks[0], [Cell(minimum) for minimum in columns])
    heights = allot(lines, [Cell(max(smallest[slot].rows for slot in row)) for row in KEYPAD], cap=MAX_KEY_ROWS)
    if widths is None or heights is None:
        return None
    side_heights = allot(sum(heights), [Cell(smallest[slot].rows, weight(slot)) for slot in side])
    if side_heights is None:
        return None
    digits = [Row(height, tuple(zip(row, widths))) for row, height in zip(KEYPAD, heights)]
    return digits, [Row(height, ((slot, blocks[1]),)) for slot, height in zip(side, side_heights)]
