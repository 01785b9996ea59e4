"""How tap targets fit the screen (screens/layout.py: pure functions, no Textual)."""

from __future__ import annotations

import math

import pytest

from kiosk.languages import CODES
from kiosk.strings import load_strings
from kiosk.survey import load_survey
from screens.layout import TARGET_COLUMNS, TARGET_ROWS, Plan, TargetSize, header_lines, plan

# The kiosk's 800x480 panel (50x15), common terminals, and a few sizes in between.
SIZES = [(50, 15), (80, 24), (120, 40), (51, 16), (64, 20), (100, 30), (200, 60)]
HEADER_HEIGHTS = range(0, 7)
ITEM_COUNTS = range(1, 13)
NAV_COUNTS = range(0, 5)


def rows_needed(layout: Plan, items: int, nav: int) -> int:
    """Grid rows one page's targets take: the prompt's slot, the choices, "more", navigation."""
    lead = int(layout.header_in_grid) + min(items, layout.page_size) + int(layout.paged)
    columns = layout.columns
    if layout.nav_own_row:
        return math.ceil(lead / columns) + math.ceil(nav / columns)
    return math.ceil((lead + nav) / columns)


@pytest.mark.parametrize("width, height", SIZES, ids=lambda value: str(value))
def test_every_plan_fits_finger_sized_targets_on_the_screen(width, height):
    for header_height in HEADER_HEIGHTS:
        for items in ITEM_COUNTS:
            for nav in NAV_COUNTS:
                case = (width, height, header_height, items, nav)
                layout = plan(width, height, header_height, items, nav)
                assert layout.columns * TARGET_COLUMNS <= width, case
                assert layout.row_height >= TARGET_ROWS, case
                above = 0 if layout.header_in_grid else header_height
                assert layout.rows * layout.row_height + above <= height, case
                assert rows_needed(layout, items, nav) <= layout.rows, case


@pytest.mark.parametrize("width, height", SIZES, ids=lambda value: str(value))
def test_a_paged_plan_shows_every_choice_across_its_pages(width, height):
    paged = 0
    for header_height in HEADER_HEIGHTS:
        for items in ITEM_COUNTS:
            for nav in NAV_COUNTS:
                case = (width, height, header_height, items, nav)
                layout = plan(width, height, header_height, items, nav)
                if layout.paged:
                    paged += 1
                    assert layout.page_size * layout.pages >= items, case
                    assert layout.page_size * (layout.pages - 1) < items, case  # no empty last page
                else:
                    assert layout.page_size >= items, case
    if (width, height) == (50, 15):
        assert paged, "twelve choices cannot fit the kiosk's panel on one page"


def test_a_long_prompt_takes_more_lines_on_a_narrow_screen():
    text = "Millainen oli käyntisi tänään terveysasemalla?\nKysymys 1 / 4"
    assert header_lines(text, 120) == 2
    assert header_lines(text, 40) == 3
    assert header_lines("Otsikko\n\nLeipäteksti", 50) == 3


@pytest.fixture(scope="module")
def words():
    return load_survey(), load_strings()


def question_prompt(question, strings, code: str) -> str:
    return f"{question.text[code]}\n{strings('question.progress', code, number=1, total=4)}"


@pytest.mark.parametrize("code", CODES)
def test_the_kiosk_screens_need_no_paging_on_its_panel(words, code):
    survey, strings = words
    welcome = f"{strings('welcome.title', code)}\n{strings('welcome.anonymous', code)}"
    screens = {
        "faces + Back, Language": (question_prompt(survey.headline, strings, code), 5, 2),
        "topics + Back, Language, Skip": (question_prompt(survey.question("went_badly"), strings, code), 5, 3),
        "languages + Give feedback": (welcome, len(CODES), 1),
    }
    for name, (prompt, items, nav) in screens.items():
        layout = plan(50, 15, header_lines(prompt, 50), items, nav)
        assert not layout.paged, name


def test_a_header_that_may_not_move_stays_above_the_targets():
    """Large letters: a slot of the grid would wrap them into pieces."""
    assert plan(50, 15, 4, 5, 2).header_in_grid  # the faces' question moves into the first slot
    layout = plan(50, 15, 4, 5, 2, header_movable=False)
    assert not layout.header_in_grid and layout.rows * layout.row_height + 4 <= 15


def test_targets_taller_than_the_room_below_the_header_do_not_fit():
    layout = plan(80, 24, 18, 2, 0, TargetSize(20, 8), header_movable=False)
    assert not layout.fits and not layout.whole
