"""The staff PIN: a salted slow hash in the config, `kiosk set-pin`, and the growing lock-out."""

from __future__ import annotations

import logging
import stat

import pytest

from commands.kiosk import PIN_ENV, main
from kiosk.config import load_config
import kiosk.pin
from kiosk.demo import DEMO_PIN, DEMO_PIN_HASH
from kiosk.pin import (FIRST_LOCKOUT_SECONDS, FREE_ATTEMPTS, MAX_COST, MAX_LOCKOUT_SECONDS, MIN_COST, PinGuard,
                       affordable_cost, hash_pin, pin_hash_is_valid, verify_pin, with_pin_hash)
from screens.staff import StaffPanel
from tests.pilot import build, settle
from tests.staff_pilot import PIN, WRONG_PIN, WallClock, pin_hash, type_pin

NEW_PIN = "246813"  # `kiosk set-pin` asks for 6 digits at least
SALT, DIGEST = "KmdcQYU6lGJnPhMhn/+Fzg==", "8zbJTmbSX7HFTle34fqI2wmvJAfcFp6S5KjlNSxrnhA="
CONFIG_WITH_COMMENTS = """# The lobby kiosk of Kalevi health station.
[kiosk]
id = "lobby-1"   # as enrolled
unit = "kalevi"
data_dir = "data"
public_key = '{key}'

# Staff may leave to the shell for maintenance.
[staff]
allow_shell = true

[session]
idle_seconds = 90
"""


# -- the hash ---------------------------------------------------------------------------------


def test_a_hash_verifies_its_pin_only():
    stored = pin_hash()
    assert stored.startswith("scrypt$") and PIN not in stored
    assert pin_hash_is_valid(stored)
    assert verify_pin(PIN, stored)
    assert not verify_pin(WRONG_PIN, stored)
    assert not verify_pin(PIN + "0", stored)


def test_the_same_pin_hashes_differently_each_time():
    assert hash_pin("0000") != hash_pin("0000")  # salted: equal PINs cannot be spotted


@pytest.mark.parametrize("pin", ["123", "1234567890123", "12a4", "", " 1234", "１２３４"])
def test_only_4_to_12_ascii_digits_make_a_pin(pin):
    with pytest.raises(ValueError):
        hash_pin(pin)


def test_a_4_digit_pin_hashed_before_set_pin_asked_for_6_still_opens_the_pad():
    assert pin_hash_is_valid(DEMO_PIN_HASH) and verify_pin(DEMO_PIN, DEMO_PIN_HASH)
    assert not verify_pin("4321", DEMO_PIN_HASH)


@pytest.mark.parametrize("stored", [
    "", "2468", "scrypt$16384$8$1$salt", "bcrypt$1$2$3$4$5", "scrypt$x$8$1$AA==$AA==",
    f"scrypt$1048576$8$1${SALT}${DIGEST}",  # 1 GiB: "memory limit exceeded" at the first PIN
    f"scrypt$1024$8$1${SALT}${DIGEST}",  # weaker than set-pin ever wrote
    f"scrypt$20000$8$1${SALT}${DIGEST}",  # not a power of two
    f"scrypt$16384$8$16${SALT}${DIGEST}", f"scrypt$16384$64$1${SALT}${DIGEST}",  # sixteen times the time, the memory
    f"scrypt$ 16384$8$1${SALT}${DIGEST}", f"scrypt$16_384$8$1${SALT}${DIGEST}",
    f"scrypt$16384$8$1$KmdcQYU6lGJnPhMhn/+Fzg$${DIGEST}", f"scrypt$16384$8$1${SALT}$8zbJTmbSX7HFTle34fqI!",
    f"scrypt$16384$8$1$AAAA${DIGEST}",  # a 3-byte salt
    f"scrypt$16384$8$1${SALT}$AAAA",  # a 3-byte hash
])
def test_anything_else_is_not_a_pin_hash(stored):
    assert not pin_hash_is_valid(stored)


