""""What happens to my feedback?": a tap away on every client screen, in the provider's words
where the config gives them, a page at a time where the screen is small."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kiosk.config import AboutTexts, load_config
from kiosk.guard import parse_phone
from kiosk.languages import CODES
from screens.about import AboutScreen
from screens.endings import IdleWarningScreen
from screens.welcome import WelcomeScreen
from tests.pilot import SIZES, assert_targets_big_enough, build, settle, shown, tap_on, visible_targets
from tests.staff_pilot import open_panel, with_pin

ABOUT_TITLE = "Mitä palautteellesi tapahtuu?"
GENERAL = ["Palautteesi on nimetön", "Yksikön esihenkilöt lukevat", "ei ole virallinen muistutus",
           "kirjallisen muistutuksen", "Potilasasiavastaava ja sosiaaliasiavastaava", "puhu heti henkilökunnalle"]


async def open_about(pilot) -> None:
    """Its own target, or the Menu that holds it where a screen has no room."""
    ids = {target.id for target in visible_targets(pilot.app)}
    if "about" in ids:
        await tap_on(pilot, id="about")
    else:
        assert "menu" in ids, f"neither 'about' nor 'menu' on {pilot.app.screen!r}"
        await tap_on(pilot, id="menu")
        assert_targets_big_enough(pilot.app)
        await tap_on(pilot, value="about")
    assert isinstance(pilot.app.screen, AboutScreen)
    assert_targets_big_enough(pilot.app)


async def about_and_back(pilot) -> None:
    """Open it, and Back returns to the same screen, as it was."""
    before_screen, before = pilot.app.screen, shown(pilot.app)
    await open_about(pilot)
    await tap_on(pilot, id="back")
    assert pilot.app.screen is before_screen and shown(pilot.app) == before


def offers_about(app) -> None:
    """An "about" target, or the Menu (which holds it on every screen: `about_and_back`)."""
    ids = {target.id for target in visible_targets(app)}
    assert "about" in ids or "menu" in ids, f"no way to 'about' on {app.screen!r}"


async def every_page(pilot) -> str:
    """The words of each page of the about screen, one after the other."""
    pages = [shown(pilot.app)]
    while any(target.id == "next-page" for target in visible_targets(pilot.app)):
        await tap_on(pilot, id="next-page")
        assert_targets_big_enough(pilot.app)
        if shown(pilot.app) == pages[0]:
            break
        pages.append(shown(pilot.app))
    return " ".join(pages)


async def test_it_is_reachable_from_every_client_screen(config):
    """On the kiosk's 50x15 panel, where most screens hold it in their Menu; on larger screens
    it has its own target (the other tests here)."""
    app = build(replace(with_pin(config), min_interval=0))
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        await about_and_back(pilot)  # welcome
        await tap_on(pilot, id="start")
        await about_and_back(pilot)  # the faces
        await tap_on(pilot, value=2)
        offers_about(app)  # the topics
        await tap_on(pilot, value="waiting")
        offers_about(app)  # free text
        app.screen._typed("soita 0401234567")  # as if typed: the privacy notice
        await settle(pilot)
        offers_about(app)
        await tap_on(pilot, id="continue")
        offers_about(app)  # the reply question
        await tap_on(pilot, id="yes")
        offers_about(app)  # phone or e-mail
        app.screen._typed(parse_phone("040 1234567"))  # as if typed on its keyboard
        await settle(pilot)
        offers_about(app)  # the promise
        await tap_on(pilot, id="confirm")
        await about_and_back(pilot)  # thanks
        await tap_on(pilot, id="close")
        await open_panel(pilot)
        await tap_on(pilot, value="assisted")
        await tap_on(pilot, value="interpreter")
        await about_and_back(pilot)  # the hand-over


async def test_the_general_wording_without_the_providers_texts(config):
    app = build(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await open_about(pilot)
        text = shown(app)
        assert ABOUT_TITLE in text
        for words in GENERAL:
            assert words in text


async def test_the_providers_texts_from_the_config(write_config):
    def texts(words: str) -> str:
        return "\n".join(f'{name}.{code} = "{words} ({code})"' for code in CODES
                         for name in ("who_reads", "complaints", "ombudsman"))

    path = write_config(f"[about]\n{texts('Osastonhoitaja')}")
    config = load_config(path)
    assert config.about.who_reads["fi"] == "Osastonhoitaja (fi)"
    app = build(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await tap_on(pilot, value="sv")
        await open_about(pilot)
        text = shown(app)
        assert text.count("Osastonhoitaja (sv)") == 3
        assert "Din respons är anonym" in text and "tala genast med personalen" in text  # the kiosk's own
        assert "ingen formell anmärkning" in text  # "not a formal complaint" stays, before the provider's words
        assert "Enhetens chefer" not in text


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
async def test_long_texts_come_a_page_at_a_time(config, size):
    long = "Palautteet luetaan joka viikko osastotunnilla, ja niistä kootaan yhteenveto johdolle. " * 2
    about = AboutTexts(who_reads={code: long for code in CODES}, complaints={code: long for code in CODES},
                       ombudsman={code: "Potilasasiavastaava Maija Meikäläinen, puh. 09 123 4567" for code in CODES})
    app = build(replace(config, about=about))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await open_about(pilot)
        text = await every_page(pilot)
        for words in ("Palautteesi on nimetön", "osastotunnilla", "Maija Meikäläinen", "puhu heti henkilökunnalle"):
            assert words in text, f"{words!r} is on no page at {size}"
        if size == (50, 15):
            assert any(target.id == "next-page" for target in visible_targets(app))


async def test_left_open_at_the_welcome_it_gives_way_to_the_next_person(config, clock):
    app = build(config, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_about(pilot)
        clock.advance(config.idle_seconds - config.warning_seconds + 1)
        await pilot.pause(0.2)
        await settle(pilot)
        assert isinstance(app.screen, IdleWarningScreen)  # "are you still there?", as on any client screen
        clock.advance(config.warning_seconds)
        await pilot.pause(0.2)
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen) and len(app.screen_stack) == 2
