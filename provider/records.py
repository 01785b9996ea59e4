"""Checking an opened record (kiosk/visit.py's format) before it is stored, and the row it becomes.

A record that does not fit is refused with the protocol's reason: `unknown-survey` for a
survey id and version the receiver was never given, `invalid-record` for anything else.
The receiver takes only the fields it knows, so a newer kiosk may add fields.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from kiosk.languages import CODES
from kiosk.visit import is_option_value
from kiosk.survey import Question, Survey
from sync.wire.protocol import INVALID_RECORD, UNKNOWN_SURVEY

HOUR = re.compile(r"\d{4}-\d\d-\d\dT\d\d:00Z")
MAX_FREE_TEXT = 10_000  # the most a kiosk's free_text_max allows
MAX_SHORT_TEXT = 200  # ids, references, modes, contact details
CONTACT_KINDS = ("phone", "email")

SurveyLookup = Callable[[str, int], Survey | None]


class RecordRefused(Exception):
    def __init__(self, reason: str, detail: str):
        self.reason = reason
        super().__init__(f"{reason}: {detail}")  # names fields, never their values: they are feedback


def response_fields(record: dict, kiosk_id: str, survey_for: SurveyLookup) -> dict:
    """The columns of a response record (responses table), or RecordRefused."""
    survey = _survey(record.get("survey"), survey_for)
    language = _text(record, "language")
    if language not in survey.languages:
        raise _invalid("language is not one of the survey's")
    flags = record.get("flags")
    if not isinstance(flags, dict) or not all(type(flags.get(name)) is bool for name in ("partial", "misuse",
                                                                                          "synthetic")):
        raise _invalid("flags must hold partial, misuse and synthetic, each true or false")
    reply = record.get("reply")
    if reply is not None and not _short_text(reply):
        raise _invalid("reply must be a reference or null")
    _check_origin(record, kiosk_id)
    return {
        "id": record["id"], "survey": survey.id, "survey_version": survey.version, "language": language,
        "mode": _text(record, "mode"), "partial": flags["partial"], "misuse": flags["misuse"],
        "synthetic": flags["synthetic"], "hour": record["hour"], "reply": reply,
        "answers": json.dumps(_answers(record.get("answers"), survey), ensure_ascii=False),
    }


def reply_fields(record: dict, kiosk_id: str) -> dict:
    """The columns of a reply request record (reply_requests table), or RecordRefused."""
    contact = record.get("contact")
    if not isinstance(contact, dict) or contact.get("kind") not in CONTACT_KINDS or not _short_text(
            contact.get("value")):
        raise _invalid("contact must be a phone number or an e-mail address")
    days = record.get("promised_days")
    if type(days) is not int or not 1 <= days <= 365:
        raise _invalid("promised_days must be a whole number of days")
    language = _text(record, "language")
    if language not in CODES:
        raise _invalid("language is not one the kiosk speaks")
    _check_origin(record, kiosk_id)
    return {
        "id": record["id"], "reference": _text(record, "reference"), "contact_kind": contact["kind"],
        "contact": contact["value"], "language": language, "promised_days": days, "hour": record["hour"],
        "synthetic": _reply_synthetic(record.get("flags")),
    }


def _reply_synthetic(flags: Any) -> bool:
    # A reply request sealed before reply requests carried flags counts as real: a client who
    # asked for a reply must not be dropped as test data.
    if flags is None:
        return False
    if not isinstance(flags, dict) or type(flags.get("synthetic")) is not bool:
        raise _invalid("flags must hold synthetic, true or false")
    return flags["synthetic"]


def is_unicode(document: Any) -> bool:
    """Whether every text in a parsed JSON document is Unicode: JSON's `\\ud800` escapes can
    make lone surrogates, which no database column and no JSON answer can hold."""
    try:
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, RecursionError):
        return False
    return True


def _survey(value: Any, survey_for: SurveyLookup) -> Survey:
    if not isinstance(value, dict) or not isinstance(value.get("id"), str) or type(value.get("version")) is not int:
        raise _invalid("survey must name an id and a version")
    survey = survey_for(value["id"], value["version"])
    if survey is None:
        raise RecordRefused(UNKNOWN_SURVEY, "survey id and version not published to this receiver")
    return survey


def _check_origin(record: dict, kiosk_id: str) -> None:
    if record.get("kiosk") != kiosk_id:
        raise _invalid("the record names another kiosk than its envelope")
    _text(record, "unit")
    if not isinstance(record.get("hour"), str) or not HOUR.fullmatch(record["hour"]):
        raise _invalid("hour must be like 2026-11-23T14:00Z")


def _answers(answers: Any, survey: Survey) -> dict:
    if not isinstance(answers, dict):
        raise _invalid("answers must be a table of question ids")
    if survey.headline.id not in answers:
        raise _invalid("the headline question has no answer")
    for question_id, value in answers.items():
        question = next((question for question in survey.questions if question.id == question_id), None)
        if question is None:
            raise _invalid("an answer to a question the survey does not have")
        if not _valid_answer(question, value):
            raise _invalid(f"the answer to {question_id!r} is not valid for a {question.type} question")
    return answers


def _valid_answer(question: Question, value: Any) -> bool:
    if question.type == "text":
        return isinstance(value, str) and len(value) <= MAX_FREE_TEXT
    if question.type == "multi":
        if not isinstance(value, list) or not all(is_option_value(question, choice) for choice in value):
            return False
        return len(set(value)) == len(value) <= (question.max_choices or len(question.options))
    return question.type != "reply" and is_option_value(question, value)  # a reply request travels in its own record


def _text(record: dict, name: str) -> str:
    value = record.get(name)
    if not _short_text(value):
        raise _invalid(f"{name} must be a short text")
    return value


def _short_text(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_SHORT_TEXT


def _invalid(detail: str) -> RecordRefused:
    return RecordRefused(INVALID_RECORD, detail)
