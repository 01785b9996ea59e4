"""The staff side, driven as staff drive it: the way in (a finger held in the corner, or F12), the
PIN pad, the panel, its details and actions, assisted feedback and the helped client's last
question, pausing; all without ever seeing a client's answers."""

from __future__ import annotations

import errno
import functools
import logging
from dataclasses import replace

import pytest
from textual import events

import kiosk.staff
from kiosk.config import SyncConfig
from kiosk.outbox import Outbox
from kiosk.pin import PinGuard
from kiosk.staff import EXIT_RESTART, EXIT_TO_SHELL
from screens.endings import RestingScreen, ThanksScreen
from screens.keyboard import KeyboardScreen
from screens.question import ChoiceScreen, FreeTextScreen
from screens.staff import (AssistedModeScreen, ConfirmScreen, HandOverScreen, OwnViewScreen, PinScreen, StaffActions,
                           StaffDetails, StaffPanel, ThemeScreen)
from screens.welcome import WelcomeScreen
from screens.staff_controls import CORNER_COLUMNS, CORNER_ROWS
from screens.widgets import MoreTarget, Target
from tests.pilot import assert_targets_big_enough, build, settle, shown, tap, tap_on, target, visible_targets
from tests.staff_pilot import (PIN, WRONG_PIN, WallClock, assert_staff_screen_whole, corner_taps, finger_tap,
                               open_panel, type_pin, with_pin)

ASSISTED_MODES = ["staff-help", "experience-expert", "relative-help", "friend-help", "interpreter", "on-behalf"]
TYPING_PACE = 0.35  # seconds between a brisk typist's taps


@pytest.fixture
def staffed(config):
    """A kiosk with a staff PIN, no minimum time between two responses, and no reply question."""
    return replace(with_pin(config), min_interval=0, reply=None)


@pytest.fixture
def closed_port_sync():
    """Sync settings for a receiver that is not there: every attempt fails at once."""
    return SyncConfig(server="http://127.0.0.1:9", token="t", allow_insecure_http=True, retry_min_seconds=60)


@pytest.fixture
def wall(monkeypatch) -> WallClock:
    """The app's PIN guard on a wall clock the test moves."""
    clock = WallClock()
    monkeypatch.setattr("kiosk.staff.PinGuard", functools.partial(PinGuard, clock=clock))
    return clock


async def quick_visit(pilot, face: int = 4, *, own_view: str = "yes") -> None:
    """A headline answer, then Skip and Skip (and, when someone helped, `own_view` to the last
    question): a finished response."""
    await tap_on(pilot, id="start")
    await tap_on(pilot, value=face)
    await tap_on(pilot, id="skip")
    await tap_on(pilot, id="skip")
    if isinstance(pilot.app.screen, OwnViewScreen):
        await tap_on(pilot, value=own_view)
    assert isinstance(pilot.app.screen, ThanksScreen)
    await tap_on(pilot, id="close")


async def tap_choice(pilot, value: str) -> None:
    """Tap the choice, paging to it first where the screen shows its choices a page at a time."""
    for _ in range(4):
        if any(t.value == value for t in visible_targets(pilot.app)):
            break
        await tap(pilot, next(t for t in visible_targets(pilot.app) if isinstance(t, MoreTarget)))
    await tap_on(pilot, value=value)


async def choose_mode(pilot, mode: str) -> None:
    """From anywhere: into the panel, Assisted feedback, the mode: the hand-over screen."""
    await open_panel(pilot)
    await tap_on(pilot, value="assisted")
    assert isinstance(pilot.app.screen, AssistedModeScreen)
    await tap_choice(pilot, mode)
    assert isinstance(pilot.app.screen, HandOverScreen)


# -- the way in ---------------------------------------------------------------------------


async def hold(pilot, clock, seconds: float, *, at: tuple[int, int] = (1, 1), to: tuple[int, int] | None = None):
    """A finger pressed at `at` (the top left corner), held `seconds` of the fake clock, lifted at `to`."""
    x, y = at
    pilot.app.post_message(events.MouseDown(None, x, y, 0, 0, 1, False, False, False, screen_x=x, screen_y=y))
    await pilot.pause()
    clock.advance(seconds)
    x, y = to or at
    pilot.app.post_message(events.MouseUp(None, x, y, 0, 0, 1, False, False, False, screen_x=x, screen_y=y))
    await settle(pilot)


async def test_a_finger_held_still_in_the_top_left_corner_opens_the_pin_pad(staffed, clock):
    app = build(staffed, clock)
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        await hold(pilot, clock, 3)
        assert isinstance(app.screen, PinScreen)
        assert_staff_screen_whole(app)


