"""Pictures of bigger text and of speech mode at 80x24 and 50x15 (themes: test_theme_snapshots.py)."""

from __future__ import annotations

import pytest

from kiosk.speech import Speaker
from tests.pilot import build, settle, tap_on
from tests.test_first_focus import Heard

SIZES = [(80, 24), (50, 15)]


async def bigger_text_faces(pilot):
    pilot.app.visit.bigger_text = True
    await tap_on(pilot, id="start")


async def bigger_text_thanks(pilot):
    pilot.app.visit.bigger_text = True
    await tap_on(pilot, id="start")
    await tap_on(pilot, value=5)
    await tap_on(pilot, id="skip")
    await tap_on(pilot, id="skip")
    await tap_on(pilot, id="no")


async def bigger_text_no_room(pilot):
    """Asked for at the welcome, where not all of it fits (80x24) or none (50x15)."""
    pilot.app.speaker = Heard()  # speech offered, and never heard
    pilot.app.toggle_bigger_text()
    await settle(pilot)


async def speech_mode_on_a_choice(pilot):
    """In speech mode the arrow keys move the focus (and speech says where it is)."""
    pilot.app.speaker = Speaker(None)  # no sound in a picture test
    pilot.app.visit.speech = True
    await tap_on(pilot, id="start")
    await pilot.press("right", "right", "down")
    await settle(pilot)


SCREENS = {"bigger_text_faces": bigger_text_faces, "bigger_text_thanks": bigger_text_thanks,
           "bigger_text_no_room": bigger_text_no_room, "speech_mode": speech_mode_on_a_choice}


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("screen", SCREENS)
def test_screen(snap_compare, config, clock, screen, size):
    assert snap_compare(build(config, clock), terminal_size=size, run_before=SCREENS[screen])
