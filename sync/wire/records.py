"""The records a kiosk seals, as both ends read them: a response, and a reply request.

The kiosk builds them (kiosk/visit.py) and seals each in an envelope of its own; the
provider opens the envelope and reads the record back with `from_wire`, which checks
every field's type and form and refuses the record, naming the field but never its
value (values are feedback), if one does not fit. What depends on the survey (does the
question exist, is the answer one of its options) the provider checks with the survey
in hand (provider/records.py).

Version 1 records carry `"v": 1`; a record without `v` was sealed before records had
it and is read as version 1. Fields a newer kiosk adds are ignored. An optional field
(`own_view`) is absent when it says nothing, as in the records of kiosks that never knew it:
adding one keeps the version.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sync.wire.protocol import MAX_REPLY_DAYS

VERSION = 1
RESPONSE = "response"
REPLY_REQUEST = "reply_request"
CONTACT_KINDS = ("phone", "email")
# When someone helped, whether the answers are the client's own view: yes, partly, or the helper's.
OWN_VIEWS = ("yes", "partly", "helper")
HOUR = re.compile(r"\d{4}-\d\d-\d\dT\d\d:00Z")
MAX_FREE_TEXT = 10_000  # the most a kiosk's free_text_max allows
MAX_SHORT_TEXT = 200  # ids, references, modes, contact details, language codes

ContactKind = Literal["phone", "email"]
AnswerValue = int | str | tuple[str, ...]

# The columns of each record in exports and in the provider's tables, in this order.
RESPONSE_COLUMNS = ("id", "survey", "survey_version", "language", "mode", "own_view", "partial", "misuse", "synthetic",
                    "hour", "kiosk", "unit", "reply")
REPLY_COLUMNS = ("id", "reference", "contact_kind", "contact", "language", "promised_days", "hour", "kiosk", "unit",
                 "synthetic")


class RecordInvalid(ValueError):
    """A record that does not fit this definition; the message names the field, not its value."""


@dataclass(frozen=True)
class Origin:
    """Where and when a record was made: the kiosk, its unit, the hour (never finer)."""

    kiosk: str
    unit: str
    hour: str  # like 2026-11-23T14:00Z

    def to_wire(self) -> dict[str, str]:
        return {"kiosk": self.kiosk, "unit": self.unit, "hour": self.hour}

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Origin:
        return cls(row["kiosk"], row["unit"], row["hour"])

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Origin:
        hour = data.get("hour")
        if not isinstance(hour, str) or not HOUR.fullmatch(hour):
            raise RecordInvalid("hour must be like 2026-11-23T14:00Z")
        return cls(_short_text(data, "kiosk"), _short_text(data, "unit"), hour)


@dataclass(frozen=True)
class Response:
    """One client's answers to one survey."""

    id: str
    survey_id: str
    survey_version: int
    language: str
    answers: Mapping[str, AnswerValue]  # question id -> a value, or a tuple of values (multiple choice)
    mode: str  # "self", or who helped (assisted feedback)
    origin: Origin
    partial: bool = False  # the client walked away after the headline question
    misuse: bool = False  # a headline answer too soon after the previous response
    synthetic: bool = False  # test or demo data (`kiosk simulate`)
    reply: str | None = None  # the reference of the reply request sent beside it
    # One of OWN_VIEWS, asked when someone helped; None (absent on the wire) for a client alone, for
    # a helped client who left before saying, and in records sealed before it was asked.
    own_view: str | None = None

    def to_wire(self) -> dict[str, Any]:
        return {
            "v": VERSION, "type": RESPONSE, "id": self.id,
            "survey": {"id": self.survey_id, "version": self.survey_version},
            "language": self.language,
            "answers": {key: list(value) if isinstance(value, tuple) else value for key, value in self.answers.items()},
            "mode": self.mode, **({"own_view": self.own_view} if self.own_view is not None else {}),
            "flags": {"partial": self.partial, "misuse": self.misuse, "synthetic": self.synthetic},
            **self.origin.to_wire(), "reply": self.reply,
        }

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Response:
        _check_header(data, RESPONSE)
        survey = data.get("survey")
        if not isinstance(survey, Mapping) or not _is_short_text(survey.get("id")) \
                or type(survey.get("version")) is not int:
            raise RecordInvalid("survey must name an id and a version")
        flags = _flags(data, ("partial", "misuse", "synthetic"), required=True)
        reply = data.get("reply")
        if reply is not None and not _is_short_text(reply):
            raise RecordInvalid("reply must be a reference or null")
        own_view = data.get("own_view")
        if own_view is not None and own_view not in OWN_VIEWS:
            raise RecordInvalid(f"own_view must be one of {', '.join(OWN_VIEWS)}, or absent")
        return cls(id=data["id"], survey_id=survey["id"], survey_version=survey["version"],
                   language=_short_text(data, "language"), answers=_answers(data.get("answers")),
                   mode=_short_text(data, "mode"), origin=Origin.from_wire(data), reply=reply, own_view=own_view,
                   **flags)

    def row(self) -> dict[str, Any]:
        """The record as a row of RESPONSE_COLUMNS (the answers apart: they vary by survey)."""
        return {"id": self.id, "survey": self.survey_id, "survey_version": self.survey_version,
                "language": self.language, "mode": self.mode, "own_view": self.own_view, "partial": self.partial,
                "misuse": self.misuse, "synthetic": self.synthetic, **self.origin.to_wire(), "reply": self.reply}

    @classmethod
    def from_row(cls, row: Mapping[str, Any], answers: Mapping[str, AnswerValue]) -> Response:
        """The record a `row()` was made of (a database may give its flags back as 0 and 1)."""
        return cls(id=row["id"], survey_id=row["survey"], survey_version=row["survey_version"],
                   language=row["language"], answers=answers, mode=row["mode"], origin=Origin.from_row(row),
                   partial=bool(row["partial"]), misuse=bool(row["misuse"]), synthetic=bool(row["synthetic"]),
                   reply=row["reply"], own_view=row["own_view"])


