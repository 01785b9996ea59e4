"""The whole client flow, driven as a client drives it: by taps, and by keys alone."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kiosk.guard import parse_phone
from screens.endings import IdleWarningScreen, ThanksScreen
from screens.keyboard import KeyboardScreen
from screens.question import ChoiceScreen, FreeTextScreen, PrivacyNoticeScreen
from screens.reply import ContactMethodScreen, PromiseScreen, ReplyScreen
from screens.welcome import LanguageScreen, WelcomeScreen
from tests.pilot import SIZES, assert_targets_big_enough, build, screen_text, settle, shown, tap_on, target
from tests.typing_pilot import Taps, assert_keys_fit


async def type_on_keyboard(pilot, text: str) -> None:
    """Type on the on-screen keyboard or keypad: each key, after the group or layer that holds it."""
    await Taps(pilot).type(text)
    assert_keys_fit(pilot.app)


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
        assert "Mikä meni hyvin?" in shown(app)
        await pilot.press("right", "right", "enter")  # nothing focused: the first arrow to the first topic, then the second
        await settle(pilot)
        assert isinstance(app.screen, FreeTextScreen)
        for _ in range(10):  # Tab past Write, Back and the help targets to Skip
            if app.focused is not None and app.focused.id == "skip":
                break
            await pilot.press("tab")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReplyScreen)
        for _ in range(3):  # No, thank you: the second answer
            if app.focused is not None and app.focused.id == "no":
                break
            await pilot.press("right")
        await pilot.press("enter")
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
        assert "Terveysaseman asiakaspalvelu" in text and "5 arkipäivän" in text and "040 123 4567" in text
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


async def reply_requested(pilot) -> None:
    """A visit that asks for a reply by phone, through to the thanks."""
    await tap_on(pilot, id="start")
    await tap_on(pilot, value=1)
    await tap_on(pilot, id="skip")
    await tap_on(pilot, id="skip")
    await tap_on(pilot, id="yes")
    await tap_on(pilot, value="phone")
    pilot.app.screen.dismiss(parse_phone("040 123 4567"))  # typed on the keypad (its own tests type it)
    await settle(pilot)
    await tap_on(pilot, id="confirm")
    assert isinstance(pilot.app.screen, ThanksScreen)


BLOCKS = set("█▀▄")


def large_letter_rows(app) -> list[str]:
    """The rows of the screen drawn in block signs (large letters)."""
    return [row.strip() for row in screen_text(app).splitlines() if row.strip() and set(row.strip()) <= BLOCKS | {" "}]


@pytest.mark.parametrize("theme", ["dark", "console"])
@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
async def test_the_reference_shows_in_large_letters_with_a_line_to_write_it_down(config, size, theme):
    app = build(replace(config, theme=theme))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await reply_requested(pilot)
        reference = app.screen.reference
        text = shown(app)
        assert f"Viitetunnuksesi: {reference[:3]} {reference[3:]}" in text
        assert "Kirjoita tunnus muistiin tai ota siitä kuva." in text
        rows = large_letter_rows(app)
        assert len(rows) >= 3 and min(len(row) for row in rows[:1]) >= 6 * 3  # six signs, three columns each
        if theme == "console":  # the Linux console's fonts have no half blocks
            assert not set("".join(rows)) & set("▀▄")
        assert_targets_big_enough(app)


async def test_with_a_reference_the_thanks_stay_until_the_idle_warning_runs_out_a_minute_at_least(config, clock):
    config = replace(config, idle_seconds=30, thanks_seconds=1)
    app = build(config, clock)
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        await reply_requested(pilot)
        await pilot.pause(config.thanks_seconds + 0.5)  # the thanks without a reference would be gone
        clock.advance(ThanksScreen.CODE_SECONDS - config.warning_seconds - 1)
        await pilot.pause(0.2)
        assert isinstance(app.screen, ThanksScreen) and large_letter_rows(app)
        clock.advance(2)
        await pilot.pause(0.2)
        assert isinstance(app.screen, IdleWarningScreen)  # the usual warning, over the thanks
        await tap_on(pilot, id="continue")
        assert isinstance(app.screen, ThanksScreen) and large_letter_rows(app)
        clock.advance(ThanksScreen.CODE_SECONDS + 1)
        await pilot.pause(0.2)
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        assert len(app.screen_stack) == 2


async def test_done_on_the_thanks_with_a_reference_gives_the_next_person_a_fresh_welcome(config):
    app = build(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await reply_requested(pilot)
        await tap_on(pilot, id="close")
        assert isinstance(app.screen, WelcomeScreen)
        assert not large_letter_rows(app)


async def test_the_on_screen_keyboard_works_by_arrow_keys_and_enter(config, opened):
    app = build(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await tap_on(pilot, id="start")
        await tap_on(pilot, value=5)
        await tap_on(pilot, id="skip")
        for _ in range(10):
            if app.focused is not None and app.focused.id == "write":
                break
            await pilot.press("tab")
        await pilot.press("enter")  # Write
        await settle(pilot)
        assert isinstance(app.screen, KeyboardScreen)
        await pilot.press("right", "enter")  # the first arrow focuses the first key: q
        await pilot.press("right", "enter")  # w
        await pilot.press("down", "enter")  # below w: s
        await settle(pilot)
        assert "qws▏" in shown(app)
        await pilot.press("backspace")
        await settle(pilot)
        assert "qw▏" in shown(app)
        app.screen.query_one("#done").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReplyScreen)
        await tap_on(pilot, id="no")
    [response] = opened(config)
    assert response["answers"]["more"] == "qw"


async def test_dragging_across_the_screen_selects_no_text(config):
    app = build(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.mouse_down(offset=(1, 2))
        await pilot.hover(offset=(60, 3))
        await pilot.mouse_up(offset=(60, 3))
        await settle(pilot)
        assert app.screen.get_selected_text() is None
