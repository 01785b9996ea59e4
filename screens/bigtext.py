"""Large letters for the "bigger text" mode, drawn with block characters.

Each letter is 3 x 5 pixels (with a row above for the dots of Å, Ä, Ö) drawn as half
blocks, so it takes 4 columns (with the gap) and 3 rows. The Linux console's fonts
have █ but not ▀ ▄: there (`half_blocks=False`) each pixel row is a row of its own,
and a letter takes 6 rows.

`big_lines` wraps as it must (a title always shows); `large_lines` gives up instead, where
a word would have to be cut where its language does not allow it, or a sign has no large
drawing: the text is then shown in ordinary letters.
"""

from __future__ import annotations

import textwrap

from kiosk.hyphenation import HYPHEN, wrap

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
DRAWABLE = set(_GLYPHS) | set(_DOTS)
_HALF_BLOCKS = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}
BLOCKS = set(_HALF_BLOCKS.values()) - {" "}


def fits(text: str, width: int, rows: int) -> bool:
    """Whether `text` in large letters (of half blocks) fits `width` columns and `rows` rows."""
    lines = _wrap(text, width)
    return bool(lines) and len(lines) * LETTER_ROWS <= rows


def big_lines(text: str, width: int, *, half_blocks: bool = True) -> list[str]:
    """`text` in large letters, wrapped to `width` columns: three rows per line of letters
    (six without half blocks)."""
    return _drawn(_wrap(text, width), half_blocks)


def large_lines(text: str, width: int, *, half_blocks: bool = True, language: str | None = None) -> list[str] | None:
    """`text` in large letters within `width` columns, its words broken only where `language`
    allows (kiosk.hyphenation), and once at most; None where that cannot be done. The text's own line breaks
    are for ordinary letters: large ones wrap anew."""
    letters = (width + 1) // LETTER_WIDTH
    words = " ".join(text.split()).upper()
    if letters < 1 or not words or not set(words) <= DRAWABLE:
        return None
    lines = wrap(words, letters, language)
    if any(len(line) > letters for line in lines) or _cut(words, lines) or _in_three(lines):
        return None
    # Each row of a line of letters as wide as the line: centred, they stay one above the other.
    return [row.ljust(LETTER_WIDTH * len(line) - 1) for line in lines for row in _drawn([line], half_blocks)]


def is_large(text: str) -> bool:
    """Whether `text` has large letters in it (which must not be wrapped again)."""
    return bool(set(text) & BLOCKS)


def _in_three(lines: list[str]) -> bool:
    """Whether a word is broken twice: three pieces of a word in large letters read as three words."""
    return any(first.endswith(HYPHEN) and second.endswith(HYPHEN) for first, second in zip(lines, lines[1:]))


def _cut(words: str, lines: list[str]) -> bool:
    """Whether a line ends inside a word without a hyphen (where no dictionary was at hand)."""
    at = 0
    for line in lines:
        whole = words.startswith(line, at)
        piece = line if whole else line.removesuffix(HYPHEN)
        if not words.startswith(piece, at):
            return True
        at += len(piece)
        if whole and at < len(words) and words[at] != " ":
            return True
        at += words[at:at + 1] == " "
    return False


def _drawn(lines: list[str], half_blocks: bool) -> list[str]:
    rows: list[str] = []
    for line in lines:
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