@dataclass(frozen=True)
class ReplyRequest:
    """A client's wish for a reply: their contact details, sealed apart from their answers and
    linked to the response only by the random reference the client was shown."""

    id: str
    reference: str
    contact_kind: ContactKind
    contact: str
    language: str
    promised_days: int  # the working days the client was promised
    origin: Origin
    synthetic: bool = False

    def to_wire(self) -> dict[str, Any]:
        return {
            "v": VERSION, "type": REPLY_REQUEST, "id": self.id, "reference": self.reference,
            "contact": {"kind": self.contact_kind, "value": self.contact}, "language": self.language,
            "promised_days": self.promised_days, **self.origin.to_wire(), "flags": {"synthetic": self.synthetic},
        }

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> ReplyRequest:
        _check_header(data, REPLY_REQUEST)
        contact = data.get("contact")
        if not isinstance(contact, Mapping) or contact.get("kind") not in CONTACT_KINDS \
                or not _is_short_text(contact.get("value")):
            raise RecordInvalid("contact must be a phone number or an e-mail address")
        days = data.get("promised_days")
        if type(days) is not int or not 1 <= days <= MAX_REPLY_DAYS:
            raise RecordInvalid("promised_days must be a whole number of days")
        # A reply request sealed before reply requests carried flags counts as real: a client who
        # asked for a reply must not be dropped as test data.
        flags = _flags(data, ("synthetic",), required=False)
        return cls(id=data["id"], reference=_short_text(data, "reference"), contact_kind=contact["kind"],
                   contact=contact["value"], language=_short_text(data, "language"), promised_days=days,
                   origin=Origin.from_wire(data), **flags)

    def row(self) -> dict[str, Any]:
        """The record as a row of REPLY_COLUMNS."""
        return {"id": self.id, "reference": self.reference, "contact_kind": self.contact_kind,
                "contact": self.contact, "language": self.language, "promised_days": self.promised_days,
                **self.origin.to_wire(), "synthetic": self.synthetic}

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> ReplyRequest:
        """The record a `row()` was made of."""
        return cls(id=row["id"], reference=row["reference"], contact_kind=row["contact_kind"],
                   contact=row["contact"], language=row["language"], promised_days=row["promised_days"],
                   origin=Origin.from_row(row), synthetic=bool(row["synthetic"]))


Record = Response | ReplyRequest


def record_from_wire(data: Any) -> Record:
    """An opened record, read by its `type`; RecordInvalid if it fits neither."""
    if not isinstance(data, Mapping):
        raise RecordInvalid("a record must be a JSON object")
    kinds = {RESPONSE: Response, REPLY_REQUEST: ReplyRequest}
    if data.get("type") not in kinds:
        raise RecordInvalid(f"type must be {RESPONSE!r} or {REPLY_REQUEST!r}")
    return kinds[data["type"]].from_wire(data)


def is_record_id(value: Any) -> bool:
    """A record's id: a UUID in its hyphenated lower-case form, as the kiosk makes them."""
    if not isinstance(value, str) or len(value) != 36:
        return False
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


def _check_header(data: Mapping[str, Any], kind: str) -> None:
    version = data.get("v", VERSION)
    if type(version) is not int or version != VERSION:
        raise RecordInvalid(f"v must be {VERSION} (a record of another version)")
    if data.get("type") != kind:
        raise RecordInvalid(f"type must be {kind!r}")
    if not is_record_id(data.get("id")):
        raise RecordInvalid("id must be a UUID")


def _flags(data: Mapping[str, Any], names: tuple[str, ...], *, required: bool) -> dict[str, bool]:
    flags = data.get("flags")
    if flags is None and not required:
        return dict.fromkeys(names, False)
    if not isinstance(flags, Mapping) or not all(type(flags.get(name)) is bool for name in names):
        raise RecordInvalid(f"flags must hold {', '.join(names)}, each true or false")
    return {name: flags[name] for name in names}


def _answers(answers: Any) -> dict[str, AnswerValue]:
    if not isinstance(answers, Mapping) or not all(_is_short_text(key) for key in answers):
        raise RecordInvalid("answers must be a table of question ids")
    read: dict[str, AnswerValue] = {}
    for question_id, value in answers.items():
        if isinstance(value, list) and all(_is_short_text(choice) for choice in value):
            read[question_id] = tuple(value)
        elif type(value) is int or isinstance(value, str) and len(value) <= MAX_FREE_TEXT:
            read[question_id] = value
        else:
            raise RecordInvalid(f"the answer to {question_id!r} is neither a number, a text nor a list of choices")
    return read


def _short_text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if not _is_short_text(value):
        raise RecordInvalid(f"{name} must be a short text")
    return value


def _is_short_text(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_SHORT_TEXT