async def test_taps_a_shorter_hold_and_holds_that_leave_the_corner_do_not_open_it(staffed, clock):
    app = build(staffed, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await corner_taps(pilot, 10, clock=clock, every=TYPING_PACE)  # taps, however many and quick
        await hold(pilot, clock, 2.9)
        await hold(pilot, clock, 3, to=(20, 10))  # the finger slid out of the corner
        await hold(pilot, clock, 3, at=(8, 1))  # just right of the corner
        await hold(pilot, clock, 3, at=(1, 3))  # just below it
        assert isinstance(app.screen, WelcomeScreen)


def key_for(app, character: str) -> Target:
    """The on-screen key that types `character`, or the one that brings it a tap nearer: found by
    labels (a key shows its character; a key or group that leads to digits shows digits, or is
    labelled with the keyboard's "numbers" words), whatever the keyboard's layout."""
    targets = visible_targets(app)
    return next((t for t in targets if t.text == character), None) \
        or next((t for t in targets if character in t.text.split()), None) \
        or next((t for t in targets if any(c.isdigit() for c in t.text)), None) \
        or target(app, label=app.t("keyboard.symbols").replace("\n", " "))


async def tap_at_corner_side(pilot, widget: Target, clock) -> tuple[int, int]:
    """A brisk typist's tap on `widget`, at its cell nearest the staff corner (the worst case)."""
    clock.advance(TYPING_PACE)
    spot = widget.region.x, widget.region.y
    await finger_tap(pilot, *spot)
    return spot


async def test_a_client_typing_digits_fast_at_50x15_never_opens_the_pin_pad(staffed, clock):
    """As the issue found it: `010101` typed in free text at a tap every 0.35 s put taps in the
    corner, on keys and on the prompt where keys had just been. Here each key is tapped at its
    cell nearest the corner, each digit twice (a hurried second tap lands where the key was,
    whatever is there now), and the typed text, top left, is tapped as a phone's text field is."""
    app = build(staffed, clock)
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        await to_keyboard(pilot)
        for digit in "010101":
            for _ in range(4):  # the digit is a tap or two away
                key = key_for(app, digit)
                spot = await tap_at_corner_side(pilot, key, clock)
                if key.text == digit:
                    clock.advance(TYPING_PACE)
                    await finger_tap(pilot, *spot)
                    break
                assert not isinstance(app.screen, PinScreen), f"typing {digit!r} opened the PIN pad"
            assert not isinstance(app.screen, PinScreen), f"typing {digit!r} opened the PIN pad"
        assert isinstance(app.screen, KeyboardScreen) and set(app.screen.typed) == {"0", "1"}
        for _ in range(5):
            clock.advance(TYPING_PACE)
            await finger_tap(pilot, 1, 1)
        assert isinstance(app.screen, KeyboardScreen)


async def test_a_hold_on_a_key_in_the_corner_is_the_clients(staffed, clock):
    """The keyboard at 50x15 puts a key in the corner: holding it types it, however long."""
    app = build(staffed, clock)
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        await to_keyboard(pilot)
        corner = [(x, y) for y in range(CORNER_ROWS) for x in range(CORNER_COLUMNS)]
        x, y = next((x, y) for x, y in corner if isinstance(app.get_widget_at(x, y)[0], Target))
        key = app.get_widget_at(x, y)[0]
        await hold(pilot, clock, 5, at=(x, y))
        assert isinstance(app.screen, KeyboardScreen)
        assert app.screen.typed == key.value


async def test_f12_and_the_right_pin_open_the_panel(staffed):
    app = build(staffed)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f12")
        await settle(pilot)
        assert isinstance(app.screen, PinScreen)
        await type_pin(pilot, PIN)  # by keys; by taps in test_a_pin_never_reaches_the_log
        assert isinstance(app.screen, StaffPanel)
        assert_staff_screen_whole(app)


async def test_a_pin_typed_in_one_burst_with_its_enter_opens_the_panel(staffed):
    """A USB keypad (or a fast hand) can send the digits and Enter in one read: Enter must not
    overtake the digits."""
    app = build(staffed)
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        await pilot.press("f12")
        await settle(pilot)
        for key in [*PIN, "backspace", PIN[-1], "enter"]:
            app.post_message(events.Key(key, key if key in PIN else None))
        await settle(pilot)
        await pilot.pause(1)  # scrypt, in a thread
        assert isinstance(app.screen, StaffPanel)


async def test_cancel_and_escape_return_to_where_the_client_was(staffed):
    app = build(staffed)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await tap_on(pilot, id="start")
        await tap_on(pilot, value=2)
        for leave in ("escape", "cancel"):
            await pilot.press("f12")
            await settle(pilot)
            await pilot.press("1", "2")
            if leave == "escape":
                await pilot.press("escape")
                await settle(pilot)
            else:
                await tap_on(pilot, id="cancel")
            assert isinstance(app.screen, ChoiceScreen)
            assert "Pitkä odotusaika" in shown(app)  # the topics of the answer given
        await tap_on(pilot, id="back")
        assert target(app, value=2).has_class("-selected")


async def test_without_a_pin_set_the_pad_says_how_to_set_one(config):
    app = build(config)
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        await pilot.press("f12")
        await settle(pilot)
        assert "kiosk set-pin" in shown(app)
        assert [t.id for t in visible_targets(app)] == ["cancel"]
        await pilot.press(*"0000", "enter")
        await settle(pilot)
        assert isinstance(app.screen, PinScreen)


# -- wrong PINs ----------------------------------------------------------------------------


async def test_wrong_pins_count_down_the_tries_then_lock_with_a_countdown(staffed, wall):
    app = build(staffed)
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        await pilot.press("f12")
        await settle(pilot)
        for left in (4, 3, 2, 1):
            await type_pin(pilot, WRONG_PIN)
            assert f"Yrityksiä ennen lukitusta: {left}" in shown(app)
        await type_pin(pilot, WRONG_PIN)
        assert "Odota 30 s" in shown(app)
        assert_staff_screen_whole(app)
        await type_pin(pilot, PIN)  # the right PIN, while locked
        assert isinstance(app.screen, PinScreen)
        wall.now += 12
        await pilot.pause(1.2)  # the countdown ticks each second
        assert "Odota 18 s" in shown(app)
        wall.now += 18
        await type_pin(pilot, WRONG_PIN)  # the sixth: a longer wait
        assert "Odota 60 s" in shown(app)
        wall.now += 60
        await type_pin(pilot, PIN)
        assert isinstance(app.screen, StaffPanel)


async def test_the_countdown_goes_once_the_lock_is_over(staffed, wall):
    app = build(staffed)
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        await pilot.press("f12")
        await settle(pilot)
        for _ in range(4):  # typed on the pad in the test above
            app.station.staff.pin_guard.try_pin(WRONG_PIN)
        await type_pin(pilot, WRONG_PIN)
        assert "Odota 30 s" in shown(app)
        wall.now += 31
        await pilot.pause(1.2)
        assert "Odota" not in shown(app)


async def test_a_pin_never_reaches_the_log(staffed, caplog):
    caplog.set_level(logging.DEBUG)
    app = build(staffed)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f12")
        await settle(pilot)
        await type_pin(pilot, WRONG_PIN)
        await type_pin(pilot, PIN, by="taps")
        assert isinstance(app.screen, StaffPanel)
    assert any("wrong staff PIN" in record.getMessage() for record in caplog.records)  # the log was captured
    for record in caplog.records:
        assert PIN not in record.getMessage() and WRONG_PIN not in record.getMessage()


# -- assisted feedback -----------------------------------------------------------------------


async def test_each_assisted_mode_goes_with_the_next_response_only(staffed, opened):
    app = build(staffed)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for mode in ASSISTED_MODES:
            await choose_mode(pilot, mode)
            assert "Voit vastata rauhassa." in shown(app)  # in easy language: selkosuomi
            assert_targets_big_enough(app)
            await quick_visit(pilot)
        await quick_visit(pilot)
    assert [response["mode"] for response in opened(staffed)] == [*ASSISTED_MODES, "self"]


@pytest.mark.parametrize("size", [(80, 24), (50, 15)], ids=lambda size: f"{size[0]}x{size[1]}")
async def test_a_helped_client_is_asked_last_in_easy_language_whether_the_answers_are_their_own(
        staffed, opened, size):
    app = build(staffed)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for mode, view in (("experience-expert", "partly"), ("friend-help", "yes"), ("on-behalf", "helper")):
            await choose_mode(pilot, mode)
            await quick_visit_until_own_view(pilot)
            assert "Ovatko vastaukset sinun omia mielipiteitäsi?" in shown(app)  # selkosuomi
            assert_targets_big_enough(app)
            await tap_choice(pilot, view)
            assert isinstance(app.screen, ThanksScreen)
            await tap_on(pilot, id="close")
        await quick_visit(pilot)  # the next client, alone, is not asked
    assert [(r["mode"], r.get("own_view")) for r in opened(staffed)] == [
        ("experience-expert", "partly"), ("friend-help", "yes"), ("on-behalf", "helper"), ("self", None)]


async def test_back_from_the_own_view_question_returns_to_the_last_question_and_keys_work(staffed, opened):
    app = build(staffed)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await choose_mode(pilot, "interpreter")
        await tap_on(pilot, id="start")
        await tap_on(pilot, value=5)
        await tap_on(pilot, id="skip")
        await tap_on(pilot, id="skip")
        assert isinstance(app.screen, OwnViewScreen)
        await tap_on(pilot, id="back")
        assert isinstance(app.screen, FreeTextScreen)  # the last question, as the client left it
        await tap_on(pilot, id="skip")
        assert isinstance(app.screen, OwnViewScreen)
        for _ in range(8):  # by keys alone: Tab to "partly", Enter
            if getattr(app.focused, "value", None) == "partly":
                break
            await pilot.press("tab")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ThanksScreen)
    [response] = opened(staffed)
    assert (response["mode"], response["own_view"], response["flags"]["partial"]) == ("interpreter", "partly", False)


