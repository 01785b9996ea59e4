"""The keyboard's keys without Textual: how the one-tap keys share the screen (screens/keys.py),
and the groups of bigger keys (screens/keyboard.py `key_tree`): all reachable, in few taps."""

from __future__ import annotations

import pytest

from kiosk.languages import CODES
from kiosk.strings import load_strings
from kiosk.survey import load_survey
from screens.keyboard import ALPHABET, GROUP_MAX, KEYS, KeyGroup, key_tree, taps
from screens.keys import (DELETE, DONE, KEY, KEYPAD, KEYPAD_SIDE, LETTERS, MAX_KEY_ROWS, SPACE, Cell, allot,
                          characters, keyboard_drawing, keyboard_rows, keypad_drawing, with_help)
from screens.layout import TARGET_COLUMNS, TARGET_ROWS, TargetSize, capacity, header_lines

# -- sharing out the cells ---------------------------------------------------------------------


def test_cells_get_their_minimum_and_the_rest_by_weight():
    assert allot(50, [Cell(5)] * 10) == [5] * 10
    assert allot(83, [Cell(5)] * 10) == [9, 9, 9, 8, 8, 8, 8, 8, 8, 8]
    assert allot(60, [Cell(10), Cell(5, 3), Cell(5)]) == [12, 36, 12]
    assert allot(40, [Cell(30), Cell(5), Cell(5)]) == [30, 5, 5]  # a long label keeps its room
    assert allot(9, [Cell(5), Cell(5)]) is None


def test_a_cap_leaves_the_rest_unshared():
    assert allot(40, [Cell(3)] * 4, cap=MAX_KEY_ROWS) == [MAX_KEY_ROWS] * 4


def test_every_letter_of_finnish_and_swedish_has_a_key():
    assert set(ALPHABET) == set("".join(LETTERS)) <= characters("text") & characters("email")
    assert {"@", ".", "-", "_", "+"} <= characters("email")
    assert set("0123456789") <= characters("text") & characters("email")
    assert characters("phone") == set("0123456789+")


def smallest_keys(slots, labels=None) -> dict[str, TargetSize]:
    labels = labels or {}
    return {slot: TargetSize(max(KEY.columns, len(labels.get(slot, slot)) + 2), KEY.rows) for slot in slots}


def test_at_50x15_ten_keys_fill_a_row_and_the_bottom_row_holds_the_rest():
    rows = [with_help(row, ["menu"]) for row in keyboard_rows("text", "letters")]
    labels = {"back": "Takaisin", "menu": "Kieli ja ohjeet", "layer": "123", SPACE: "Väli", DONE: "Valmis",
              DELETE: "←"}
    drawn = keyboard_drawing(50, 13, rows, smallest_keys({slot for row in rows for slot in row}, labels))
    assert [len(row.keys) for row in drawn] == [10, 10, 10, 5]
    assert all(width == 5 for row in drawn[:3] for _, width in row.keys)
    assert [sum(width for _, width in row.keys) for row in drawn] == [50] * 4
    assert sum(row.height for row in drawn) == 13
    assert keyboard_drawing(49, 13, rows, smallest_keys({slot for row in rows for slot in row}, labels)) is None


def test_the_keypad_keeps_its_columns_and_its_side_is_as_tall_as_it():
    slots = [slot for row in KEYPAD for slot in row] + list(KEYPAD_SIDE)
    digits, side = keypad_drawing(50, 12, KEYPAD_SIDE, smallest_keys(slots, {"back": "Takaisin", DONE: "Valmis"}))
    assert [[slot for slot, _ in row.keys] for row in digits] == [list(row) for row in KEYPAD]
    assert len({tuple(width for _, width in row.keys) for row in digits}) == 1  # aligned columns
    assert sum(row.height for row in side) == sum(row.height for row in digits) == 12
    assert sum(width for _, width in digits[0].keys) + side[0].keys[0][1] == 50


# -- the bigger keys, in groups --------------------------------------------------------------

SYMBOLS = load_strings()("keyboard.symbols", "sv")  # the longest words
NAV = {"text": 5, "email": 4, "phone": 4}  # Back, Delete (and Space), Done, and the menu


@pytest.fixture(scope="module")
def prompt_height():
    """Lines of the keyboard's prompt (the question, and the hint shown while nothing is typed)
    at a width, in the language where it is longest."""
    question, strings = load_survey().question("more"), load_strings()

    def lines(width: int) -> int:
        return max(header_lines(f"{question.text[code]}\n{strings('keyboard.empty', code)}", width) for code in CODES)

    return lines


def tree_for(purpose: str, width: int, height: int, prompt_height) -> tuple[list, int, int]:
    """The keys as the keyboard arranges them in groups at this size (as KeyboardScreen._tree does)."""
    top = capacity(width, height, prompt_height(width), NAV[purpose])
    inside = min(capacity(width, height, 1, 1), GROUP_MAX)
    return key_tree(KEYS[purpose], top, inside, SYMBOLS), top, inside


def groups_in(members) -> list[KeyGroup]:
    groups = [member for member in members if isinstance(member, KeyGroup)]
    return groups + [inner for group in groups for inner in groups_in(group.members)]


SIZES = [(50, 15), (80, 24), (120, 40), (64, 20), (100, 30)]


@pytest.mark.parametrize("purpose", list(KEYS))
@pytest.mark.parametrize("width, height", SIZES, ids=lambda value: str(value))
def test_every_key_is_reachable_and_every_level_fits_without_paging(prompt_height, purpose, width, height):
    tree, top, inside = tree_for(purpose, width, height, prompt_height)
    assert sorted(taps(tree)) == sorted(key for section in KEYS[purpose] for key in section)
    assert len(tree) <= top
    for group in groups_in(tree):
        assert len(group.members) <= inside
        lines = group.title().splitlines()
        assert len(lines) <= TARGET_ROWS - 2  # inside the border
        assert all(len(line) <= TARGET_COLUMNS - 2 for line in lines), group.title()


@pytest.mark.parametrize("purpose", ["text", "email"])
def test_with_bigger_text_at_80x24_a_letter_takes_at_most_two_taps(prompt_height, purpose):
    tree, _, _ = tree_for(purpose, 80, 24, prompt_height)
    assert max(taps(tree)[letter] for letter in ALPHABET) <= 2


def test_letters_take_one_tap_when_they_fit_beside_the_symbols(prompt_height):
    tree, top, _ = tree_for("text", 120, 40, prompt_height)
    assert len(ALPHABET) < top < sum(map(len, KEYS["text"]))
    assert all(taps(tree)[letter] == 1 for letter in ALPHABET)
    assert [member.label for member in tree if isinstance(member, KeyGroup)] == [SYMBOLS]


def test_a_tiny_screen_still_gets_a_keyboard(prompt_height):
    """One target per screen: groups of two, shown a page at a time by the grid."""
    tree, top, inside = tree_for("text", 16, 5, prompt_height)
    assert (top, inside) == (1, 1)
    assert len(tree) == 1
    assert sorted(taps(tree)) == sorted(key for section in KEYS["text"] for key in section)
