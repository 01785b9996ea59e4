"""Reply deadlines: the working days the client was promised, from the day they asked, in Finland."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from provider.deadlines import day_asked, easter, finnish_holidays, reply_deadline


@pytest.mark.parametrize("year, sunday", [(2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)),
                                          (2026, date(2026, 4, 5)), (2027, date(2027, 3, 28)),
                                          (2038, date(2038, 4, 25))])  # the latest possible Easter
def test_easter_falls_on_the_known_sunday(year, sunday):
    assert easter(year) == sunday


def test_the_2025_holidays_are_the_finnish_calendar():
    assert finnish_holidays(2025) == {
        date(2025, 1, 1): "uudenvuodenpäivä",
        date(2025, 1, 6): "loppiainen",
        date(2025, 4, 18): "pitkäperjantai",
        date(2025, 4, 20): "pääsiäispäivä",
        date(2025, 4, 21): "2. pääsiäispäivä",
        date(2025, 5, 1): "vappu",
        date(2025, 5, 29): "helatorstai",
        date(2025, 6, 8): "helluntaipäivä",
        date(2025, 6, 20): "juhannusaatto",
        date(2025, 6, 21): "juhannuspäivä",
        date(2025, 11, 1): "pyhäinpäivä",
        date(2025, 12, 6): "itsenäisyyspäivä",
        date(2025, 12, 24): "jouluaatto",
        date(2025, 12, 25): "joulupäivä",
        date(2025, 12, 26): "tapaninpäivä",
    }


@pytest.mark.parametrize("year, eve", [(2024, date(2024, 6, 21)), (2026, date(2026, 6, 19)),
                                       (2027, date(2027, 6, 25))])
def test_midsummer_eve_is_the_friday_before_the_saturday_between_20_and_26_june(year, eve):
    holidays = finnish_holidays(year)
    assert holidays[eve] == "juhannusaatto" and eve.weekday() == 4


@pytest.mark.parametrize("received, working_days, deadline", [
    (date(2025, 3, 3), 5, date(2025, 3, 10)),       # Monday: five days later, over one weekend
    (date(2025, 3, 7), 1, date(2025, 3, 10)),       # Friday: the next working day is Monday
    (date(2025, 3, 8), 1, date(2025, 3, 10)),       # arrived on a Saturday
    (date(2025, 12, 22), 3, date(2025, 12, 30)),    # Christmas Eve to Boxing Day, then a weekend
    (date(2025, 12, 30), 2, date(2026, 1, 2)),      # New Year's Day, into the next year
    (date(2026, 4, 2), 1, date(2026, 4, 7)),        # Maundy Thursday: Good Friday to Easter Monday off
    (date(2027, 3, 25), 4, date(2027, 4, 2)),       # Easter 2027 at the end of March
    (date(2025, 5, 28), 1, date(2025, 5, 30)),      # helatorstai, a Thursday
    (date(2025, 6, 19), 1, date(2025, 6, 23)),      # juhannusaatto, a Friday
    (date(2025, 3, 3), 0, date(2025, 3, 3)),
])
def test_the_deadline_skips_weekends_and_holidays(received, working_days, deadline):
    assert reply_deadline(received, working_days) == deadline


def test_a_negative_number_of_days_is_refused():
    with pytest.raises(ValueError, match="must not be negative"):
        reply_deadline(date(2025, 3, 3), -1)


def test_the_day_asked_is_the_finnish_day_of_the_records_hour():
    received = datetime(2026, 12, 4, 10, 0, tzinfo=timezone.utc)
    assert day_asked("2026-11-20T07:00Z", received, clock_synced=True) == date(2026, 11, 20)
    assert day_asked("2026-11-20T22:00Z", received, clock_synced=None) == date(2026, 11, 21)  # midnight in Helsinki
    assert day_asked("2026-11-20T07:00Z", received, clock_synced=False) == date(2026, 12, 4)  # a clock not set
    assert day_asked("2026-12-05T07:00Z", received, clock_synced=True) == date(2026, 12, 4)  # a clock ahead


def test_a_two_day_promise_made_on_a_friday_runs_out_on_tuesday():
    assert reply_deadline(date(2026, 11, 20), 2) == date(2026, 11, 24)
