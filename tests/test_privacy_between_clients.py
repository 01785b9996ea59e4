"""Nothing of one client reaches the next: idle warning and reset, partial answers, lock-down."""

from __future__ import annotations

import errno
from dataclasses import replace

import pytest

from kiosk.outbox import Outbox
from screens.endings import IdleWarningScreen, ThanksScreen
from screens.keyboard import KeyboardScreen
from screens.question import ChoiceScreen
from screens.welcome import WelcomeScreen
from tests.pilot import assert_targets_big_enough, build, settle, shown, tap, tap_on, target, visible_targets


async def wait_idle(pilot, clock, seconds: float) -> None:
    """Let `seconds` pass with nobody touching the screen."""
    clock.advance(seconds)
    await pilot.pause(0.2)
    await settle(pilot)


async def answer_headline_and_topic(pilot) -> None:
    await tap_on(pilot, id="start")
    await tap_on(pilot, value=2)
    await tap_on(pilot, value="waiting")


async def test_idle_warning_gives_twenty_seconds_and_continue_keeps_the_answers(config, clock):
    app = build(config, clock)
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        await answer_headline_and_topic(pilot)
        await wait_idle(pilot, clock, config.idle_seconds - config.warning_seconds + 0.5)
        assert isinstance(app.screen, IdleWarningScreen)
        assert_targets_big_enough(app)
        assert "20 sekunnin" in shown(app)
        await wait_idle(pilot, clock, 10)
        assert "10 sekunnin" in shown(app)
        await tap_on(pilot, id="continue")
        assert not isinstance(app.screen, IdleWarningScreen)
        await tap_on(pilot, id="back")
        assert "Pitkä odotusaika" in shown(app)
        assert target(app, value="waiting").has_class("-selected")


async def test_after_the_idle_time_nothing_of_the_client_is_visible_or_reachable(config, clock, opened):
    app = build(config, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await tap_on(pilot, value="en")
        await answer_headline_and_topic(pilot)
        await tap_on(pilot, id="write")
        assert isinstance(app.screen, KeyboardScreen)
        await tap_on(pilot, value="a")
        assert "a▏" in shown(app)
        await wait_idle(pilot, clock, config.idle_seconds - config.warning_seconds + 1)
        assert isinstance(app.screen, IdleWarningScreen)
        await wait_idle(pilot, clock, config.warning_seconds)

        assert isinstance(app.screen, WelcomeScreen)
        assert len(app.screen_stack) == 2  # the keyboard and the warning are gone, not hidden
        assert "Kerro meille käynnistäsi" in shown(app)  # the default language again
        assert "a▏" not in shown(app)
        await tap_on(pilot, id="start")
        assert isinstance(app.screen, ChoiceScreen)
        assert not any(t.has_class("-selected") for t in visible_targets(app))
        await tap_on(pilot, id="back")
        assert isinstance(app.screen, WelcomeScreen)  # Back leads nowhere older
    [partial] = opened(config)
    assert partial["flags"]["partial"] is True
    assert partial["answers"] == {"visit": 2, "went_badly": "waiting"}
    assert partial["language"] == "en"


async def test_discard_policy_keeps_nothing_of_an_unfinished_visit(config, clock, opened):
    config = replace(config, partial="discard")
    app = build(config, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await answer_headline_and_topic(pilot)
        await wait_idle(pilot, clock, config.idle_seconds + 1)
        await wait_idle(pilot, clock, 1)
        assert isinstance(app.screen, WelcomeScreen)
    assert opened(config) == []


async def test_an_unanswered_visit_leaves_no_record(config, clock, opened):
    app = build(config, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await tap_on(pilot, id="start")
        await wait_idle(pilot, clock, config.idle_seconds + 1)
        await wait_idle(pilot, clock, 1)
        assert isinstance(app.screen, WelcomeScreen)
    assert opened(config) == []


async def test_a_language_chosen_and_left_is_reset_without_a_warning(config, clock):
    app = build(config, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await tap_on(pilot, value="sv")
        await wait_idle(pilot, clock, config.idle_seconds + 1)
        assert isinstance(app.screen, WelcomeScreen)
        assert "Kerro meille käynnistäsi" in shown(app)


@pytest.mark.parametrize("key", ["ctrl+c", "ctrl+q", "ctrl+p", "ctrl+z", "ctrl+backslash", "escape", "f10"])
async def test_quit_suspend_and_palette_keys_do_nothing(config, key):
    app = build(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await tap_on(pilot, id="start")
        await pilot.press(key)
        await settle(pilot)
        assert app.is_running and app.return_code is None
        assert isinstance(app.screen, ChoiceScreen)
        assert len(app.screen_stack) == 2  # no command palette, no help


async def test_the_demo_leaves_with_its_one_key(config):
    app = build(config, demo=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert app.is_running
        await pilot.press("f10")
        await settle(pilot)
        assert not app.is_running


async def test_a_second_response_too_soon_is_kept_but_flagged(config, clock, opened):
    app = build(config, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for _ in range(2):
            await tap_on(pilot, id="start")
            await tap_on(pilot, value=5)
            await tap_on(pilot, id="skip")
            await tap_on(pilot, id="skip")
            await tap_on(pilot, id="no")
            assert isinstance(app.screen, ThanksScreen)
            clock.advance(config.min_interval - 1)
            await tap_on(pilot, id="close")
    first, second = opened(config)
    assert first["flags"]["misuse"] is False
    assert second["flags"]["misuse"] is True


async def test_a_disk_that_refuses_the_write_gets_a_calm_message_and_a_retry(config, opened, monkeypatch):
    from kiosk.status import read_status

    app = build(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        real_append = Outbox.append

        def disk_full(self, envelope):
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(Outbox, "append", disk_full)
        await tap_on(pilot, id="start")
        await tap_on(pilot, value=4)
        await tap_on(pilot, id="skip")
        await tap_on(pilot, id="skip")
        await tap_on(pilot, id="no")
        assert isinstance(app.screen, ThanksScreen)
        assert "ei tallentunut vielä" in shown(app)
        status = read_status(config.data_dir)
        assert "No space left on device" in status["last_write_error"]
        assert status["unsaved_in_memory"] == 1

        monkeypatch.setattr(Outbox, "append", real_append)
        app.retry_unsaved()
        await settle(pilot)
        assert read_status(config.data_dir)["last_write_error"] is None
    [response] = opened(config)
    assert response["answers"] == {"visit": 4}
