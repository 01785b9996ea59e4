"""The welcome loop: while nobody uses the kiosk, the invitation takes turns with the provider's
"you said, we did" messages, in the language chosen and its easy-language version."""

from __future__ import annotations

from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.announcements import Announcement, Figure, parse_announcements
from kiosk.config import SyncConfig
from kiosk.survey import default_survey_path
from screens.question import ChoiceScreen
from screens.welcome import WelcomeScreen
from sync.wire.bundle import make_bundle, public_pem, sign
from tests.pilot import assert_targets_big_enough, build, screen_text, settle, shown, tap_on, visible_targets
from tests.staff_pilot import finger_tap

BENCHES = Announcement(
    "benches", {"fi": "Toitte esiin odotustilan penkit: lisäsimme niitä.", "fi-x-selko": "Nyt on enemmän penkkejä.",
                "sv": "Ni nämnde bänkarna: vi har fler nu.", "sv-x-lattlast": "Nu finns det fler bänkar."},
    (Figure({"fi": "Odotti alle 15 min", "sv": "Väntade under 15 min"}, "82 %", responses=5),
     Figure({"fi": "Yöpäivystys tyytyväisiä", "sv": "Nattjouren nöjda"}, "100 %", responses=4)))
SIGNS = Announcement("signs", {"fi": "Uudet opasteet aulassa.", "fi-x-selko": "Aulassa on uudet kyltit."})
# A bundle's words that would act on the terminal (set its title, erase the screen, colour the
# text) or reorder and hide letters (a right-to-left override, a zero-width space, an isolate).
HOSTILE = {"id": "hostile",
           "texts": {"fi": "\x1b]0;pwned\x07\x1b[2JLisäsimme\u200b penkkejä.\u202e",
                     "fi-x-selko": "\x9b31mNyt on \u2066enemmän\u2069 penkkejä."},
           "figures": [{"label": {"fi": "\x1b[1mOdotti\u200d alle 15 min"}, "value": "82 %\x1b]2;x\x1b\\",
                        "responses": 9}]}


@pytest.fixture
def quiet_config(config):
    """A rotation slower than any test (but within the idle time, which would reset the language):
    each turn is taken by calling `next_slide()`."""
    return replace(config, welcome_rotation_seconds=30)


async def next_turn(pilot, clock) -> None:
    """The rotation's time passes with nobody touching the screen."""
    clock.advance(pilot.app.config.welcome_rotation_seconds)
    pilot.app.screen.next_slide()
    await settle(pilot)


def language_targets(app) -> list:
    return [target for target in visible_targets(app) if target.has_class("language")]


async def test_the_invitation_and_each_message_take_turns(quiet_config, clock):
    app = build(quiet_config, clock)
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        app.station.announcements = [BENCHES, SIGNS]
        await next_turn(pilot, clock)
        text = shown(app)
        assert "Palautteenne perusteella" in text
        assert "lisäsimme niitä" in text and "Nyt on enemmän penkkejä" in text  # Finnish, and selkosuomi
        assert not language_targets(app)  # the message gets the room
        assert_targets_big_enough(app)
        await next_turn(pilot, clock)
        assert "Uudet opasteet aulassa" in shown(app) and "penkkejä" not in shown(app)
        await next_turn(pilot, clock)
        assert "Kerro meille käynnistäsi" in shown(app)
        assert len(language_targets(app)) == 5
        await next_turn(pilot, clock)
        assert "penkkejä" in shown(app)


