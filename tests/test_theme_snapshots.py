"""A picture of a few representative screens in each theme but the default (tests/test_snapshots.py
pictures every screen in "dark"), at 80x24 and 50x15 (the 800x480 panel): the welcome with its
chosen language and focused Start, the faces with one chosen, the keyboard with a letter typed,
and the thanks.

Review a changed picture with `pytest tests/test_theme_snapshots.py --snapshot-report`, and accept
it with `--snapshot-update`.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.pilot import build, tap, tap_on, visible_targets
from tests.test_snapshots import SIZES, at_welcome, to_keyboard, to_thanks, to_topics

THEMES = ["light", "high-contrast", "console"]


async def to_faces_with_one_chosen(pilot):
    await to_topics(pilot)
    await tap_on(pilot, id="back")


async def to_keyboard_with_a_letter(pilot):
    await to_keyboard(pilot)
    if not any(target.value == "a" for target in visible_targets(pilot.app)):  # letters in groups
        await tap(pilot, next(target for target in visible_targets(pilot.app) if target.has_class("key-group")))
    await tap_on(pilot, value="a")


SCREENS = {
    "welcome": at_welcome,
    "faces": to_faces_with_one_chosen,
    "keyboard": to_keyboard_with_a_letter,
    "thanks": to_thanks,
}


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("theme", THEMES)
def test_screen_in_theme(snap_compare, config, clock, monkeypatch, theme, screen, size):
    monkeypatch.setattr("kiosk.visit.new_reference", lambda: "K7M4QX")
    app = build(replace(config, theme=theme), clock)
    assert snap_compare(app, terminal_size=size, run_before=SCREENS[screen])
