"""Large letters for the "bigger text" mode, drawn with block characters.

Each letter is 3 x 5 pixels (with a row above for the dots of Å, Ä, Ö) drawn as half
blocks, so it takes 4 columns (with the gap) and 3 rows. The Linux console's fonts
have █ but not ▀ ▄: there (`half_blocks=False`) each pixel row is a row of its own,
and a letter takes 6 rows.
"""

from __future__ import annotations

import textwrap

LETTER_WIDTH = 4  # three columns and a gap
LETTER_ROWS = 3  # six pixel rows, two to a row of half blocks
PIXEL_ROWS = 6  # the dots of Å, Ä, Ö, then the letter's five
_GLYPHS = {
    "A": (".#.", "#.#", "###", "#.#", "#.#"), "B": ("##.", "#.#", "##.", "#.#", "##."),
    "C": (".##", "#..", "#..", "#..", ".##"), "D": ("##.", "#.#", "#.#", "#.#", "##."),
    "E": ("###", "#..", "##.", "#..", "###"), "F": ("###", "#..", "##.", "#..", "#.."),
    "G": (".##", "#..", "#.#", "#.#", ".##"), "H": ("#.#", "#.#", "###", "#.#", "#.#"),
    "I": ("###", ".#.", ".#.", ".#.", "###"), "J": ("..#", "..#", "..#", "#.#", ".#."),
    "K": ("#.#", "#.#", "##.", "#.#", "#.#"), "L": ("#..", "#..", "#..", "#..", "###"),
    "M": ("#.#", "###", "###", "#.#", "#.#"), "N": ("##.", "#.#", "#.#", "#.#", "#.#"),
    "O": (".#.", "#.#", "#.#", "#.#", ".#."), "P": ("##.", "#.#", "##.", "#..", "#.."),
    "Q": (".#.", "#.#", "#.#", "##.", ".##"), "R": ("##.", "#.#", "##.", "#.#", "#.#"),
    "S": (".##", "#..", ".#.", "..#", "##."), "T": ("###", ".#.", ".#.", ".#.", ".#."),
    "U": ("#.#", "#.#", "#.#", "#.#", "###"), "V": ("#.#", "#.#", "#.#", "#.#", ".#."),
    "W": ("#.#", "#.#", "###", "###", "#.#"), "X": ("#.#", "#.#", ".#.", "#.#", "#.#"),
    "Y": ("#.#", "#.#", ".#.", ".#.", ".#."), "Z": ("###", "..#", ".#.", "#..", "###"),
    "0": ("###", "#.#", "#.#", "#.#", "###"), "1": (".#.", "##.", ".#.", ".#.", "###"),
    "2": ("##.", "..#", ".#.", "#..", "###"), "3": ("##.", "..#", ".#.", "..#", "##."),
    "4": ("#.#", "#.#", "###", "..#", "..#"), "5": ("###", "#..", "##.", "..#", "##."),
    "6": (".##", "#..", "###", "#.#", "###"), "7": ("###", "..#", ".#.", ".#.", ".#."),
    "8": ("###", "#.#", "###", "#.#", "###"), "9": ("###", "#.#", "###", "..#", "##."),
    "?": ("##.", "..#", ".#.", "...", ".#."), "!": (".#.", ".#.", ".#.", "...", ".#."),
    ".": ("...", "...", "...", "...", ".#."), ",": ("...", "...", "...", ".#.", "#.."),
    "-": ("...", "...", "###", "...", "..."), ":": ("...", ".#.", "...", ".#.", "..."),
    "/": ("..#", "..#", ".#.", "#..", "#.."), " ": ("...",) * 5,
}
_DOTS = {"Å": ("A", ".#."), "Ä": ("A", "#.#"), "Ö": ("O", "#.#")}
_HALF_BLOCKS = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}


def fits(text: str, width: int, rows: int) -> bool:
    """Whether `text` in large letters (of half blocks) fits `width` columns and `rows` rows."""
    lines = _wrap(text, width)
    return bool(lines) and len(lines) * LETTER_ROWS <= rows


def big_lines(text: str, width: int, *, half_blocks: bool = True) -> list[str]:
    """`text` in large letters, wrapped to `width` columns: three rows per line of letters
    (six without half blocks)."""
    rows: list[str] = []
    for line in _wrap(text, width):
        pixels = [_pixels(char) for char in line]
        for top in range(0, PIXEL_ROWS, 2 if half_blocks else 1):
            rows.append(" ".join("".join(_cell(glyph, top, column, half_blocks) for column in range(3))
                                 for glyph in pixels).rstrip())
    return rows


def _cell(glyph: tuple[str, ...], top: int, column: int, half_blocks: bool) -> str:
    if half_blocks:
        return _HALF_BLOCKS[glyph[top][column] == "#", glyph[top + 1][column] == "#"]
    return "█" if glyph[top][column] == "#" else " "


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text.upper(), max((width + 1) // LETTER_WIDTH, 1))


def _pixels(char: str) -> tuple[str, ...]:
    """Six rows of three pixels: the dots (if any), then the letter."""
    base, dots = _DOTS.get(char, (char, "..."))
    return (dots, *_GLYPHS.get(base, _GLYPHS["?"]))
