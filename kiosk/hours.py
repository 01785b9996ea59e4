"""Opening hours: outside them the kiosk rests and collects nothing.

Config: `[hours]` with a line per weekday, `mon = "07:30-16:00"`; a day not listed is
closed; without an `[hours]` table the kiosk is always open. `closed = ["2026-12-24"]`
lists extra closed dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

from kiosk.tomlfile import Table

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})")


@dataclass(frozen=True)
class OpeningHours:
    spans: dict[int, tuple[time, time]] = field(default_factory=dict)  # weekday (0 = Monday) -> open, close
    closed_dates: frozenset[date] = frozenset()
    always_open: bool = True

    def is_open(self, now: datetime) -> bool:
        if self.always_open:
            return True
        if now.date() in self.closed_dates or now.weekday() not in self.spans:
            return False
        opens, closes = self.spans[now.weekday()]
        return opens <= now.time() < closes


def parse_hours(table: Table) -> OpeningHours:
    spans = {}
    for weekday, name in enumerate(WEEKDAYS):
        if table.has(name):
            spans[weekday] = _span(table, name)
    closed = frozenset(_date(table, index, text) for index, text in enumerate(table.strings("closed", [])))
    table.finish()
    if not spans:  # say, only `closed` dates: a kiosk that would never open is a mistake
        raise table.error(WEEKDAYS[0], 'is missing: give the hours of at least one weekday, like mon = "07:30-16:00" '
                                       "(without an [hours] table the kiosk is always open)")
    return OpeningHours(spans, closed, always_open=False)


def _span(table: Table, name: str) -> tuple[time, time]:
    text = table.string(name)
    match = _SPAN.fullmatch(text.replace(" ", ""))
    try:
        opens = time(int(match[1]), int(match[2]))
        # "24:00" closes at midnight: open to the day's last moment.
        closes = time.max if (match[3], match[4]) == ("24", "00") else time(int(match[3]), int(match[4]))
    except (TypeError, ValueError):
        raise table.error(name, f'must be opening and closing time like "07:30-16:00", not {text!r}') from None
    if closes <= opens:
        raise table.error(name, f"closes ({closes:%H:%M}) before it opens ({opens:%H:%M})")
    return opens, closes


def _date(table: Table, index: int, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise table.error(f"closed[{index}]", f'must be a date like "2026-12-24", not {text!r}') from None
