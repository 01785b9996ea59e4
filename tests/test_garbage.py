"""Garbage is collected while a screen stands still (a person reads it), not between a tap and
the next screen (screens/garbage.py)."""

from __future__ import annotations

import gc
import weakref

import screens.garbage
from commands.kiosk import garbage_policy
from screens.garbage import IdleCollector
from tests.pilot import build, settle, tap_on


def test_a_collection_waits_for_a_tick_without_a_screen_change(monkeypatch):
    collections = []
    monkeypatch.setattr(gc, "collect", lambda *generation: collections.append(generation))
    collector = IdleCollector(app=None)
    collector._tick()
    assert collections == []  # nothing changed: nothing to collect
    collector._screen_changed(None)
    collector._tick()
    assert collections == []  # the screen has only just changed: the next tap may come
    collector._tick()
    assert len(collections) == 1  # it stood still for a whole tick
    collector._tick()
    assert len(collections) == 1  # and no screen since
    for _ in range(5):  # a client tapping on at once: never in their way
        collector._screen_changed(None)
        collector._tick()
    assert len(collections) == 1
    collector._tick()
    assert len(collections) == 2


async def test_a_screen_left_behind_is_freed_once_the_screen_stands_still(config, monkeypatch):
    monkeypatch.setattr(screens.garbage, "STILL_SECONDS", 0.05)
    with garbage_policy() as first_paint:
        app = build(config, on_first_paint=first_paint)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await tap_on(pilot, id="start")  # (the first welcome screen is frozen with start-up's objects)
            faces = weakref.ref(app.screen)
            await tap_on(pilot, value=4)
            await tap_on(pilot, value="waiting")  # (Textual lets go of a screen one change later)
            await pilot.pause(0.3)
            assert faces() is None


async def test_the_kiosks_garbage_policy_holds_while_it_runs_and_is_undone_after(config):
    """`kiosk run` starts with collection off, freezes what start-up made at the first paint and
    collects rarely; once the app has exited the process is as it was (in the test process too:
    one Pilot test does not freeze the garbage of the tests before it)."""
    before = gc.get_threshold()
    with garbage_policy() as first_paint:
        assert not gc.isenabled()
        app = build(config, on_first_paint=first_paint)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert gc.isenabled() and gc.get_freeze_count() > 0
            assert gc.get_threshold() == screens.garbage.THRESHOLDS
    assert (gc.isenabled(), gc.get_freeze_count(), gc.get_threshold()) == (True, 0, before)


async def test_an_app_built_for_a_test_leaves_the_garbage_collector_alone(config):
    before = gc.get_threshold()
    async with build(config).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert (gc.get_freeze_count(), gc.get_threshold()) == (0, before)
