"""Bigger text: every text on screen in large letters, labels included, wherever the screen has room;
where it has not (the 50x15 panel already has the console's largest font), the kiosk says so and
offers to read aloud instead."""

from __future__ import annotations

import pytest

from screens.bigger_text import NoRoomScreen
from screens.bigtext import BLOCKS, LETTER_ROWS, big_lines, fits, large_lines
from screens.question import ChoiceScreen, FreeTextScreen
from screens.welcome import WelcomeScreen
from screens.widgets import MoreTarget, Prompt
from tests.pilot import SIZES, assert_targets_big_enough, build, screen_text, settle, tap_on, visible_targets
from tests.test_first_focus import Heard


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


def test_large_letters_break_a_word_only_where_its_language_allows_and_only_once():
    assert large_lines("Kohtalainen", 46, language="fi") == large_lines("Kohtalainen", 46)  # fits whole
    broken = large_lines("Kohtalainen", 26, language="fi")  # six letters a line: KOHTA- LAINEN
    assert broken is not None and len(broken) == 2 * LETTER_ROWS
    assert large_lines("Kohtalainen", 26) is None  # no dictionary: it would be cut anywhere
    assert large_lines("Kohtalainen", 18, language="fi") is None  # in three pieces
    assert large_lines("nimi@example.fi", 80) is None  # @ has no large drawing: ordinary letters


def test_the_rows_of_a_line_of_large_letters_are_as_wide_as_each_other():
    """Centred in a target, the rows of a letter stay one above the other."""
    lines = large_lines("Kieli ja ohjeet", 38, language="fi")
    for line in range(0, len(lines), LETTER_ROWS):
        assert len({len(row) for row in lines[line:line + LETTER_ROWS]}) == 1


def drawn_large(app, widget) -> bool:
    """Whether the widget shows large letters on screen, inside its border."""
    region = widget.content_region
    rows = screen_text(app).splitlines()[region.y:region.bottom]
    return bool(set("".join(row[region.x:region.right] for row in rows)) & BLOCKS)


async def bigger_text_on(pilot, *, via_menu: bool = False) -> None:
    if via_menu:
        await tap_on(pilot, id="menu")
        await tap_on(pilot, value="bigger-text")
    else:
        await tap_on(pilot, id="bigger-text")
    assert pilot.app.visit.bigger_text


async def test_at_120x40_the_question_the_faces_and_every_button_are_in_large_letters(config):
    app = build(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await bigger_text_on(pilot)
        assert isinstance(app.screen, WelcomeScreen)  # it all fits: nothing to say
        assert all(drawn_large(app, widget) for widget in visible_targets(app))
        await tap_on(pilot, id="start")
        assert isinstance(app.screen, ChoiceScreen)
        targets = visible_targets(app)
        assert [t.value for t in targets if t.value in range(1, 6)] == [1, 2, 3, 4, 5]  # on one page
        assert all(drawn_large(app, widget) for widget in [*targets, app.screen.query_one(Prompt)])
        assert_targets_big_enough(app)


async def test_at_80x24_what_fits_is_large_and_the_kiosk_says_the_rest_does_not(config):
    app = build(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await bigger_text_on(pilot)
        assert isinstance(app.screen, NoRoomScreen)
        assert "Vain osa tekstistä mahtuu" in app.screen.prompt()[0]
        await tap_on(pilot, id="continue")
        assert isinstance(app.screen, WelcomeScreen)
        assert drawn_large(app, app.screen.query_one(Prompt))  # the invitation, in large letters
        await tap_on(pilot, id="start")
        await tap_on(pilot, value=5)
        await tap_on(pilot, id="skip")
        assert isinstance(app.screen, FreeTextScreen)
        assert all(drawn_large(app, widget) for widget in visible_targets(app))  # Write, Skip, Back...
        assert_targets_big_enough(app)


async def test_at_50x15_the_kiosk_says_bigger_text_does_not_fit_and_offers_to_read_aloud(config):
    app = build(config)
    app.speaker = heard = Heard()
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        await bigger_text_on(pilot, via_menu=True)
        assert isinstance(app.screen, NoRoomScreen)
        assert app.screen.prompt() == ("Isompi teksti ei mahdu tälle näytölle.", "Voit kuunnella tekstin sen sijaan.")
        heard.said.clear()
        await tap_on(pilot, id="listen")
        assert isinstance(app.screen, WelcomeScreen)
        assert heard.said and heard.said[-1].startswith("Kerro meille käynnistäsi")  # the screen it was on
        await tap_on(pilot, id="start")
        # The faces as in ordinary text: all five on one page, not fewer and wider ones.
        assert [t.value for t in visible_targets(app) if t.value in range(1, 6)] == [1, 2, 3, 4, 5]
        assert not any(isinstance(t, MoreTarget) for t in visible_targets(app))


async def test_without_speech_the_notice_offers_only_to_go_on(config):
    app = build(config)
    app.speaker = Heard()
    app.speaker.program = None
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        await bigger_text_on(pilot, via_menu=True)
        assert isinstance(app.screen, NoRoomScreen) and app.screen.prompt()[1] == ""
        assert [t.id for t in visible_targets(app)] == ["continue"]


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
async def test_bigger_text_works_through_a_whole_visit(config, opened, size):
    app = build(config)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await bigger_text_on(pilot, via_menu=not any(t.id == "bigger-text" for t in visible_targets(app)))
        if isinstance(app.screen, NoRoomScreen):
            await tap_on(pilot, id="continue")
        await tap_on(pilot, id="start")
        assert isinstance(app.screen, ChoiceScreen)
        assert_targets_big_enough(app)
        if size[0] >= 80:
            assert drawn_large(app, app.screen.query_one(Prompt))  # the question in large letters
        await tap_on(pilot, value=4)
        assert_targets_big_enough(app)
        await tap_on(pilot, id="skip")
        await tap_on(pilot, id="skip")
        await tap_on(pilot, id="no")
        await tap_on(pilot, id="close")
        assert isinstance(app.screen, WelcomeScreen)
        assert not app.visit.bigger_text  # the next person starts with ordinary text
    [response] = opened(config)
    assert response["answers"] == {"visit": 4}
