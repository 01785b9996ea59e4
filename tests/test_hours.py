"""Opening hours: outside them the kiosk rests and collects nothing; mistakes in [hours] name their key."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest

from kiosk.config import load_config
from kiosk.errors import UserError
from kiosk.hours import OpeningHours
from screens.endings import RestingScreen
from screens.question import ChoiceScreen
from screens.welcome import WelcomeScreen
from tests.pilot import build, settle, shown, tap_on, visible_targets

MONDAY = datetime(2026, 3, 2)  # a Monday


def hours_from(write_config, body: str) -> OpeningHours:
    return load_config(write_config(f"[hours]\n{body}")).hours


# -- the config -----------------------------------------------------------------------------------


def test_open_between_opening_and_closing_on_listed_days_only(write_config):
    hours = hours_from(write_config, 'mon = "07:30-16:00"\nfri = " 8:00 - 15:00 "\nclosed = ["2026-03-06"]')
    assert not hours.is_open(MONDAY.replace(hour=7, minute=29))
    assert hours.is_open(MONDAY.replace(hour=7, minute=30))
    assert hours.is_open(MONDAY.replace(hour=15, minute=59))
    assert not hours.is_open(MONDAY.replace(hour=16))  # closing time: closed
    assert not hours.is_open(MONDAY.replace(hour=12) + timedelta(days=1))  # Tuesday is not listed
    assert not hours.is_open(MONDAY.replace(hour=12) + timedelta(days=4))  # Friday, but a closed date
    assert hours.is_open(MONDAY.replace(hour=12) + timedelta(days=11))  # the next Friday


def test_without_an_hours_table_the_kiosk_is_always_open(write_config):
    hours = load_config(write_config()).hours
    assert hours.is_open(MONDAY.replace(hour=3)) and hours.is_open(MONDAY + timedelta(days=6))


@pytest.mark.parametrize("body, key, words", [
    ('mon = "7.30-16"', "hours.mon", 'like "07:30-16:00"'),
    ('tue = "25:00-26:00"', "hours.tue", "not '25:00-26:00'"),
    ('wed = "16:00-08:00"', "hours.wed", "closes (08:00) before it opens (16:00)"),
    ('thu = 8', "hours.thu", "must be text"),
    ('mon = "08:00-16:00"\nclosed = ["2026-02-30"]', "hours.closed[0]", 'like "2026-12-24"'),
    ('mon = "08:00-16:00"\nsunday = "10:00-12:00"', "hours.sunday", "not a known key"),
    ('closed = ["2026-12-24"]', "hours.mon", "at least one weekday"),
], ids=["format", "no such hour", "backwards", "not text", "no such date", "misspelt day", "no day at all"])
def test_a_mistake_names_its_key(write_config, body, key, words):
    with pytest.raises(UserError) as raised:
        hours_from(write_config, body)
    assert raised.value.key == key
    assert words in raised.value.problem


# -- the app ----------------------------------------------------------------------------------------


def hours_around_now(open_now: bool) -> OpeningHours:
    """Today's hours, a span that holds the present moment or one that ended an hour ago."""
    now = datetime.now()
    if open_now:
        span = (time(0, 0), time(23, 59, 59))
    else:
        span = (time(0, 0), time(0, 0, 1)) if now.time() >= time(0, 1) else (time(23, 0), time(23, 59))
    return OpeningHours({now.weekday(): span}, always_open=False)


async def test_outside_the_hours_the_kiosk_rests_with_nothing_to_tap(config, opened):
    app = build(replace(config, hours=hours_around_now(open_now=False)))
    async with app.run_test(size=(50, 15)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, RestingScreen)
        assert "aukioloaikoina" in shown(app)
        assert not visible_targets(app)
        await pilot.press("enter", "5", "tab", "enter")
        await settle(pilot)
        assert isinstance(app.screen, RestingScreen)
    assert opened(config) == []


async def test_the_kiosk_opens_and_closes_with_the_hours_but_never_during_a_visit(config):
    app = build(replace(config, hours=hours_around_now(open_now=False)))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, RestingScreen)
        app.config = replace(app.config, hours=hours_around_now(open_now=True))  # the opening hour comes
        app.check_opening_hours()
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        await tap_on(pilot, id="start")
        app.config = replace(app.config, hours=hours_around_now(open_now=False))  # closing time, mid-visit
        app.check_opening_hours()
        await settle(pilot)
        assert isinstance(app.screen, ChoiceScreen)
        await tap_on(pilot, id="back")
        app.check_opening_hours()
        await settle(pilot)
        assert isinstance(app.screen, RestingScreen)


def test_a_closed_date_closes_the_whole_day():
    hours = OpeningHours({0: (time(8), time(16))}, frozenset({date(2026, 3, 2)}), always_open=False)
    assert not hours.is_open(MONDAY.replace(hour=12))
    assert hours.is_open(MONDAY.replace(hour=12) + timedelta(days=7))


def test_a_day_can_close_at_midnight(tmp_path):
    from datetime import datetime

    from kiosk.hours import parse_hours
    from kiosk.tomlfile import Table

    path = tmp_path / "hours.toml"
    path.write_text('mon = "18:00-24:00"\n')
    hours = parse_hours(Table.load(path))
    assert hours.is_open(datetime(2026, 11, 23, 23, 59))  # a Monday
    assert not hours.is_open(datetime(2026, 11, 24, 0, 1))
