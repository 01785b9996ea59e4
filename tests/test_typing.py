"""Typing, as a client does it: the one-tap keyboard, the phone keypad, their help targets,
speech, and a physical keyboard (screens/keyboard.py, screens/keypad.py)."""

from __future__ import annotations

import pytest

from kiosk.speech import Speaker
from kiosk.visit import SELF
from screens.keyboard import KeyboardScreen
from screens.keypad import KeypadScreen
from screens.keys import characters
from screens.question import FreeTextScreen
from screens.reply import NumberCheckScreen, PromiseScreen, ReplyScreen
from tests.pilot import build, settle, shown, tap_on, target, visible_targets
from tests.typing_pilot import Taps, assert_keys_fit, keys_in_rows, typed_line

SENTENCE = "jonotin liian kauan"
DELETE = "delete"


async def to_free_text(pilot) -> None:
    await settle(pilot)
    await tap_on(pilot, id="start")
    await tap_on(pilot, value=2)
    await tap_on(pilot, value="waiting")
    assert isinstance(pilot.app.screen, FreeTextScreen)


async def to_keyboard(pilot) -> None:
    await to_free_text(pilot)
    await tap_on(pilot, id="write")
    assert isinstance(pilot.app.screen, KeyboardScreen)


async def to_keypad(pilot) -> None:
    await to_free_text(pilot)
    await tap_on(pilot, id="skip")
    await tap_on(pilot, id="yes")
    await tap_on(pilot, value="phone")
    assert isinstance(pilot.app.screen, KeypadScreen)


# -- item 2: one tap a letter --------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (50, 15)], ids=lambda size: f"{size[0]}x{size[1]}")
async def test_the_sentence_takes_21_taps_from_the_free_text_question(config, opened, size):
    """Write, one tap for each of the 19 letters and spaces, Done: 21 (it was 38)."""
    app = build(config)
    async with app.run_test(size=size) as pilot:
        await to_free_text(pilot)
        taps = Taps(pilot)
        await taps.on(id="write")
        for end in range(1, len(SENTENCE) + 1):
            await taps.type(SENTENCE[end - 1])
            assert typed_line(app) == SENTENCE[:end]  # visible while typing
        assert_keys_fit(app)
        await taps.on(id="done")
        assert isinstance(app.screen, ReplyScreen)
        assert taps.count == 21
        await tap_on(pilot, id="no")
    [response] = opened(config)
    assert response["answers"]["more"] == SENTENCE


@pytest.mark.parametrize("size", [(50, 15), (80, 24), (120, 40)], ids=lambda size: f"{size[0]}x{size[1]}")
async def test_a_long_text_shows_its_end_on_one_line_as_wide_as_the_screen(config, size):
    app = build(config)
    async with app.run_test(size=size) as pilot:
        await to_keyboard(pilot)
        text = "odotin tunnin ja sitten minut lähetettiin toiseen paikkaan jossa odotin taas " * 2
        for character in text:
            await pilot.press("space" if character == " " else character)
        await settle(pilot)
        ellipsis = app.screen.look.glyphs.ellipsis
        line = typed_line(app)
        assert line.startswith(ellipsis) and text.endswith(line.removeprefix(ellipsis))
        assert len(line) + 1 >= size[0] - 3  # the line is used to its end (the caret last)
        assert_keys_fit(app)


