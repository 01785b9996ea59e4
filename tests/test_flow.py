"""The whole client flow, driven as a client drives it: by taps, and by keys alone."""

from __future__ import annotations

from dataclasses import replace

import pytest

from screens.endings import ThanksScreen
from screens.keyboard import KeyboardScreen
from screens.question import ChoiceScreen, FreeTextScreen, PrivacyNoticeScreen
from screens.reply import ContactMethodScreen, PromiseScreen, ReplyScreen
from screens.welcome import LanguageScreen, WelcomeScreen
from tests.pilot import SIZES, assert_targets_big_enough, build, settle, shown, tap, tap_on, target


async def type_on_keyboard(pilot, text: str) -> None:
    """Type on the on-screen keyboard: open the group holding each key, then tap the key."""
    app = pilot.app
    for char in text:
        while True:
            keys = [t for t in app.screen.query("Target") if t.display and t.value == char]
            if keys:
                await tap(pilot, keys[0])
                break
            groups = [t for t in app.screen.query("Target.key-group")
                      if t.display and char in t.value.keys()]
            assert groups, f"no key or group for {char!r} on the keyboard"
            await tap(pilot, groups[0])
    assert_targets_big_enough(app)


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
async def test_a_whole_visit_by_taps_is_sealed_into_the_outbox(config, opened, size):
    app = build(config)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        assert_targets_big_enough(app)
        await tap_on(pilot, id="start")

        assert isinstance(app.screen, ChoiceScreen)
        assert "1 / 4" in shown(app)
        assert_targets_big_enough(app)
        await tap_on(pilot, value=2)  # "Huono": the bad branch

        assert "Muut kuulivat asiani" in shown(app)
        assert "2 / 4" in shown(app)
        assert_targets_big_enough(app)
        await tap_on(pilot, value="privacy")

        assert isinstance(app.screen, FreeTextScreen)
        assert_targets_big_enough(app)
        await tap_on(pilot, id="write")
        assert isinstance(app.screen, KeyboardScreen)
        await type_on_keyboard(pilot, "jono oli pitkä")
        await tap_on(pilot, id="done")

        assert isinstance(app.screen, ReplyScreen)
        assert "4 / 4" in shown(app)
        await tap_on(pilot, id="no")

        assert isinstance(app.screen, ThanksScreen)
        assert_targets_big_enough(app)
        assert "Kiitos palautteestasi!" in shown(app)

    [response] = opened(config)
    assert response["answers"] == {"visit": 2, "went_badly": "privacy", "more": "jono oli pitkä"}
    assert response["language"] == "fi"
    assert response["flags"] == {"partial": False, "misuse": False, "synthetic": False}
    assert response["reply"] is None


async def test_a_whole_visit_by_keyboard_alone(config, opened):
    """Tab and arrows move, Enter chooses, digits choose a face."""
    app = build(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # "Give feedback" has the focus
        await settle(pilot)
        await pilot.press("5")  # the fifth face: very good
        await settle(pilot)
        assert "Mikä oli sinulle tärkeintä?" in shown(app)
        await pilot.press("right", "enter")  # the second topic
        await settle(pilot)
        assert isinstance(app.screen, FreeTextScreen)
        for _ in range(10):  # Tab past Write, Back and the help targets to Skip
            if app.focused.id == "skip":
                break
            await pilot.press("tab")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReplyScreen)
        await pilot.press("right", "enter")  # No, thank you
        await settle(pilot)
        assert isinstance(app.screen, ThanksScreen)
    [response] = opened(config)
    assert response["answers"] == {"visit": 5, "went_well": "information"}