async def test_the_messages_follow_the_language_chosen(quiet_config, clock):
    app = build(quiet_config, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.station.announcements = [BENCHES]
        await tap_on(pilot, value="sv")
        await next_turn(pilot, clock)
        text = shown(app)
        assert "vi har fler nu" in text and "Nu finns det fler bänkar" in text
        assert "penkkejä" not in text


async def test_a_figure_on_fewer_than_five_responses_is_never_shown(quiet_config, clock):
    app = build(quiet_config, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.station.announcements = [BENCHES]
        await next_turn(pilot, clock)
        assert "Odotti alle 15 min: 82 %" in shown(app)  # five responses
        assert "Yöpäivystys" not in shown(app) and "100 %" not in shown(app)  # four


def test_figures_and_messages_without_the_language_are_left_out():
    assert SIGNS.lines("en") == []
    assert BENCHES.lines("fi-x-selko") == ["Nyt on enemmän penkkejä."]  # the figure has no selkosuomi label
    [kept] = parse_announcements([{"id": "a", "texts": {"fi": "Hei"}, "figures": [{"label": {"fi": "x"}}]},
                                  {"id": "b", "texts": {"fi": "Moi"}, "figures": [{"label": {"fi": "y"},
                                                                                   "value": 90, "responses": "7"}]}])
    assert kept.lines("fi") == ["Moi", "y: 90"]


def test_escape_sequences_and_hidden_characters_in_a_bundle_are_cleaned_as_free_text_is():
    [announcement] = parse_announcements([HOSTILE])
    assert announcement.lines("fi") == ["Lisäsimme penkkejä.", "Nyt on enemmän penkkejä.", "Odotti alle 15 min: 82 %"]


async def test_a_bundles_messages_reach_the_screen_cleaned(quiet_config, clock):
    app = build(quiet_config, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.station.announcements = parse_announcements([HOSTILE])
        await next_turn(pilot, clock)
        text = screen_text(app)
        assert "Lisäsimme penkkejä" in text and "Odotti alle 15 min: 82 %" in text
        assert not [char for char in text if char in "\x1b\x9b\x07\u200b\u200d\u202e\u2066\u2069"]
        assert "pwned" not in text


async def test_a_tap_on_a_message_brings_back_the_invitation(quiet_config, clock):
    app = build(quiet_config, clock)
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        app.station.announcements = [BENCHES]
        await next_turn(pilot, clock)
        assert "penkkejä" in shown(app)
        await finger_tap(pilot, 20, 1)  # on the message
        assert "Kerro meille käynnistäsi" in shown(app) and len(language_targets(app)) == 5


async def test_a_tap_on_start_during_a_message_starts(quiet_config, clock):
    app = build(quiet_config, clock)
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        app.station.announcements = [BENCHES]
        await next_turn(pilot, clock)
        await tap_on(pilot, id="start")
        assert isinstance(app.screen, ChoiceScreen)


async def test_no_turn_while_someone_is_using_the_screen(quiet_config, clock):
    app = build(quiet_config, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.station.announcements = [BENCHES]
        clock.advance(quiet_config.welcome_rotation_seconds - 1)
        await finger_tap(pilot, 40, 1)  # a touch: the rotation's time starts again
        clock.advance(quiet_config.welcome_rotation_seconds - 1)
        app.screen.next_slide()
        await settle(pilot)
        assert "Kerro meille käynnistäsi" in shown(app)
        await next_turn(pilot, clock)
        assert "penkkejä" in shown(app)


async def test_without_messages_the_invitation_stays(config, clock):
    app = build(replace(config, welcome_rotation_seconds=0.05), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        clock.advance(60)
        await pilot.pause(0.3)
        assert "Kerro meille käynnistäsi" in shown(app) and len(language_targets(app)) == 5


async def test_the_loop_turns_by_itself(config, clock):
    app = build(replace(config, welcome_rotation_seconds=0.1), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.station.announcements = [BENCHES]
        clock.advance(1)
        seen = set()
        for _ in range(8):
            await pilot.pause(0.1)
            seen.add("penkkejä" in shown(app))
        assert seen == {True, False}  # both the message and the invitation came round


async def test_messages_from_a_signed_bundle_show_from_the_next_welcome(config, clock, provider_keys):
    from kiosk.keyfiles import load_public_key

    signing_key = Ed25519PrivateKey.generate()
    sync = SyncConfig(server="http://127.0.0.1:9", token="t", allow_insecure_http=True,
                      signing_key=public_pem(signing_key.public_key()).encode(), retry_min_seconds=60)
    app = build(replace(config, sync=sync, welcome_rotation_seconds=30), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        survey = {"id": "visit-feedback", "version": 1, "toml": default_survey_path().read_text()}
        raw = make_bundle(2, surveys=[survey], keys=[{"kid": load_public_key(provider_keys[1]).kid,
                                                      "pem": provider_keys[1].read_text()}],
                          announcements=[{"id": "signs", "texts": SIGNS.texts}])
        app.station.bundles.accept(raw, sign(raw, signing_key))
        app.show_welcome()  # between two visits: the bundle is taken
        await settle(pilot)
        await next_turn(pilot, clock)
        assert isinstance(app.screen, WelcomeScreen)
        assert "Uudet opasteet aulassa" in shown(app) and "Aulassa on uudet kyltit" in shown(app)
