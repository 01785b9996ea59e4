"""A picture of every client screen at 80x24 and 50x15 (the 800x480 panel), in Finnish and selkosuomi.

Review a changed picture with `pytest tests/test_snapshots.py --snapshot-report`, and accept it
with `--snapshot-update`.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.pilot import build, settle, tap, tap_on, visible_targets

SIZES = [(80, 24), (50, 15)]
LANGUAGES = ["fi", "fi-x-selko"]


async def to_faces(pilot):
    await tap_on(pilot, id="start")


async def to_topics(pilot):
    await to_faces(pilot)
    await tap_on(pilot, value=2)


async def to_free_text(pilot):
    await to_topics(pilot)
    await tap_on(pilot, value="waiting")


async def to_keyboard(pilot):
    await to_free_text(pilot)
    await tap_on(pilot, id="write")


async def to_keyboard_digits(pilot):
    await to_keyboard(pilot)
    await tap_on(pilot, id="layer")


async def to_privacy_notice(pilot):
    await to_free_text(pilot)
    screen = pilot.app.screen
    screen._typed("soita 0401234567")  # as if typed: the keyboard's own path is in test_flow
    await settle(pilot)


async def to_reply(pilot):
    await to_free_text(pilot)
    await tap_on(pilot, id="skip")


async def to_contact_method(pilot):
    await to_reply(pilot)
    await tap_on(pilot, id="yes")


async def to_keypad(pilot):
    await to_contact_method(pilot)
    await tap_on(pilot, value="phone")


async def to_number_check(pilot):
    await to_keypad(pilot)
    await pilot.press(*"00401234567", "enter")  # one 0 too many: +40, Romania
    await settle(pilot)


async def to_promise(pilot):
    await to_contact_method(pilot)
    from kiosk.guard import parse_phone

    pilot.app.screen._typed(parse_phone("040 1234567"))
    await settle(pilot)


async def to_thanks(pilot):
    await to_promise(pilot)
    await tap_on(pilot, id="confirm")


async def to_idle_warning(pilot):
    await to_topics(pilot)
    pilot.app.clock.advance(45)
    await pilot.pause(0.2)
    await settle(pilot)


async def to_language_chooser(pilot):
    await to_faces(pilot)
    if any(target.id == "menu" for target in visible_targets(pilot.app)):  # the 50x15 screen
        await tap_on(pilot, id="menu")
        await tap_on(pilot, value="language")
    else:
        await tap_on(pilot, id="language")


async def at_welcome(pilot):
    await settle(pilot)


SCREENS = {
    "welcome": at_welcome,
    "faces": to_faces,
    "topics": to_topics,
    "free_text": to_free_text,
    "keyboard": to_keyboard,
    "keyboard_digits": to_keyboard_digits,
    "privacy_notice": to_privacy_notice,
    "reply": to_reply,
    "contact_method": to_contact_method,
    "keypad": to_keypad,
    "number_check": to_number_check,
    "promise": to_promise,
    "thanks": to_thanks,
    "idle_warning": to_idle_warning,
    "language": to_language_chooser,
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("screen", SCREENS)
def test_screen(snap_compare, config, clock, monkeypatch, screen, size, language):
    monkeypatch.setattr("kiosk.visit.new_reference", lambda: "K7M4QX")
    app = build(replace(config, default_language=language), clock)
    assert snap_compare(app, terminal_size=size, run_before=SCREENS[screen])
