"""Helpers for driving the kiosk's staff side: a PIN, finger taps as the terminal sends them,
the way into the staff panel, and a check that staff screens show everything whole."""

from __future__ import annotations

import functools
from dataclasses import replace

from textual import events
from textual.pilot import Pilot

from kiosk.config import KioskConfig, StaffConfig
from kiosk.hyphenation import wrap
from kiosk.pin import hash_pin
from screens.app import KioskApp
from screens.layout import STAFF, header_lines
from screens.staff import PinScreen, StaffPanel
from screens.widgets import Prompt
from tests.pilot import settle, tap_on, visible_targets

PIN = "2468"
WRONG_PIN = "1357"


class WallClock:
    """Wall-clock time for the PIN lock-out, moved by the test."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@functools.cache
def pin_hash() -> str:
    """One hash for the whole run: scrypt is slow on purpose."""
    return hash_pin(PIN)


def with_pin(config: KioskConfig, **staff) -> KioskConfig:
    """The config with the staff PIN set (and `allow_shell`, `allow_power` as given)."""
    return replace(config, staff=StaffConfig(pin_hash(), **staff))


async def finger_tap(pilot: Pilot, x: int, y: int) -> None:
    """A tap at a screen cell, delivered as the terminal driver delivers it: to the app first.
    (`pilot.click` hands its events to the screen directly, past the app's `on_event`, where
    the kiosk counts corner taps and notes the last input.)"""
    for event_class in (events.MouseDown, events.MouseUp):
        pilot.app.post_message(event_class(None, x, y, 0, 0, 1, False, False, False, screen_x=x, screen_y=y))
        await pilot.pause()
    await settle(pilot)


async def corner_taps(pilot: Pilot, count: int = 5, *, clock=None, every: float = 0.0,
                      at: tuple[int, int] = (1, 1)) -> None:
    """`count` taps at `at` (the top left corner), `every` seconds of the fake clock apart."""
    for index in range(count):
        if index and clock is not None:
            clock.advance(every)
        await finger_tap(pilot, *at)


async def type_pin(pilot: Pilot, pin: str, *, by: str = "keys") -> None:
    """Type a PIN on the pad and send it: digit keys and Enter, or taps on the keys and OK."""
    if by == "keys":
        await pilot.press(*pin, "enter")
    else:
        for digit in pin:
            await tap_on(pilot, value=digit)
        await tap_on(pilot, id="ok")
    await settle(pilot)


async def open_panel(pilot: Pilot, *, by: str = "keys") -> None:
    """F12 and the right PIN (typed `by` keys or taps): the staff panel."""
    await pilot.press("f12")
    await settle(pilot)
    assert isinstance(pilot.app.screen, PinScreen)
    await type_pin(pilot, PIN, by=by)
    assert isinstance(pilot.app.screen, StaffPanel), pilot.app.screen


def assert_staff_screen_whole(app: KioskApp) -> None:
    """A staff screen: each target at least 12x3 (screens.layout.STAFF) and wholly on screen, its
    label whole inside it (no word broken, no line lost); the prompt's lines all shown."""
    width, height = app.size
    for prompt in app.screen.query(Prompt):
        if prompt.display:
            text, region = str(prompt.render()), prompt.content_region
            assert header_lines(text, prompt.region.width) <= region.height, \
                f"the prompt {text!r} is cut short ({region}) at {width}x{height}"
            assert prompt.region.y >= 0 and prompt.region.bottom <= height, \
                f"the prompt is off screen at {width}x{height}"
    for target in visible_targets(app):
        region = target.region
        where = f"{target.text!r} on {app.screen!r} ({region}) at {width}x{height}"
        assert region.width >= STAFF.columns and region.height >= STAFF.rows, f"{where} is too small"
        assert region.x >= 0 and region.y >= 0 and region.right <= width and region.bottom <= height, \
            f"{where} is cut off"
        inside = target.content_region
        room = inside.width - 2 * target.styles.line_pad
        lines = wrap(str(target.label), room, app.screen.look.language)
        assert all(len(line) <= room for line in lines) and len(lines) <= inside.height, \
            f"{where}: its label needs {len(lines)} lines of at most {room} characters, has {inside.height}"
