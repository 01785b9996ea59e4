"""When a client who asked for a reply must have had one: the working days they were promised,
counted in Finnish working days from the day they asked."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

FINLAND = ZoneInfo("Europe/Helsinki")


def easter(year: int) -> date:
    """Easter Sunday (the anonymous Gregorian algorithm, a.k.a. Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday_shift) // 451
    month, day = divmod(h + weekday_shift - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _saturday_from(first: date) -> date:
    """The Saturday in the week starting at `first`."""
    return first + timedelta(days=(5 - first.weekday()) % 7)


def finnish_holidays(year: int) -> dict[date, str]:
    """Finnish public holidays, with juhannusaatto (a de facto day off everywhere). Some always
    fall on a weekend; they are listed all the same, for anyone showing a calendar."""
    easter_sunday = easter(year)
    midsummer_day = _saturday_from(date(year, 6, 20))
    holidays = {
        date(year, 1, 1): "uudenvuodenpäivä",
        date(year, 1, 6): "loppiainen",
        easter_sunday - timedelta(days=2): "pitkäperjantai",
        easter_sunday: "pääsiäispäivä",
        easter_sunday + timedelta(days=1): "2. pääsiäispäivä",
        date(year, 5, 1): "vappu",
        easter_sunday + timedelta(days=39): "helatorstai",
        easter_sunday + timedelta(days=49): "helluntaipäivä",
        midsummer_day - timedelta(days=1): "juhannusaatto",
        midsummer_day: "juhannuspäivä",
        _saturday_from(date(year, 10, 31)): "pyhäinpäivä",
        date(year, 12, 6): "itsenäisyyspäivä",
        date(year, 12, 24): "jouluaatto",
        date(year, 12, 25): "joulupäivä",
        date(year, 12, 26): "tapaninpäivä",
    }
    return dict(sorted(holidays.items()))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in finnish_holidays(day.year)


def reply_deadline(asked: date, working_days: int) -> date:
    """The day `working_days` working days after `asked` (which itself never counts, even if it
    was a working day: a request made at closing time gets the full time)."""
    if working_days < 0:
        raise ValueError(f"working_days must not be negative: {working_days}")
    day = asked
    for _ in range(working_days):
        day += timedelta(days=1)
        while not is_working_day(day):
            day += timedelta(days=1)
    return day


def day_asked(hour: str, received: datetime, *, clock_synced: bool | None) -> date:
    """The day in Finland the client asked for a reply: the record's hour (UTC, to the hour),
    unless the kiosk said its clock was not set, or the hour is after the request arrived (a
    clock ahead): then the day it arrived, which is never later than the day asked."""
    asked = datetime.strptime(hour, "%Y-%m-%dT%H:%MZ").replace(tzinfo=timezone.utc)
    trusted = clock_synced is not False and asked <= received
    return (asked if trusted else received).astimezone(FINLAND).date()