async def test_back_returns_to_the_previous_question_with_its_answer_marked(config):
    app = build(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await tap_on(pilot, id="start")
        await tap_on(pilot, value=4)
        await tap_on(pilot, id="back")
        assert isinstance(app.screen, ChoiceScreen)
        assert target(app, value=4).has_class("-selected")
        assert "✓" in target(app, value=4).border_title
        await tap_on(pilot, id="back")
        assert isinstance(app.screen, WelcomeScreen)


async def test_changing_the_headline_answer_switches_the_topics(config, opened):
    app = build(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await tap_on(pilot, id="start")
        await tap_on(pilot, value=5)
        await tap_on(pilot, value="listened")
        await tap_on(pilot, id="back")
        await tap_on(pilot, id="back")
        await tap_on(pilot, value=1)
        assert "Pitkä odotusaika" in shown(app)
        await tap_on(pilot, id="skip")
        await tap_on(pilot, id="skip")
        await tap_on(pilot, id="no")
    [response] = opened(config)
    assert response["answers"] == {"visit": 1}


async def test_language_can_be_switched_on_a_question_without_losing_answers(config, opened):
    app = build(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await tap_on(pilot, id="start")
        await tap_on(pilot, value=3)
        await tap_on(pilot, id="back")
        await tap_on(pilot, id="language")
        assert isinstance(app.screen, LanguageScreen)
        assert_targets_big_enough(app)
        await tap_on(pilot, label="Lättläst svenska")
        assert isinstance(app.screen, ChoiceScreen)
        text = shown(app)
        assert "Hur gick besöket i dag?" in text and "Mittemellan" in text
        assert target(app, value=3).has_class("-selected")
        await tap_on(pilot, value=3)
        await tap_on(pilot, value="waiting")
        await tap_on(pilot, id="skip")
        await tap_on(pilot, id="no")
        assert "Tack för att du svarade!" in shown(app)
    [response] = opened(config)
    assert response["language"] == "sv-x-lattlast"
    assert response["answers"] == {"visit": 3, "went_badly": "waiting"}


async def test_each_language_is_named_in_its_own_language_on_the_first_screen(config):
    app = build(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = shown(app)
        for name in ("Suomi", "Svenska", "English", "Selkosuomi", "Lättläst"):
            assert name in text
        await tap_on(pilot, value="en")
        assert "Tell us about your visit" in shown(app)
        assert target(app, value="en").has_class("-selected")


async def test_free_text_with_personal_data_is_explained_then_removed_before_sealing(config, opened):
    app = build(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await tap_on(pilot, id="start")
        await tap_on(pilot, value=5)
        await tap_on(pilot, id="skip")
        await tap_on(pilot, id="write")
        await type_on_keyboard(pilot, "soita 0401234567 tai 010101a123n")
        await tap_on(pilot, id="done")
        assert isinstance(app.screen, PrivacyNoticeScreen)
        text = shown(app)
        assert "puhelinnumero" in text and "henkilötunnus" in text
        assert_targets_big_enough(app)
        await tap_on(pilot, id="continue")
        assert isinstance(app.screen, ReplyScreen)
        await tap_on(pilot, id="no")
    [response] = opened(config)
    assert response["answers"]["more"] == "soita [PHONE] tai [HETU]"


async def test_a_reply_request_is_sealed_apart_and_its_reference_shown(config, opened):
    app = build(config)
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        await tap_on(pilot, id="start")
        await tap_on(pilot, value=1)
        await tap_on(pilot, id="skip")
        await tap_on(pilot, id="skip")
        await tap_on(pilot, id="yes")
        assert isinstance(app.screen, ContactMethodScreen)
        await tap_on(pilot, value="phone")
        await type_on_keyboard(pilot, "040123")
        await tap_on(pilot, id="done")
        assert "liian lyhyt" in shown(app)  # validated: the client stays to correct it
        await type_on_keyboard(pilot, "4567")
        await tap_on(pilot, id="done")
        assert isinstance(app.screen, PromiseScreen)
        text = shown(app)
        assert "Terveysaseman asiakaspalvelu" in text and "5 arkipäivän" in text and "+358401234567" in text
        await tap_on(pilot, id="confirm")
        assert isinstance(app.screen, ThanksScreen)
        thanks = shown(app)
    response, reply = opened(config)
    assert response["type"] == "response" and reply["type"] == "reply_request"
    assert "contact" not in response and "+358401234567" not in str(response)
    assert reply["contact"] == {"kind": "phone", "value": "+358401234567"}
    assert reply["reference"] == response["reply"]
    reference = reply["reference"]
    assert f"{reference[:3]} {reference[3:]}" in thanks
    assert "answers" not in reply


async def test_thanks_returns_to_a_fresh_welcome_by_itself(config):
    config = replace(config, thanks_seconds=1)
    app = build(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await tap_on(pilot, value="sv")
        await tap_on(pilot, id="start")
        await tap_on(pilot, value=4)
        await tap_on(pilot, id="skip")
        await tap_on(pilot, id="skip")
        await tap_on(pilot, id="no")
        assert isinstance(app.screen, ThanksScreen)
        await pilot.pause(config.thanks_seconds + 0.5)
        assert isinstance(app.screen, WelcomeScreen)
        assert "Kerro meille käynnistäsi" in shown(app)  # back in the default language
        assert len(app.screen_stack) == 2


async def test_the_on_screen_keyboard_works_by_arrow_keys_and_enter(config, opened):
    app = build(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await tap_on(pilot, id="start")
        await tap_on(pilot, value=5)
        await tap_on(pilot, id="skip")
        await pilot.press("enter")  # Write
        await settle(pilot)
        assert isinstance(app.screen, KeyboardScreen)
        await pilot.press("enter")  # the first group: a b c d ...
        await settle(pilot)
        await pilot.press("right", "enter")  # its second letter
        await settle(pilot)
        assert "b▏" in shown(app)
        await pilot.press("backspace")
        await settle(pilot)
        assert "b▏" not in shown(app)
        await pilot.press("enter", "enter")  # the first group again, its first letter
        await settle(pilot)
        app.screen.query_one("#done").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReplyScreen)
        await tap_on(pilot, id="no")
    [response] = opened(config)
    assert response["answers"]["more"] == "a"


async def test_dragging_across_the_screen_selects_no_text(config):
    app = build(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.mouse_down(offset=(1, 2))
        await pilot.hover(offset=(60, 3))
        await pilot.mouse_up(offset=(60, 3))
        await settle(pilot)
        assert app.screen.get_selected_text() is None