def test_a_pin_hash_that_would_crash_the_kiosk_stops_it_at_load_naming_the_key(write_config, capsys):
    path = write_config(f'[staff]\npin_hash = "scrypt$1048576$8$1${SALT}${DIGEST}"')
    assert main(["run", "--config", str(path)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"kiosk: {path}: staff.pin_hash: has scrypt cost N = 1048576")
    assert "kiosk set-pin" in error and error.count("\n") == 1


# -- the cost ---------------------------------------------------------------------------------


def scrypt_taking(seconds_at_least_cost: float):
    """A device on which scrypt at MIN_COST takes this long, and twice as long at each doubling."""
    return lambda cost: seconds_at_least_cost * cost / MIN_COST


@pytest.mark.parametrize("seconds_at_least_cost, cost", [
    (0.1, 2**16),  # 0.4 s at 2**16; 2**17 would take 0.8 s
    (0.08, 2**17),  # 0.64 s at 2**17: nearer half a second than 0.32 s
    (0.6, MIN_COST),  # a slow device still gets the least cost
    (0.001, MAX_COST),  # a fast one no more memory than a kiosk may spend
])
def test_set_pin_takes_the_strongest_cost_the_device_affords_in_about_half_a_second(seconds_at_least_cost, cost):
    assert affordable_cost(seconds_for=scrypt_taking(seconds_at_least_cost)) == cost


def test_set_pin_writes_the_cost_it_measured_and_the_kiosk_takes_it(write_config, monkeypatch, capsys):
    path = write_config()
    monkeypatch.setenv(PIN_ENV, NEW_PIN)
    monkeypatch.setattr(kiosk.pin, "_time_scrypt", scrypt_taking(0.1))
    assert main(["set-pin", "--config", str(path)]) == 0
    assert "scrypt N = 65536" in capsys.readouterr().out
    stored = load_config(path).staff.pin_hash
    assert stored.startswith("scrypt$65536$8$1$") and verify_pin(NEW_PIN, stored)


# -- the config file ---------------------------------------------------------------------------


def test_the_hash_goes_into_an_existing_staff_table_and_nothing_else_changes():
    text = "# top\n[kiosk]\nid = 'a'\n\n[staff]  \nallow_power = true\n\n[hours]\nmon = '08:00-16:00'\n"
    result = with_pin_hash(text, "scrypt$H")
    assert result == "# top\n[kiosk]\nid = 'a'\n\n[staff]  \npin_hash = \"scrypt$H\"\nallow_power = true\n\n" \
                     "[hours]\nmon = '08:00-16:00'\n"


def test_a_staff_header_with_a_comment_is_found_not_made_twice():
    text = "[staff]   # the staff panel\nallow_shell = true\n"
    result = with_pin_hash(text, "scrypt$H")
    assert result == "[staff]   # the staff panel\npin_hash = \"scrypt$H\"\nallow_shell = true\n"


def test_a_staff_table_is_added_where_there_is_none():
    text = "[kiosk]\nid = 'a'  # the kiosk\n"
    assert with_pin_hash(text, "scrypt$H") == "[kiosk]\nid = 'a'  # the kiosk\n\n[staff]\npin_hash = \"scrypt$H\"\n"


def test_an_existing_pin_hash_is_replaced_not_repeated():
    text = '[staff]\n# set with kiosk set-pin\n  pin_hash = "scrypt$OLD"\nallow_shell = false\n[other]\npin_hash = 1\n'
    assert with_pin_hash(text, "scrypt$NEW") == \
        '[staff]\n# set with kiosk set-pin\npin_hash = "scrypt$NEW"\nallow_shell = false\n[other]\npin_hash = 1\n'


def test_set_pin_writes_a_hash_and_keeps_the_file_as_the_admin_wrote_it(write_config, provider_keys, monkeypatch,
                                                                        capsys):
    path = write_config()
    original = CONFIG_WITH_COMMENTS.format(key=provider_keys[1])
    path.write_text(original, encoding="utf-8")
    monkeypatch.setenv(PIN_ENV, NEW_PIN)
    assert main(["set-pin", "--config", str(path)]) == 0
    assert "Staff PIN set" in capsys.readouterr().out
    written = path.read_text(encoding="utf-8")
    assert NEW_PIN not in written
    [setting] = [line for line in written.splitlines() if line.startswith("pin_hash")]
    assert written.replace(f"{setting}\n", "") == original  # one line more, the rest as it was
    config = load_config(path)
    assert verify_pin(NEW_PIN, config.staff.pin_hash)
    assert config.staff.allow_shell and config.idle_seconds == 90


def test_set_pin_asks_twice_without_the_variable(write_config, monkeypatch, capsys):
    path = write_config()
    monkeypatch.delenv(PIN_ENV, raising=False)
    answers = iter(["246813", "246814"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    assert main(["set-pin", "--config", str(path)]) == 2
    assert "the two PINs differ" in capsys.readouterr().err
    assert load_config(path).staff.pin_hash is None


@pytest.mark.parametrize("pin", ["12a456", "1234", "12345", "1234567890123"])
def test_set_pin_refuses_a_pin_that_is_not_6_to_12_digits(write_config, monkeypatch, capsys, pin):
    path = write_config()
    before = path.read_text()
    monkeypatch.setenv(PIN_ENV, pin)
    assert main(["set-pin", "--config", str(path)]) == 2
    error = capsys.readouterr().err
    assert "6 to 12 digits" in error and pin not in error and len(error.splitlines()) == 1
    assert path.read_text() == before


def test_set_pin_keeps_the_config_file_readable_as_it_was(write_config, monkeypatch):
    path = write_config()
    path.chmod(0o644)  # the kiosk may run as another user than the admin
    monkeypatch.setenv(PIN_ENV, NEW_PIN)
    assert main(["set-pin", "--config", str(path)]) == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


async def test_the_kiosk_accepts_the_pin_set_pin_wrote(write_config, monkeypatch):
    path = write_config()
    monkeypatch.setenv(PIN_ENV, "90817263")
    assert main(["set-pin", "--config", str(path)]) == 0
    app = build(load_config(path))
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        await pilot.press("f12")
        await type_pin(pilot, "90817263")
        assert isinstance(app.screen, StaffPanel)


# -- the lock-out -------------------------------------------------------------------------------


@pytest.fixture
def guard(tmp_path):
    clock = WallClock()
    return PinGuard(pin_hash(), tmp_path, clock=clock), clock


def test_five_wrong_pins_lock_for_30_seconds_then_each_more_doubles_the_wait(guard):
    guard, clock = guard
    for _ in range(FREE_ATTEMPTS - 1):
        assert guard.try_pin(WRONG_PIN).locked_for == 0
    assert guard.try_pin(WRONG_PIN).locked_for == FIRST_LOCKOUT_SECONDS
    waits = []
    for _ in range(4):
        clock.now += guard.locked_for()
        waits.append(guard.try_pin(WRONG_PIN).locked_for)
    assert waits == [60, 120, 240, 480]


def test_the_wait_stops_growing_at_an_hour(guard):
    guard, clock = guard
    for _ in range(20):
        clock.now += guard.locked_for()
        result = guard.try_pin(WRONG_PIN)
    assert result.locked_for == MAX_LOCKOUT_SECONDS


def test_while_locked_even_the_right_pin_is_refused_and_counts_nothing(guard):
    guard, clock = guard
    for _ in range(FREE_ATTEMPTS):
        guard.try_pin(WRONG_PIN)
    clock.now += 29
    result = guard.try_pin(PIN)
    assert not result.accepted and result.locked_for == pytest.approx(1)
    assert guard.failures == FREE_ATTEMPTS
    clock.now += 1
    assert guard.try_pin(PIN).accepted
    assert guard.failures == 0 and guard.locked_for() == 0


def test_the_lock_out_survives_a_restart(tmp_path):
    clock = WallClock()
    guard = PinGuard(pin_hash(), tmp_path, clock=clock)
    for _ in range(FREE_ATTEMPTS + 1):
        clock.now += guard.locked_for()
        guard.try_pin(WRONG_PIN)
    clock.now += 10
    restarted = PinGuard(pin_hash(), tmp_path, clock=clock)  # the plug pulled and put back
    assert restarted.locked_for() == pytest.approx(50)
    assert not restarted.try_pin(PIN).accepted
    clock.now += 50
    assert restarted.try_pin(WRONG_PIN).locked_for == 120  # the count went on too


def test_a_lock_file_that_cannot_be_saved_still_locks(tmp_path):
    clock = WallClock()
    guard = PinGuard(pin_hash(), tmp_path / "missing" / "folder", clock=clock)
    for _ in range(FREE_ATTEMPTS):
        guard.try_pin(WRONG_PIN)
    assert guard.locked_for() == FIRST_LOCKOUT_SECONDS
    assert not guard.try_pin(PIN).accepted


def test_no_pin_reaches_the_log(guard, caplog):
    guard, clock = guard
    caplog.set_level(logging.DEBUG)
    for _ in range(FREE_ATTEMPTS + 1):
        clock.now += guard.locked_for()
        guard.try_pin(WRONG_PIN)
    clock.now += guard.locked_for()
    guard.try_pin(PIN)
    messages = [record.getMessage() for record in caplog.records]
    assert any("accepted after 6 wrong" in message for message in messages)
    assert not any(PIN in message or WRONG_PIN in message for message in messages)
