"""A kiosk's heartbeat, checked field by field before it is stored, and cleaned for showing.

A heartbeat says how a kiosk is: counts, versions, its last error (docs/protocol.md). Every
field comes from the kiosk, so each known one must have its documented type, and every text
is cleaned as clients' free text is (no escape sequence, bidi override or zero-width
character reaches a terminal or a page) and kept to one short line. Fields the receiver does
not know (a newer kiosk's) are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from kiosk.guard import clean_text
from sync.wire.protocol import CLOCK_SYNCED, CLOCK_UNSYNCED

MAX_TEXT = 300  # the kiosk cuts its errors shorter
_UTC_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


class HeartbeatInvalid(ValueError):
    """A heartbeat field of the wrong type; the message names the field, not its value."""


def one_line(value: object, limit: int = MAX_TEXT) -> str:
    """A text from a kiosk as safe to print or show: cleaned, on one line, at most `limit` characters."""
    return " ".join(clean_text(str(value), limit * 2).split())[:limit]


def _count(value: Any) -> bool:
    return type(value) is int and value >= 0


def _count_or_none(value: Any) -> bool:
    return value is None or _count(value)


def _text(value: Any) -> bool:
    return isinstance(value, str)


def _text_or_none(value: Any) -> bool:
    return value is None or _text(value)


def _survey(value: Any) -> bool:
    return value is None or (isinstance(value, Mapping) and _text(value.get("id"))
                             and type(value.get("version")) is int)


FIELDS: dict[str, Callable[[Any], bool]] = {
    "sent_at": lambda value: isinstance(value, str) and bool(_UTC_TIME.fullmatch(value)),
    "clock": lambda value: value in (CLOCK_SYNCED, CLOCK_UNSYNCED),
    "software": _text,
    "survey": _survey,
    "bundle_version": _count,
    "queue_depth": _count,
    "oldest_unsent_age_seconds": _count_or_none,
    "quarantined": _count,
    "unsaved_in_memory": _count,
    "last_error": _text_or_none,
    "disk_free_bytes": _count,
}


def checked_heartbeat(document: Mapping[str, Any]) -> dict[str, Any]:
    """The heartbeat's known fields, each checked (HeartbeatInvalid names the first that is not
    of its type) and its texts cleaned; `kiosk` the caller has checked already."""
    checked: dict[str, Any] = {"kiosk": document["kiosk"]}
    for name, valid in FIELDS.items():
        if name not in document:
            continue
        value = document[name]
        if not valid(value):
            raise HeartbeatInvalid(f"the heartbeat's {name} is not of its type (docs/openapi.yaml: Heartbeat)")
        checked[name] = _cleaned(value)
    return checked


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        return one_line(value)
    if isinstance(value, Mapping):
        return {key: _cleaned(item) for key, item in value.items() if key in ("id", "version")}
    return value
