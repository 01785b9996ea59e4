"""Writing opened records for people and systems: JSON Lines, or CSV for spreadsheets.

The columns are the wire record's own (sync/wire/records.py), whoever exports: `kiosk open`
on a kiosk's queue, or the provider from its database.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import TextIO

from sync.wire.records import REPLY_COLUMNS, RESPONSE_COLUMNS, ReplyRequest, Response

# What the provider adds to a reply request it stores: when it arrived, and by when to answer.
RECEIVED_REPLY_COLUMNS = ("received_at", "reply_deadline")
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection);
# a leading apostrophe makes it text, and keeps the + of a phone number.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_records(records: list[dict], format: str, out: TextIO, *, replies: bool = False) -> None:
    """`records` are responses, or with `replies` reply requests, in their wire form: a CSV of none
    still has their columns. Reply requests the provider stored have RECEIVED_REPLY_COLUMNS too."""
    if format == "jsonl":
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    elif replies:
        received = tuple(column for column in RECEIVED_REPLY_COLUMNS if any(column in record for record in records))
        _write_csv(REPLY_COLUMNS + received, (_reply_row(record, received) for record in records), out)
    else:
        questions = list(dict.fromkeys(key for record in records for key in record["answers"]))
        _write_csv(RESPONSE_COLUMNS + tuple(questions), (_response_row(record, questions) for record in records), out)


def _write_csv(columns: tuple[str, ...], rows: Iterable[dict], out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({column: _as_text(value) for column, value in row.items()} for row in rows)


def _as_text(value: object) -> object:
    if value is None:
        return ""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def _response_row(record: dict, questions: list[str]) -> dict:
    response = Response.from_wire(record)
    row = response.row()
    for question in questions:
        answer = response.answers.get(question, "")
        row[question] = ";".join(map(str, answer)) if isinstance(answer, tuple) else answer
    return row


def _reply_row(record: dict, received: tuple[str, ...]) -> dict:
    return {**ReplyRequest.from_wire(record).row(), **{column: record.get(column) for column in received}}
