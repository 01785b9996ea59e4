"""Words break only where their language's hyphenation dictionary allows, and only when they
do not fit a line whole (kiosk/hyphenation.py): in the function, and on the kiosk's screens at
the panel's 50x15, at 80x24 and at 120x40, in every language."""

from __future__ import annotations

import sys

import pytest

from kiosk import hyphenation
from kiosk.hyphenation import breaks, wrap
from kiosk.languages import CODES
from screens.about import AboutScreen, MenuScreen
from screens.reply import ContactMethodScreen
from screens.welcome import LanguageScreen
from tests.pilot import SIZES, build, screen_text, settle, tap_on, visible_targets
from tests.staff_pilot import open_panel, with_pin


# -- the function -------------------------------------------------------------------------------


def test_a_word_that_fits_a_line_is_never_broken():
    for width in range(12, 41):
        lines = wrap("Mitä palautteelle tapahtuu?", width, "fi")
        assert " ".join(lines) == "Mitä palautteelle tapahtuu?", width
    assert wrap("Mitä palautteelle tapahtuu?", 12, "fi") == ["Mitä", "palautteelle", "tapahtuu?"]


def test_a_word_longer_than_a_line_breaks_where_its_dictionary_allows_between_the_parts_of_a_compound():
    assert wrap("Sähköpostilla", 12, "fi") == ["Sähkö-", "postilla"]
    assert wrap("Sähköpostilla", 12, "fi-x-selko") == ["Sähkö-", "postilla"]
    assert wrap("Potilasasiavastaava", 12, "fi") == ["Potilasasia-", "vastaava"]
    assert wrap("Klienten med hjälp av personalen", 8, "sv") == ["Klienten", "med", "hjälp av", "persona-", "len"]
    assert wrap("Speech is not available", 8, "en") == ["Speech", "is not", "avail-", "able"]


def test_every_break_is_one_the_dictionary_gives_and_leaves_two_letters_either_side():
    assert breaks("palautteelle", "fi").points == (2, 6, 10)  # pa-laut-teel-le
    assert breaks("Aloita", "fi").points == (4,)  # never "A-loita"
    assert breaks("tapahtuu?", "fi").points == (2, 5)  # the question mark stays with its word
    assert breaks("kontaktuppgifter", "sv").points == (3, 7, 10, 13)  # kon-takt-upp-gif-ter


def test_a_hyphen_the_word_has_is_a_break_that_adds_none():
    assert wrap("PIN-koodi", 5, "fi") == ["PIN-", "koodi"]
    assert wrap("PIN-koodi!", 5, "fi") == ["PIN-", "koo-", "di!"]
    assert wrap("e-postadress", 8, "sv") == ["e-post-", "adress"]


def test_a_word_too_long_for_a_line_starts_one_of_its_own_where_the_height_allows():
    assert wrap("Siirry komentoriville", 12, "fi", height=3) == ["Siirry", "komento-", "riville"]
    assert wrap("Siirry komentoriville", 12, "fi", height=2) == ["Siirry ko-", "mentoriville"]
    assert wrap("Siirry komentoriville", 12, "fi") == ["Siirry ko-", "mentoriville"]  # the fewest lines


def test_a_line_that_fits_is_kept_as_it_is_and_its_own_line_breaks_stay():
    assert wrap("o   o\n╭───╮\nErittäin huono", 12, "fi") == ["o   o", "╭───╮", "Erittäin", "huono"]
    assert wrap("Kieli\nSpråk\nLanguage", 30, "fi") == ["Kieli", "Språk", "Language"]


def test_without_a_language_a_word_too_long_is_cut_where_the_line_ends():
    assert wrap("abcdefghijklm", 5, None) == ["abcde", "fghij", "klm"]


@pytest.fixture
def fresh_dictionaries():
    """The dictionaries loaded anew, before and after: a test may take one away."""
    hyphenation._dictionary.cache_clear()
    hyphenation._breaks.cache_clear()
    yield
    hyphenation._dictionary.cache_clear()
    hyphenation._breaks.cache_clear()


