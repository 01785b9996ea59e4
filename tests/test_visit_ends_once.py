"""A visit that staff interrupt is stored once, whichever way the staff side is left: the PIN
step ends the visit, and the panel's timeout, its Close and the PIN's Cancel do not end it again.
(Before the visit was one object, the PIN step and the panel's timeout each stored it.)"""

from __future__ import annotations

from dataclasses import replace

import pytest

from screens.question import ChoiceScreen
from screens.staff import PinScreen, StaffPanel
from screens.welcome import WelcomeScreen
from tests.pilot import build, settle, tap_on
from tests.staff_pilot import open_panel, type_pin, with_pin


@pytest.fixture
def staffed(config):
    return replace(with_pin(config), min_interval=0)


async def a_face_answered(pilot) -> None:
    await tap_on(pilot, id="start")
    await tap_on(pilot, value=2)
    assert isinstance(pilot.app.screen, ChoiceScreen)  # the topic question: the visit is under way


async def the_pin_pad_over_a_visit(pilot) -> None:
    await settle(pilot)
    await a_face_answered(pilot)
    await pilot.press("f12")
    await settle(pilot)
    assert isinstance(pilot.app.screen, PinScreen)


async def idle_out(pilot, clock) -> None:
    clock.advance(pilot.app.config.idle_seconds + 1)
    await pilot.pause(0.2)
    await settle(pilot)


def partial_responses(opened, config) -> list[dict]:
    records = opened(config)
    assert all(record["type"] == "response" and record["flags"]["partial"] for record in records)
    return records


@pytest.mark.parametrize("by", ["keys", "taps"])
async def test_the_panel_timing_out_stores_the_interrupted_visit_once(staffed, clock, opened, by):
    app = build(staffed, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await a_face_answered(pilot)
        await open_panel(pilot, by=by)
        await idle_out(pilot, clock)  # the panel leaves by itself
        assert isinstance(app.screen, WelcomeScreen)
        await app.workers.wait_for_complete()
    [record] = partial_responses(opened, staffed)
    assert record["answers"] == {"visit": 2}


async def test_closing_the_panel_stores_the_interrupted_visit_once(staffed, clock, opened):
    app = build(staffed, clock)
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        await a_face_answered(pilot)
        await open_panel(pilot)
        await tap_on(pilot, id="close")
        assert isinstance(app.screen, WelcomeScreen)
        await idle_out(pilot, clock)  # and nothing more when the screen then stands idle
        await app.workers.wait_for_complete()
    assert len(partial_responses(opened, staffed)) == 1


async def test_cancelling_the_pin_goes_back_to_the_visit_which_is_then_stored_once(staffed, clock, opened):
    app = build(staffed, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await the_pin_pad_over_a_visit(pilot)
        await tap_on(pilot, id="cancel")
        assert isinstance(app.screen, ChoiceScreen)  # the client's question, as they left it
        await idle_out(pilot, clock)
        assert isinstance(app.screen, WelcomeScreen)
        await app.workers.wait_for_complete()
    assert len(partial_responses(opened, staffed)) == 1


async def test_a_wrong_pin_then_the_panel_still_stores_the_visit_once(staffed, clock, opened):
    app = build(staffed, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await the_pin_pad_over_a_visit(pilot)
        await type_pin(pilot, "0000")
        assert isinstance(app.screen, PinScreen)
        await pilot.press("escape")
        await settle(pilot)
        await open_panel(pilot)
        assert isinstance(app.screen, StaffPanel)
        await idle_out(pilot, clock)
        await app.workers.wait_for_complete()
    assert len(partial_responses(opened, staffed)) == 1
