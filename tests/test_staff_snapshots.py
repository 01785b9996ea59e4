"""A picture of each staff-side screen at 80x24 and 50x15 (the 800x480 panel), in Finnish: the PIN
pad, the staff panel, its details and actions, a restart's "are you sure?", the choice of look, assisted
feedback, the hand-over and the helped client's last question, the resting screens, "what happens to my
feedback?", the menu, and a "you said, we did" message on the welcome loop.

Review a changed picture with `pytest tests/test_staff_snapshots.py --snapshot-report`, and accept
it with `--snapshot-update`. What differs between runs and machines is held still: the panel's
disk, key, clock and uptime, the PIN lock-out's wall clock, and whether speech is installed.
"""

from __future__ import annotations

import functools
import shutil
from dataclasses import replace
from datetime import datetime, time

import pytest

import screens.staff
import screens.staff_controls
from kiosk.announcements import Announcement, Figure
from kiosk.hours import OpeningHours
from kiosk.pin import PinGuard
from tests.pilot import build, settle, tap_on
from tests.staff_pilot import WRONG_PIN, open_panel, type_pin, with_pin

SIZES = [(80, 24), (50, 15)]
STEADY = {"disk_free": "12.3 GiB", "clock": "yes", "uptime": "2 h 05 min", "software": "1.0.0",
          "key": "3f2a 9c41 77d0 e5b8 0a16 c2f9 4d3e 8b71 05ac 9e62 d4f0 1b87 6c3a 2e95 f018 7da4"}
BENCHES = Announcement(
    "benches", {"fi": "Toitte esiin odotustilan penkit: lisäsimme niitä.", "fi-x-selko": "Nyt on enemmän penkkejä."},
    (Figure({"fi": "Odotti alle 15 min"}, "82 %", responses=37), Figure({"fi": "Yöpäivystys"}, "100 %", responses=3)))


def steady(real_status_lines):
    """The panel's figures, with those that differ between machines and runs held still."""

    def status_lines(station, **options):
        return [replace(line, value=STEADY[line.key], trouble=False) if line.key in STEADY else line
                for line in real_status_lines(station, **options)]

    return status_lines


async def to_pin(pilot):
    await pilot.press("f12")
    await settle(pilot)


async def to_pin_digits(pilot):
    await to_pin(pilot)
    await pilot.press("2", "4", "6")
    await settle(pilot)


async def to_pin_locked(pilot):
    await to_pin(pilot)
    for _ in range(4):  # typing them is in test_staff
        pilot.app.station.staff.pin_guard.try_pin(WRONG_PIN)
    await type_pin(pilot, WRONG_PIN)


async def to_panel(pilot):
    await open_panel(pilot)


async def to_actions(pilot):
    await open_panel(pilot)
    await tap_on(pilot, value="actions")
    await tap_on(pilot, value="test")  # its result in words: this kiosk is not enrolled


async def to_details(pilot):
    await open_panel(pilot)
    await tap_on(pilot, value="details")


async def to_confirm_restart(pilot):
    await open_panel(pilot)
    await tap_on(pilot, value="actions")
    await tap_on(pilot, value="restart")


async def to_themes(pilot):
    await open_panel(pilot)
    await tap_on(pilot, value="actions")
    await tap_on(pilot, value="theme")


async def to_modes(pilot):
    await open_panel(pilot)
    await tap_on(pilot, value="assisted")


async def to_handover(pilot):
    await to_modes(pilot)
    await tap_on(pilot, value="interpreter")


async def to_own_view(pilot):
    await to_handover(pilot)
    await tap_on(pilot, id="start")
    await tap_on(pilot, value=4)
    await tap_on(pilot, id="skip")
    await tap_on(pilot, id="skip")
    await tap_on(pilot, id="no")  # no reply: the own-view question comes last


async def to_paused(pilot):
    await open_panel(pilot)
    await tap_on(pilot, value="actions")
    await tap_on(pilot, value="pause")
    await tap_on(pilot, id="back")
    await tap_on(pilot, id="close")


async def to_closed(pilot):
    now = datetime.now()
    pilot.app.config = replace(pilot.app.config, hours=OpeningHours({(now.weekday() + 1) % 7: (time(8), time(16))},
                                                                    always_open=False))
    pilot.app.show_welcome()
    await settle(pilot)


async def to_about(pilot):
    pilot.app.show_about()
    await settle(pilot)


async def to_menu(pilot):
    await tap_on(pilot, id="start")
    pilot.app.open_menu()  # a screen that has no room for its help targets shows this
    await settle(pilot)


async def to_welcome_message(pilot):
    pilot.app.station.announcements = [BENCHES]
    pilot.app.clock.advance(pilot.app.config.welcome_rotation_seconds)
    pilot.app.screen.next_slide()
    await settle(pilot)


SCREENS = {
    "pin": to_pin,
    "pin_digits": to_pin_digits,
    "pin_locked": to_pin_locked,
    "panel": to_panel,
    "details": to_details,
    "actions": to_actions,
    "confirm_restart": to_confirm_restart,
    "themes": to_themes,
    "modes": to_modes,
    "handover": to_handover,
    "own_view": to_own_view,
    "paused": to_paused,
    "closed": to_closed,
    "about": to_about,
    "menu": to_menu,
    "welcome_message": to_welcome_message,
}


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("screen", SCREENS)
def test_staff_screen(snap_compare, config, clock, monkeypatch, screen, size):
    monkeypatch.setattr(screens.staff_controls, "status_lines", steady(screens.staff_controls.status_lines))
    wall = functools.partial(PinGuard, clock=lambda: 1_700_000_000.0)
    monkeypatch.setattr("kiosk.staff.PinGuard", wall)
    which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *args, **options: None if name == "espeak-ng"
                        else which(name, *args, **options))
    app = build(replace(with_pin(config), welcome_rotation_seconds=30), clock)
    assert snap_compare(app, terminal_size=size, run_before=SCREENS[screen])


def test_the_steady_figures_are_the_ones_the_panel_shows():
    """The held-still keys are real status keys (a renamed key would silently show the live value)."""
    assert set(STEADY) <= {key for group in screens.staff.DETAIL_GROUPS for key in group}