def test_without_voikko_a_finnish_word_too_long_is_cut_and_the_log_says_why(fresh_dictionaries, monkeypatch,
                                                                               caplog):
    monkeypatch.setitem(sys.modules, "libvoikko", None)  # not installed
    assert wrap("Sähköpostilla", 12, "fi") == ["Sähköpostill", "a"]
    assert wrap("Potilasasiavastaava", 12, "fi-x-selko") == ["Potilasasiav", "astaava"]
    assert [record.getMessage() for record in caplog.records].count("no hyphenation for fi: import of libvoikko "
                                                                    "halted; None in sys.modules") == 1
    assert wrap("Klienten med hjälp av personalen", 8, "sv")[-2:] == ["persona-", "len"]  # Swedish still breaks


# -- on screen -------------------------------------------------------------------------------------


def drawn_lines(app, target) -> list[str]:
    """The label's lines as the screen shows them inside the target's border."""
    region = target.content_region
    rows = screen_text(app).splitlines()[region.y:region.bottom]
    return [line for row in rows if (line := row[region.x:region.right].strip())]


def check_labels(app) -> None:
    """Every word of every label shows whole, or broken with a hyphen where its dictionary allows,
    and only where it does not fit the target's width whole."""
    language = app.screen.look.language
    for target in visible_targets(app):
        width = target.content_region.width - 2 * target.styles.line_pad
        expected = target.label.plain.split()
        drawn = " ".join(drawn_lines(app, target)).split()
        where = f"{target.text!r} ({width} wide) on {type(app.screen).__name__} at {app.size}"
        words, at = [], 0
        while at < len(drawn):
            word = drawn[at]
            wanted = expected[len(words)] if len(words) < len(expected) else None
            if word != wanted and word.endswith("-") and at + 1 < len(drawn):
                # A word broken over two lines: rejoined, its hyphen dropped unless the word has one.
                has_hyphen = word + drawn[at + 1] == wanted
                joined = word + drawn[at + 1] if has_hyphen else word[:-1] + drawn[at + 1]
                point = len(word) if has_hyphen else len(word) - 1
                assert len(joined) > width, f"{where}: {joined!r} fits whole, yet is broken at {point}"
                assert point in breaks(joined, language).points, f"{where}: {joined!r} broken at {point}"
                word, at = joined, at + 1
            words.append(word)
            at += 1
        assert words == expected, f"{where}: drawn as {drawn_lines(app, target)}"


async def open_help(pilot, what: str) -> None:
    """One of the help targets, tapped where it shows: on the screen, or behind the menu."""
    if not any(target.id == what for target in visible_targets(pilot.app)):
        await tap_on(pilot, id="menu")
        assert isinstance(pilot.app.screen, MenuScreen)
        check_labels(pilot.app)
        await tap_on(pilot, value=what)
        return
    await tap_on(pilot, id=what)


async def walk_client_screens(pilot):
    """The screens a client meets, each checked as it shows."""
    app = pilot.app
    check_labels(app)  # welcome
    await open_help(pilot, "about")
    assert isinstance(app.screen, AboutScreen)
    check_labels(app)
    await tap_on(pilot, id="back")
    await tap_on(pilot, id="start")
    check_labels(app)  # the faces
    await open_help(pilot, "language")
    assert isinstance(app.screen, LanguageScreen)
    check_labels(app)
    await tap_on(pilot, id="back")
    await tap_on(pilot, value=2)
    check_labels(app)  # what went badly
    await tap_on(pilot, id="back")
    await tap_on(pilot, value=5)
    check_labels(app)  # what went well
    await tap_on(pilot, value="information")
    check_labels(app)  # free text
    await tap_on(pilot, id="skip")
    check_labels(app)  # a reply?
    await tap_on(pilot, id="yes")
    assert isinstance(app.screen, ContactMethodScreen)
    check_labels(app)  # phone or e-mail


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("language", CODES)
async def test_no_label_on_a_client_screen_is_hyphenated_where_its_words_fit(config, size, language):
    app = build(config)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        app.set_language(language)
        await settle(pilot)
        await walk_client_screens(pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("language", ["fi", "sv", "en"])
async def test_no_label_on_a_staff_screen_is_hyphenated_where_its_words_fit(config, size, language):
    app = build(with_pin(config, allow_shell=True, allow_power=True))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        app.set_language(language)
        await settle(pilot)
        await open_panel(pilot)
        check_labels(app)
        await tap_on(pilot, value="actions")
        check_labels(app)  # "Käynnistä sovellus uudelleen", "Siirry komentoriville"...
        await tap_on(pilot, id="back")
        await tap_on(pilot, value="assisted")
        check_labels(app)  # who is answering
