"""The on-screen keyboard's keys (screens/keyboard.py `key_tree`): all reachable, in few taps."""

from __future__ import annotations

import pytest

from kiosk.languages import CODES
from kiosk.strings import load_strings
from kiosk.survey import load_survey
from screens.keyboard import KEYS, KeyGroup, key_tree
from screens.layout import TARGET_COLUMNS, TARGET_ROWS, capacity, header_lines

NAV_TARGETS = 3  # Delete and Space (text) or Back and Delete (phone, e-mail), and Done
SYMBOLS = load_strings()("keyboard.symbols", "sv")  # the longest words


@pytest.fixture(scope="module")
def prompt_height():
    """Lines of the keyboard's prompt (the question, and the hint shown while nothing is typed)
    at a width, in the language where it is longest."""
    question, strings = load_survey().question("more"), load_strings()

    def lines(width: int) -> int:
        return max(header_lines(f"{question.text[code]}\n{strings('keyboard.empty', code)}", width) for code in CODES)

    return lines


def tree_for(purpose: str, width: int, height: int, prompt_height) -> tuple[list, int, int]:
    """The keys as the keyboard arranges them at this terminal size (as KeyboardScreen._tree does)."""
    top = capacity(width, height, prompt_height(width), NAV_TARGETS)
    inside = capacity(width, height, 0, 1)
    return key_tree(KEYS[purpose], top, inside, SYMBOLS), top, inside


def taps(tree: list) -> dict[str, int]:
    """Each key and the taps that type it (opening groups, then the key itself)."""
    found: dict[str, int] = {}

    def walk(members, depth: int) -> None:
        for member in members:
            if isinstance(member, KeyGroup):
                walk(member.members, depth + 1)
            else:
                assert member not in found, f"{member!r} shows twice"
                found[member] = depth

    walk(tree, 1)
    return found


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
@pytest.mark.parametrize("width, height", [(50, 15), (80, 24)], ids=lambda value: str(value))
def test_a_letter_takes_at_most_two_taps(prompt_height, purpose, width, height):
    tree, _, _ = tree_for(purpose, width, height, prompt_height)
    letters = KEYS[purpose][0]
    assert max(taps(tree)[letter] for letter in letters) <= 2


def test_letters_take_one_tap_when_they_fit_beside_the_symbols(prompt_height):
    tree, top, _ = tree_for("text", 100, 30, prompt_height)
    letters = KEYS["text"][0]
    assert len(letters) < top < sum(map(len, KEYS["text"]))
    assert all(taps(tree)[letter] == 1 for letter in letters)
    assert [member.label for member in tree if isinstance(member, KeyGroup)] == [SYMBOLS]


@pytest.mark.parametrize("width, height", [(120, 40), (80, 24)], ids=lambda value: str(value))
def test_the_phone_keypad_is_flat_on_a_large_screen(prompt_height, width, height):
    tree, _, _ = tree_for("phone", width, height, prompt_height)
    assert tree == list(KEYS["phone"][0])


def test_on_a_large_screen_every_key_shows_at_once(prompt_height):
    for purpose in KEYS:
        tree, _, _ = tree_for(purpose, 120, 40, prompt_height)
        assert set(taps(tree).values()) == {1}, purpose


def test_a_tiny_screen_still_gets_a_keyboard(prompt_height):
    """One target per screen: groups of two, shown a page at a time by the grid."""
    tree, top, inside = tree_for("text", 16, 5, prompt_height)
    assert (top, inside) == (1, 1)
    assert len(tree) == 1
    assert sorted(taps(tree)) == sorted(key for section in KEYS["text"] for key in section)
