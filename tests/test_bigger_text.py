"""Bigger text: the question in large letters, fewer and wider targets, on every client screen."""

from __future__ import annotations

import pytest

from screens.bigtext import LETTER_ROWS, big_lines, fits
from screens.layout import BIG
from screens.question import ChoiceScreen
from screens.welcome import WelcomeScreen
from tests.pilot import SIZES, assert_targets_big_enough, build, screen_text, settle, tap_on, visible_targets


def test_large_letters_are_three_rows_and_wrap_at_words():
    lines = big_lines("Hur var ditt besök i dag?", 40)
    assert len(lines) % LETTER_ROWS == 0 and len(lines) >= 2 * LETTER_ROWS
    assert all(len(line) <= 40 for line in lines)
    assert set("".join(lines)) <= set(" ▀▄█")
    assert fits("Hyvä", 20, 3) and not fits("Millainen oli käyntisi tänään?", 20, 6)


def test_every_letter_of_the_kiosks_languages_has_a_drawing():
    unknown = big_lines("?", 8)
    for letter in "abcdefghijklmnopqrstuvwxyzåäö0123456789":
        assert big_lines(letter, 8) != unknown, letter


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
async def test_bigger_text_works_through_a_whole_visit(config, opened, size):
    app = build(config)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await tap_on(pilot, id="bigger-text") if any(t.id == "bigger-text" for t in visible_targets(app)) \
            else await _via_menu(pilot, "bigger-text")
        assert app.visit.bigger_text
        await tap_on(pilot, id="start")
        assert isinstance(app.screen, ChoiceScreen)
        assert_targets_big_enough(app)
        if size[0] >= 80:
            assert "███" in screen_text(app)  # the question in large letters
            choices = [t for t in visible_targets(app) if t.value in range(1, 6)]
            assert min(t.region.width for t in choices) >= BIG.columns
        await tap_on(pilot, value=4) if any(t.value == 4 for t in visible_targets(app)) else await _page_to(pilot, 4)
        assert_targets_big_enough(app)
        await tap_on(pilot, id="skip")
        await tap_on(pilot, id="skip")
        await tap_on(pilot, id="no")
        await tap_on(pilot, id="close")
        assert isinstance(app.screen, WelcomeScreen)
        assert not app.visit.bigger_text  # the next person starts with ordinary text
    [response] = opened(config)
    assert response["answers"] == {"visit": 4}


async def _via_menu(pilot, choice: str) -> None:
    await tap_on(pilot, id="menu")
    await tap_on(pilot, value=choice)


async def _page_to(pilot, value) -> None:
    """Tap "more" until the choice shows (a small screen with bigger text pages its choices)."""
    for _ in range(5):
        if any(target.value == value for target in visible_targets(pilot.app)):
            await tap_on(pilot, value=value)
            return
        await tap_on(pilot, label=next(t.text.replace("\n", " ") for t in visible_targets(pilot.app)
                                       if type(t).__name__ == "MoreTarget"))
    raise AssertionError(f"no page shows {value!r}")
