"""Writing opened records for people and systems: JSON Lines, or CSV for spreadsheets."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import TextIO

RESPONSE_COLUMNS = ("id", "survey", "survey_version", "language", "mode", "partial", "misuse", "synthetic",
                    "hour", "kiosk", "unit", "reply")
REPLY_COLUMNS = ("reference", "contact_kind", "contact", "language", "promised_days", "hour", "kiosk", "unit",
                 "synthetic")
# What the receiver adds to a reply request it stores: when it arrived, and by when to answer.
RECEIVED_REPLY_COLUMNS = ("received_at", "reply_deadline")
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection);
# a leading apostrophe makes it text, and keeps the + of a phone number.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_records(records: list[dict], format: str, out: TextIO, *, replies: bool = False) -> None:
    """`records` are responses, or with `replies` reply requests: a CSV of none still has their columns.
    Reply requests the receiver stored have two columns more (RECEIVED_REPLY_COLUMNS)."""
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
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def _response_row(record: dict, questions: list[str]) -> dict:
    flags = record["flags"]
    row = {
        "id": record["id"], "survey": record["survey"]["id"], "survey_version": record["survey"]["version"],
        "language": record["language"], "mode": record["mode"], "partial": flags["partial"],
        "misuse": flags["misuse"], "synthetic": flags["synthetic"], "hour": record["hour"],
        "kiosk": record["kiosk"], "unit": record["unit"], "reply": record.get("reply") or "",
    }
    for question in questions:
        answer = record["answers"].get(question, "")
        row[question] = ";".join(map(str, answer)) if isinstance(answer, list) else answer
    return row


def _reply_row(record: dict, received: tuple[str, ...]) -> dict:
    return {
        "reference": record["reference"], "contact_kind": record["contact"]["kind"],
        "contact": record["contact"]["value"], "language": record["language"],
        "promised_days": record["promised_days"], "hour": record["hour"], "kiosk": record["kiosk"],
        "unit": record["unit"], "synthetic": record.get("flags", {}).get("synthetic", ""),
        **{column: record.get(column) or "" for column in received},
    }