@pytest.mark.parametrize("size", [(50, 15), (80, 24), (120, 40)], ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("purpose", ["text", "email"])
@pytest.mark.parametrize("language", ["fi", "sv", "en"])
async def test_every_character_is_one_tap_on_a_layer_and_every_key_fits(config, size, purpose, language):
    app = build(config)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        app.visit.language = language
        app.push_screen(KeyboardScreen(app.look(), purpose, {language: "?"}))
        await settle(pilot)
        typed = set()
        for _layer in range(2):
            assert_keys_fit(app)
            assert not any(key.has_class("key-group") for key in visible_targets(app))
            typed |= {key.value for key in visible_targets(app) if isinstance(key.value, str)}
            await tap_on(pilot, id="layer")
        assert typed >= characters(purpose)
        assert {"back", "done", DELETE} <= {key.id for key in visible_targets(app)}


async def test_digits_and_signs_are_one_tap_away_and_letters_one_tap_back(config, opened):
    app = build(config)
    async with app.run_test(size=(50, 15)) as pilot:
        await to_keyboard(pilot)
        taps = Taps(pilot)
        await taps.type("jono")
        await taps.on(id="layer")
        assert target(app, id="layer").text == "abc"
        await taps.type("3?")
        await taps.on(id="layer")
        await taps.type(" ok")
        assert taps.count == 4 + 1 + 2 + 1 + 3
        assert typed_line(app) == "jono3? ok"


async def test_the_email_keyboard_has_its_at_and_dot_beside_the_letters(config):
    app = build(config)
    async with app.run_test(size=(50, 15)) as pilot:
        await to_free_text(pilot)
        await tap_on(pilot, id="skip")
        await tap_on(pilot, id="yes")
        await tap_on(pilot, value="email")
        taps = Taps(pilot)
        await taps.type("matti@posti.fi")
        assert taps.count == len("matti@posti.fi")
        await tap_on(pilot, id="done")
        assert isinstance(app.screen, PromiseScreen)
        assert "matti@posti.fi" in shown(app)


# -- item 3: a phone's keypad ----------------------------------------------------------------


@pytest.mark.parametrize("bigger_text", [False, True], ids=["normal", "bigger"])
@pytest.mark.parametrize("size", [(50, 15), (80, 24), (120, 40)], ids=lambda size: f"{size[0]}x{size[1]}")
async def test_the_phone_keypad_is_a_phones_on_one_screen(config, size, bigger_text):
    app = build(config)
    async with app.run_test(size=size) as pilot:
        app.visit.bigger_text = bigger_text
        await to_keypad(pilot)
        digits = [[slot for slot in row if slot not in ("back", "menu", "done", "language", "about",
                                                      "read-aloud", "bigger-text")] for row in keys_in_rows(app)]
        assert [row for row in digits if row] == [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"], ["+", "0", DELETE]]
        assert_keys_fit(app)
        taps = Taps(pilot)
        await taps.type("0401234567")
        assert taps.count == 10
        assert typed_line(app) == "0401234567"


# -- item 4: the number as typed, and a question where it is not Finnish ----------------------


async def test_the_confirmation_shows_the_number_as_typed_and_grouped(config, opened):
    app = build(config)
    async with app.run_test(size=(50, 15)) as pilot:
        await to_keypad(pilot)
        await Taps(pilot).type("0401234567")
        await tap_on(pilot, id="done")
        assert isinstance(app.screen, PromiseScreen)
        assert "040 123 4567" in shown(app) and "+358" not in shown(app)
        await tap_on(pilot, id="confirm")
    _response, reply = opened(config)
    assert reply["contact"] == {"kind": "phone", "value": "+358401234567"}  # what the provider dials


async def test_a_number_outside_finland_is_asked_about_before_going_on(config, opened):
    app = build(config)
    async with app.run_test(size=(50, 15)) as pilot:
        await to_keypad(pilot)
        await Taps(pilot).type("00401234567")  # one 0 too many: Romania
        await tap_on(pilot, id="done")
        assert isinstance(app.screen, NumberCheckScreen)
        assert "Onko numero oikein?" in shown(app) and "00 40 123 4567" in shown(app)
        assert "ei ole suomalainen" in shown(app)
        await tap_on(pilot, id="fix")
        assert isinstance(app.screen, KeypadScreen)
        assert typed_line(app) == "00401234567"  # to correct, not to type again
        for _ in range(10):
            await tap_on(pilot, id=DELETE)
        await Taps(pilot).type("401234567")
        await tap_on(pilot, id="done")
        assert isinstance(app.screen, PromiseScreen)
        assert "040 123 4567" in shown(app)
        await tap_on(pilot, id="confirm")
    _response, reply = opened(config)
    assert reply["contact"]["value"] == "+358401234567"


async def test_a_foreign_number_the_client_means_goes_on_as_typed(config, opened):
    app = build(config)
    async with app.run_test(size=(80, 24)) as pilot:
        app.visit.language = "fi-x-selko"
        await to_keypad(pilot)
        await Taps(pilot).type("+46701234567")
        await tap_on(pilot, id="done")
        assert isinstance(app.screen, NumberCheckScreen)
        assert "Numero ei ole Suomesta." in shown(app)  # easy language
        await tap_on(pilot, id="right")
        assert isinstance(app.screen, PromiseScreen)
        assert "+46 701 234 567" in shown(app)
        await tap_on(pilot, id="confirm")
    _response, reply = opened(config)
    assert reply["contact"]["value"] == "+46701234567"


# -- item 7: help on the keyboard and the keypad ----------------------------------------------

HELPERS = {"language", "about", "read-aloud", "bigger-text"}


@pytest.mark.parametrize("size", [(50, 15), (80, 24), (120, 40)], ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("to_screen", [to_keyboard, to_keypad], ids=["keyboard", "keypad"])
async def test_the_keyboard_and_keypad_have_back_and_every_help(config, size, to_screen):
    app = build(config)
    async with app.run_test(size=size) as pilot:
        await to_screen(pilot)
        ids = {key.id for key in visible_targets(app)}
        assert "back" in ids
        assert HELPERS <= ids or "menu" in ids


async def test_a_language_change_while_typing_keeps_what_was_typed(config):
    app = build(config)
    async with app.run_test(size=(50, 15)) as pilot:
        await to_keyboard(pilot)
        await Taps(pilot).type("hyvä")
        await tap_on(pilot, id="menu")
        await tap_on(pilot, value="language")
        await tap_on(pilot, value="sv")
        assert isinstance(app.screen, KeyboardScreen)
        assert "Vill du berätta mer?" in shown(app) and typed_line(app) == "hyvä"
        assert target(app, id="done").text == "Klar"
        await Taps(pilot).type(" vård")
        assert typed_line(app) == "hyvä vård"


async def test_back_on_the_keyboard_returns_to_the_question_unanswered(config):
    app = build(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_keyboard(pilot)
        await Taps(pilot).type("ei")
        await tap_on(pilot, id="back")
        assert isinstance(app.screen, FreeTextScreen)
        assert "more" not in app.visit.answers


async def test_bigger_text_keeps_large_keys_and_the_typed_text(config):
    app = build(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_keyboard(pilot)
        await Taps(pilot).type("ok")
        await tap_on(pilot, id="menu")
        await tap_on(pilot, value="bigger-text")
        assert isinstance(app.screen, KeyboardScreen)
        assert typed_line(app) == "ok"
        keys = visible_targets(app)
        assert any(key.has_class("key-group") for key in keys)
        assert all(key.region.width >= 16 and key.region.height >= 5 for key in keys)
        await tap_on(pilot, label="a b c d e f g h")
        assert typed_line(app) == "ok"  # still in sight while a group is open
        await tap_on(pilot, id="close-group")
        taps = Taps(pilot)
        await taps.type("!")
        assert typed_line(app) == "ok!"


# -- item 8: speech reads each key ------------------------------------------------------------


class ListeningSpeaker(Speaker):
    """Speech as if espeak-ng were there: keeps what it is asked to say, and says nothing."""

    def __init__(self):
        super().__init__("espeak-ng")
        self.said: list[str] = []

    def say(self, text: str, language: str) -> None:
        self.said.append(text)


async def test_in_speech_mode_each_typed_key_and_each_delete_is_read(config):
    app = build(config)
    app.speaker = ListeningSpeaker()
    async with app.run_test(size=(50, 15)) as pilot:
        await to_keyboard(pilot)
        app.visit.speech = True
        app.restyle(redraw=False)
        said = app.speaker.said
        await Taps(pilot).type("ä")
        assert said[-1] == "ä"
        await Taps(pilot).type(" ")
        assert said[-1] == "Väli"
        await tap_on(pilot, id="layer")
        await Taps(pilot).type("?")
        assert said[-1] == "kysymysmerkki"  # espeak-ng would say nothing for "?"
        await tap_on(pilot, id=DELETE)
        assert app.speaker.said[-1] == "Pyyhitty: kysymysmerkki"
        await pilot.press("backspace", "backspace", "backspace")
        await settle(pilot)
        assert app.speaker.said[-3:] == ["Pyyhitty: Väli", "Pyyhitty: ä", "Ei pyyhittävää."]


async def test_in_speech_mode_the_keypad_reads_digits_and_its_number_digit_by_digit(config):
    app = build(config)
    app.speaker = ListeningSpeaker()
    async with app.run_test(size=(50, 15)) as pilot:
        await to_keypad(pilot)
        app.visit.speech = True
        app.restyle(redraw=False)
        await pilot.press("0", "4", "0")
        await settle(pilot)
        assert app.speaker.said[-3:] == ["0", "4", "0"]
        assert app.screen.speech_text().endswith("0 4 0")


# -- item 13: a physical keyboard -------------------------------------------------------------


async def test_a_physical_keyboard_types_for_a_client_alone_and_the_quit_keys_stay_dead(config, opened):
    app = build(config)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.visit.mode == SELF
        await to_keyboard(pilot)
        await pilot.press("h", "y", "v", "ä", "space", "x", "backspace", "j", "o")
        await pilot.press("ctrl+c", "ctrl+q", "ctrl+z", "ctrl+p")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, KeyboardScreen)
        assert typed_line(app) == "hyvä jo"
        await pilot.press("enter")  # nothing focused: Enter is Done
        await settle(pilot)
        assert isinstance(app.screen, ReplyScreen)
        await tap_on(pilot, id="no")
    [response] = opened(config)
    assert response["answers"]["more"] == "hyvä jo"


async def test_the_keypad_takes_a_physical_keyboards_digits_and_not_its_letters(config):
    app = build(config)
    async with app.run_test(size=(50, 15)) as pilot:
        await to_keypad(pilot)
        await pilot.press("0", "4", "x", "0", "plus")
        await settle(pilot)
        assert typed_line(app) == "040+"
        assert not app.visit.speech  # the + typed, not speech turned on