async def test_a_helped_client_who_leaves_at_the_own_view_question_keeps_the_answers(staffed, clock, opened):
    app = build(staffed, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await choose_mode(pilot, "relative-help")
        await quick_visit_until_own_view(pilot)
        await walk_away(pilot, clock)
        assert isinstance(app.screen, WelcomeScreen)
        await quick_visit(pilot)
    helped, alone = opened(staffed)
    assert (helped["mode"], helped["flags"]["partial"], "own_view" in helped) == ("relative-help", False, False)
    assert (alone["mode"], "own_view" in alone) == ("self", False)


async def walk_away(pilot, clock) -> None:
    """The person at the screen leaves: the idle time passes, and the screen is cleared."""
    clock.advance(pilot.app.config.idle_seconds + 1)
    await pilot.pause(0.2)
    await settle(pilot)


async def quick_visit_until_own_view(pilot) -> None:
    await tap_on(pilot, id="start")
    await tap_on(pilot, value=4)
    await tap_on(pilot, id="skip")
    await tap_on(pilot, id="skip")
    assert isinstance(pilot.app.screen, OwnViewScreen)


async def test_an_abandoned_assisted_visit_keeps_its_mode_and_the_next_is_self(staffed, clock, opened):
    app = build(staffed, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await choose_mode(pilot, "interpreter")
        await tap_on(pilot, id="start")
        await tap_on(pilot, value=2)
        await walk_away(pilot, clock)
        assert isinstance(app.screen, WelcomeScreen)
        await quick_visit(pilot)
    partial, after = opened(staffed)
    assert partial["flags"]["partial"] and partial["mode"] == "interpreter"
    assert after["mode"] == "self"


async def test_a_hand_over_left_untouched_goes_back_to_the_welcome_in_self_mode(staffed, clock, opened):
    app = build(staffed, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await choose_mode(pilot, "staff-help")
        await walk_away(pilot, clock)
        assert isinstance(app.screen, WelcomeScreen)
        await quick_visit(pilot)
    [response] = opened(staffed)
    assert response["mode"] == "self"


async def to_keyboard(pilot) -> None:
    await tap_on(pilot, id="start")
    await tap_on(pilot, value=4)
    await tap_on(pilot, id="skip")
    assert isinstance(pilot.app.screen, FreeTextScreen)
    await tap_on(pilot, id="write")
    assert isinstance(pilot.app.screen, KeyboardScreen)


async def test_in_assisted_mode_a_physical_keyboard_types_the_free_text(staffed, opened):
    app = build(staffed)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await choose_mode(pilot, "interpreter")
        await to_keyboard(pilot)
        await pilot.press(*"jono", "space", *"olu", "backspace", "i", "space", "plus", "1")
        await settle(pilot)
        assert "jono oli +1▏" in shown(app)
        assert not app.visit.speech  # the + was typed, not taken as the speech key
        await tap_on(pilot, id="done")
        await tap_on(pilot, value="yes")  # the interpreter helped: whose view is it?
    [response] = opened(staffed)
    assert response["answers"]["more"] == "jono oli +1" and response["mode"] == "interpreter"


# -- the panel's figures ----------------------------------------------------------------------


async def test_the_panel_counts_the_queue_and_shows_no_answer(staffed, opened):
    secret = "salakirjoitus"
    app = build(staffed)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await quick_visit(pilot)
        await tap_on(pilot, id="start")
        await tap_on(pilot, value=5)
        await tap_on(pilot, id="skip")
        app.screen._typed(secret)  # as if typed (the keyboard's own path is in test_flow)
        await settle(pilot)
        await tap_on(pilot, id="close")
        await open_panel(pilot)
        assert len(app.station.recorder.outbox) == 2
        seen = [shown(app)]
        assert "Vastauksia odottaa lähetystä: 2." in seen[0]
        await tap_on(pilot, value="details")
        assert isinstance(app.screen, StaffDetails)
        seen.append(shown(app))
        assert "Lähettämättä: 2 " in seen[-1] and "Tallennusvirhe: -" in seen[-1]
        assert "Laite: lobby-1 / kalevi" in seen[-1] and "Kysely: visit-feedback 1" in seen[-1]
        await tap_on(pilot, id="back")
        await tap_on(pilot, value="actions")
        seen.append(shown(app))
        await tap_on(pilot, id="back")
        await tap_on(pilot, value="assisted")
        seen.append(shown(app))
    assert all(secret not in words for words in seen)  # on no staff screen
    assert opened(staffed)[1]["answers"]["more"] == secret  # it was given, and sealed


@pytest.mark.parametrize("size", [(80, 24), (50, 15)], ids=lambda size: f"{size[0]}x{size[1]}")
async def test_the_panel_speaks_to_ward_staff_and_keeps_the_it_details_behind_details(staffed, monkeypatch, size):
    monkeypatch.setattr("kiosk.clock.clock_synchronized", lambda: False)
    app = build(staffed)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await open_panel(pilot)
        panel = shown(app)
        assert "Kaikki palaute on lähetetty." in panel
        assert "! Kello ei ole ajassa: palautteiden ajat voivat olla väärin. Kerro IT-tuelle." in panel
        assert "! Laitetta ei ole liitetty palautejärjestelmään: palaute jää laitteelle. Kerro IT-tuelle." in panel
        fingerprint = app.station.recorder.key.fingerprint
        for it_words in ("NTP", "kiosk enroll", fingerprint[:9], "Versio", "!  ei"):
            assert it_words not in panel
        assert_staff_screen_whole(app)
        await tap_on(pilot, value="details")
        details = shown(app)
        assert "Tiedot IT-tuelle" in details and "Kello (NTP): ! ei" in details
        assert "Yhteys: ! ei liitetty (kiosk enroll)" in details and f"Avain: {fingerprint}" in details
        assert "Versio: " in details
        assert_staff_screen_whole(app)
        await tap_on(pilot, id="back")
        assert isinstance(app.screen, StaffPanel)


async def test_the_panel_shows_a_sync_error_live(staffed, closed_port_sync, monkeypatch):
    monkeypatch.setattr("screens.staff.REFRESH_SECONDS", 0.1)
    app = build(replace(staffed, sync=closed_port_sync))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_panel(pilot)
        await settle(pilot)
        for _ in range(50):  # the uploader's first round, in its own thread
            if app.station.sync and app.station.sync.status().last_error:
                break
            await pilot.pause(0.1)
        await pilot.pause(0.3)
        error = app.station.sync.status().last_error
        assert "cannot connect" in error
        assert "! Palautetta ei saada nyt lähetettyä, mutta se on tallessa." in shown(app)
        await tap_on(pilot, value="details")
        assert f"Lähetysvirhe: ! {error[:40]}" in shown(app)
        app.station.sync.state.update(auth_error="the receiver refused the token (401)")
        await pilot.pause(0.3)
        assert "Lähetysvirhe: ! the receiver refused the token (401)" in shown(app)
        await tap_on(pilot, id="back")
        await pilot.pause(0.3)
        assert "! Palautejärjestelmä ei hyväksy tätä laitetta. Kerro IT-tuelle." in shown(app)
        assert "ei saada nyt lähetettyä" not in shown(app)  # one cause, one sentence


# -- actions --------------------------------------------------------------------------------


async def tab_to_and_enter(pilot, value: str) -> None:
    for _ in range(12):
        if getattr(pilot.app.focused, "value", None) == value:
            break
        await pilot.press("tab")
    await pilot.press("enter")
    await settle(pilot)


async def open_actions(pilot) -> None:
    await open_panel(pilot)
    await tap_on(pilot, value="actions")
    assert isinstance(pilot.app.screen, StaffActions)


async def test_without_sync_the_actions_say_the_kiosk_is_not_enrolled(staffed):
    app = build(staffed)
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        await open_actions(pilot)
        for action in ("sync_now", "test"):
            app.screen.show_result("")
            await settle(pilot)
            await tap_on(pilot, value=action)
            assert "Laitetta ei ole liitetty palautejärjestelmään" in shown(app)
            assert_staff_screen_whole(app)


async def details_seen_from_the_actions(pilot) -> str:
    """Back to the panel, its details' words, and back to the actions."""
    await tap_on(pilot, id="back")
    await tap_on(pilot, value="details")
    words = shown(pilot.app)
    await tap_on(pilot, id="back")
    await tap_on(pilot, value="actions")
    return words


async def test_the_connection_test_says_in_plain_words_that_it_failed_and_the_details_say_why(
        staffed, closed_port_sync):
    app = build(replace(staffed, sync=closed_port_sync))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_actions(pilot)
        await tap_on(pilot, value="test")
        assert "Yhteys ei toimi. Palaute odottaa turvassa laitteella." in shown(app)
        assert "cannot connect" not in shown(app)
        assert "Viimeisin toiminto: ! /v1/health: cannot connect" in await details_seen_from_the_actions(pilot)
        await tap_on(pilot, value="test")
        await tap_on(pilot, value="sync_now")
        assert "Lähetys aloitettu." in shown(app) and "Yhteys ei toimi" not in shown(app)
        assert "Viimeisin toiminto" not in await details_seen_from_the_actions(pilot)


async def test_a_message_clears_when_the_next_action_succeeds(staffed, closed_port_sync):
    app = build(replace(staffed, sync=closed_port_sync))
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        await open_actions(pilot)
        for action in ("pause", "theme"):
            await tap_on(pilot, value="test")
            assert "Yhteys ei toimi" in shown(app)
            await tap_on(pilot, value=action)
            if action == "theme":
                await tap_on(pilot, value="light")
            assert isinstance(app.screen, StaffActions)
            assert "Yhteys ei toimi" not in shown(app), action
        assert "Viimeisin toiminto" not in await details_seen_from_the_actions(pilot)


async def test_pause_rests_the_kiosk_through_a_restart_until_resumed(staffed, clock, opened):
    app = build(staffed, clock)
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        await open_actions(pilot)
        await tap_on(pilot, value="pause")
        assert target(app, value="resume")
        await tap_on(pilot, id="back")
        assert "! Käyttö on keskeytetty: asiakkaat eivät voi vastata." in shown(app)
        await tap_on(pilot, id="close")
        assert isinstance(app.screen, RestingScreen)
        assert "ei ole nyt käytössä" in shown(app)
        assert not visible_targets(app)

    app = build(staffed, clock)  # the next start, on the same data folder
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, RestingScreen)
        assert not visible_targets(app)
        await hold(pilot, clock, 3)  # staff can still come in
        await type_pin(pilot, PIN)
        await tap_on(pilot, value="actions")
        await tap_on(pilot, value="resume")
        await tap_on(pilot, id="back")
        await tap_on(pilot, id="close")
        assert isinstance(app.screen, WelcomeScreen)
        await quick_visit(pilot)
    assert len(opened(staffed)) == 1


async def test_staff_choose_the_look_and_it_lasts_through_a_restart(staffed):
    app = build(staffed)
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        await open_actions(pilot)
        await tap_on(pilot, value="theme")
        assert isinstance(app.screen, ThemeScreen)
        assert target(app, value="dark").has_class("-selected")
        assert_staff_screen_whole(app)
        await tap_on(pilot, value="high-contrast")
        assert isinstance(app.screen, StaffActions) and app.theme == "high-contrast"
        assert app.screen.styles.background.hex == "#000000"
        await tap_on(pilot, value="theme")
        await tap_on(pilot, id="back")  # changes nothing
        assert isinstance(app.screen, StaffActions) and app.theme == "high-contrast"

    app = build(staffed)  # the next start, on the same data folder
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme == "high-contrast"
        await open_actions(pilot)
        await tab_to_and_enter(pilot, "theme")  # by keyboard this time
        assert isinstance(app.screen, ThemeScreen)
        await tab_to_and_enter(pilot, "light")
        assert app.theme == "light"
    assert build(staffed).theme == "light"


@pytest.mark.parametrize("size", [(80, 24), (50, 15)], ids=lambda size: f"{size[0]}x{size[1]}")
async def test_restart_asks_first_then_ends_the_app_with_the_status_systemd_restarts_on(staffed, size):
    app = build(staffed)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await open_actions(pilot)
        await tap_on(pilot, value="restart")
        assert isinstance(app.screen, ConfirmScreen)
        assert "Käynnistetäänkö sovellus uudelleen?" in shown(app)
        assert_staff_screen_whole(app)
        await pilot.press("enter")  # a stray Enter is "not now"
        await settle(pilot)
        assert isinstance(app.screen, StaffActions) and app.is_running
        await tap_on(pilot, value="restart")
        await tap_on(pilot, id="back")  # not now
        assert isinstance(app.screen, StaffActions) and app.is_running
        await tap_on(pilot, value="restart")
        await tap_on(pilot, value="restart")  # Yes
        await settle(pilot)
    assert app.return_code == EXIT_RESTART


def test_in_the_demo_a_restart_starts_the_kiosk_again(tmp_path, monkeypatch, capsys):
    import commands.kiosk

    statuses = [EXIT_RESTART, EXIT_RESTART, 0]  # staff restarted it twice, then left with F10
    started = []

    def start(config, *, demo=False):
        started.append(demo)
        return statuses[len(started) - 1]

    monkeypatch.setattr(commands.kiosk, "_start", start)
    assert commands.kiosk.main(["demo", "--data-dir", str(tmp_path / "demo")]) == 0
    assert started == [True, True, True]
    assert "Left the demo" in capsys.readouterr().out


async def test_shell_and_power_are_offered_only_where_the_config_allows(staffed):
    app = build(staffed)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_actions(pilot)
        offered = {t.value for t in visible_targets(app)}
        assert offered == {"sync_now", "test", "pause", "theme", "restart", None}  # None: Back


async def test_power_actions_go_through_the_command_runner(staffed, monkeypatch):
    asked = []

    def power(what):  # never the real one: it would shut this machine down
        asked.append(what)
        return f"{what}: Access denied"

    monkeypatch.setattr(kiosk.staff, "power", power)
    app = build(with_pin(staffed, allow_power=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_actions(pilot)
        assert_staff_screen_whole(app)
        for done, action in enumerate(("poweroff", "reboot")):
            await tap_on(pilot, value=action)
            assert isinstance(app.screen, ConfirmScreen)
            await tap_on(pilot, id="back")
            assert len(asked) == done  # not without a Yes
            await tap_on(pilot, value=action)
            await tap_on(pilot, value=action)  # Yes
            assert "Ei onnistunut. Kerro IT-tuelle" in shown(app)
            assert f"Viimeisin toiminto: ! {action}: Access denied" in await details_seen_from_the_actions(pilot)
        assert asked == ["poweroff", "reboot"]


async def test_leave_to_the_shell_where_allowed(staffed):
    app = build(with_pin(staffed, allow_shell=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_actions(pilot)
        await tap_on(pilot, value="shell")
        await settle(pilot)
    assert app.return_code == EXIT_TO_SHELL


def test_power_runs_systemctl_and_reports_its_error():
    calls = []

    def run(command, **options):
        calls.append(command)
        return kiosk.staff.subprocess.CompletedProcess(command, 1, "", "Interactive authentication required.\n")

    assert kiosk.staff.power("reboot", run=run) == "Interactive authentication required."
    [command] = calls
    assert command[0] == "systemctl" and command[-1] == "reboot"


# -- leaving by themselves --------------------------------------------------------------------


async def test_staff_screens_leave_by_themselves_after_the_idle_time(staffed, clock):
    app = build(staffed, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for where in ("pin", "actions"):  # the PIN pad alone; the panel and its actions above it
            if where == "pin":
                await pilot.press("f12")
            else:
                await open_panel(pilot)
                await tap_on(pilot, value=where)
            await settle(pilot)
            clock.advance(staffed.idle_seconds - 1)
            await pilot.pause(0.2)
            assert getattr(app.screen, "STAFF_ONLY", False), where  # no warning for staff
            clock.advance(2)
            await pilot.pause(0.2)
            await settle(pilot)
            assert isinstance(app.screen, WelcomeScreen), where
            assert len(app.screen_stack) == 2


async def test_a_kiosk_that_cannot_seal_still_lets_staff_look(staffed, tmp_path):
    broken = tmp_path / "broken.pub.pem"
    broken.write_text("-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n")
    app = build(replace(staffed, public_key=broken))
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, RestingScreen)
        await open_panel(pilot)
        assert "! Laitteelta puuttuu toimiva salausavain, joten se ei voi ottaa palautetta." in shown(app)
        await tap_on(pilot, value="details")
        assert "Avain: ! -" in shown(app)
        await tap_on(pilot, id="back")
        await tap_on(pilot, id="close")
        assert isinstance(app.screen, RestingScreen)


async def test_a_queue_held_by_another_process_shows_on_the_panel(staffed):
    with Outbox(staffed.outbox_dir):  # say, a `kiosk sync --once` left running
        app = build(staffed)
        async with app.run_test(size=(50, 15)) as pilot:
            await settle(pilot)
            # Feedback is still collected (kept in memory, retried), so clients are welcome.
            assert not isinstance(app.screen, RestingScreen)
            await open_panel(pilot)
            assert "! Laite ei pysty tallentamaan palautetta. Kerro IT-tuelle." in shown(app)
            assert_staff_screen_whole(app)
            await tap_on(pilot, value="details")
            assert "Tallennusvirhe: ! " in shown(app) and "outbox" in shown(app)
            assert_staff_screen_whole(app)


async def test_the_thanks_screen_does_not_take_the_pin_pad_away(staffed):
    app = build(replace(staffed, thanks_seconds=0.5))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await tap_on(pilot, id="start")
        await tap_on(pilot, value=4)
        await tap_on(pilot, id="skip")
        await tap_on(pilot, id="skip")
        await pilot.press("f12", "2", "4")
        await pilot.pause(1)
        await settle(pilot)
        assert isinstance(app.screen, PinScreen)


# -- every staff screen whole, on the kiosk's panel and a larger screen ------------------------


@pytest.mark.parametrize("size", [(80, 24), (50, 15)], ids=lambda size: f"{size[0]}x{size[1]}")
async def test_each_staff_screen_shows_whole(staffed, wall, monkeypatch, size):
    def disk_full(self, envelope):
        raise OSError(errno.ENOSPC, "No space left on device")

    app = build(with_pin(staffed, allow_shell=True, allow_power=size == (80, 24)))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        monkeypatch.setattr(Outbox, "append", disk_full)
        await quick_visit(pilot)  # a write error for the panel to show
        await pilot.press("f12")
        await settle(pilot)
        await pilot.press(*"13579")
        await settle(pilot)
        assert_staff_screen_whole(app)
        for _ in range(4):
            app.station.staff.pin_guard.try_pin(WRONG_PIN)
        await type_pin(pilot, WRONG_PIN)
        assert "Odota 30 s" in shown(app)
        assert_staff_screen_whole(app)  # locked, with its countdown
        wall.now += 3600
        await type_pin(pilot, PIN)
        assert "Vastauksia odottaa lähetystä: 1." in shown(app)  # held in memory: counted
        assert "! Laite ei pysty tallentamaan palautetta." in shown(app)
        assert_staff_screen_whole(app)
        await tap_on(pilot, value="details")
        assert "Lähettämättä: ! 1 " in shown(app) and "Muistissa: ! 1 " in shown(app)
        assert "Tallennusvirhe: ! No space left on device" in shown(app)
        assert_staff_screen_whole(app)
        await tap_on(pilot, id="back")
        await tap_on(pilot, value="actions")
        await tap_on(pilot, value="test")
        assert_staff_screen_whole(app)
        await tap_choice(pilot, "restart")
        assert_staff_screen_whole(app)  # are you sure?
        await tap_on(pilot, id="back")
        await tap_choice(pilot, "pause")
        await tap_on(pilot, id="back")
        assert isinstance(app.screen, StaffPanel)
        assert "Käyttö on keskeytetty" in shown(app) and "ei pysty tallentamaan" in shown(app)
        assert_staff_screen_whole(app)  # two troubles at once
        await tap_on(pilot, value="assisted")
        assert_staff_screen_whole(app)
        await tap_choice(pilot, "on-behalf")
        assert_targets_big_enough(app)


async def test_the_power_actions_show_whole_on_the_kiosk_panel(staffed):
    app = build(with_pin(staffed, allow_shell=True, allow_power=True))
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        await open_actions(pilot)
        await tap_on(pilot, value="test")
        assert_staff_screen_whole(app)


async def test_a_stalled_disk_never_freezes_the_panel(staffed, monkeypatch):
    """The panel's figures take locks and read the disk: they are read in a thread, and a disk that
    does not answer leaves the screen responsive (and the watchdog, pinged from the UI, fed)."""
    import threading

    disk_answers = threading.Event()
    disk_free = kiosk.staff._disk_free

    def stalled(folder):
        disk_answers.wait(10)
        return disk_free(folder)

    monkeypatch.setattr(kiosk.staff, "_disk_free", stalled)
    app = build(staffed)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f12")
        await pilot.pause()
        await pilot.press(*PIN, "enter")
        for _ in range(20):
            await pilot.pause(0.05)
        assert isinstance(app.screen, StaffPanel)
        assert "Henkilökunnan näkymä …" in shown(app)  # the figures come when the disk answers
        await pilot.click(target(app, value="actions"))  # meanwhile, staff can go on
        await pilot.pause(0.1)
        assert isinstance(app.screen, StaffActions)
        await pilot.click(target(app, id="back"))
        await pilot.pause(0.1)
        assert isinstance(app.screen, StaffPanel)
        disk_answers.set()
        await settle(pilot)
        assert "Kaikki palaute on lähetetty." in shown(app)
