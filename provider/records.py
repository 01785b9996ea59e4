"""Checking an opened record before it is stored: what only the provider can check.

The record's form (its fields, their types, a UUID id, the version) is the wire's
(sync/wire/records.py); here, what needs the envelope, the published surveys or the
kiosk's languages. A record that does not fit is refused with the protocol's reason:
`unknown-survey` for a survey id and version the receiver was never given,
`invalid-record` for anything else.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from kiosk.guard import ContactError, parse_email, parse_phone
from kiosk.languages import CODES
from kiosk.survey import Question, Survey
from sync.wire.protocol import INVALID_RECORD, UNKNOWN_SURVEY
from sync.wire.records import AnswerValue, Record, RecordInvalid, ReplyRequest, Response, record_from_wire

SurveyLookup = Callable[[str, int], Survey | None]


class RecordRefused(Exception):
    def __init__(self, reason: str, detail: str):
        self.reason = reason
        super().__init__(f"{reason}: {detail}")  # names fields, never their values: they are feedback


def checked_record(opened: Any, kiosk_id: str, survey_for: SurveyLookup) -> Record:
    """The opened record of the envelope from `kiosk_id`, read and checked; or RecordRefused."""
    try:
        record = record_from_wire(opened)
    except RecordInvalid as invalid:
        raise RecordRefused(INVALID_RECORD, str(invalid)) from None
    if record.origin.kiosk != kiosk_id:
        raise _invalid("the record names another kiosk than its envelope")
    if isinstance(record, Response):
        _check_response(record, survey_for)
    else:
        _check_reply_request(record)
    return record


def _check_reply_request(request: ReplyRequest) -> None:
    if request.language not in CODES:
        raise _invalid("language is not one the kiosk speaks")
    # The kiosk keeps a phone number as E.164 and an address as parsed: the same parsing must
    # give it back unchanged, or it is no phone number or address (a formula, say).
    parse = {"phone": parse_phone, "email": parse_email}[request.contact_kind]
    try:
        kept = parse(request.contact).value
    except ContactError:
        kept = None
    if kept != request.contact:
        raise _invalid(f"contact is not a {request.contact_kind} as the kiosk keeps one")


def is_unicode(document: Any) -> bool:
    """Whether every text in a parsed JSON document is Unicode: JSON's `\\ud800` escapes can
    make lone surrogates, which no database column and no JSON answer can hold."""
    try:
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, RecursionError):
        return False
    return True


def _check_response(response: Response, survey_for: SurveyLookup) -> None:
    survey = survey_for(response.survey_id, response.survey_version)
    if survey is None:
        raise RecordRefused(UNKNOWN_SURVEY, "survey id and version not published to this receiver")
    if response.language not in survey.languages:
        raise _invalid("language is not one of the survey's")
    if survey.headline.id not in response.answers:
        raise _invalid("the headline question has no answer")
    asked = {question.id: question for question in survey.questions}
    for question_id, value in response.answers.items():
        question = asked.get(question_id)
        if question is None:
            raise _invalid("an answer to a question the survey does not have")
        if not _valid_answer(question, value):
            raise _invalid(f"the answer to {question_id!r} is not valid for a {question.type} question")


def _valid_answer(question: Question, value: AnswerValue) -> bool:
    if question.type == "text":
        return isinstance(value, str)  # its length the wire checked: at most MAX_FREE_TEXT
    if question.type == "multi":
        return (isinstance(value, tuple) and all(question.has_option(choice) for choice in value)
                and len(set(value)) == len(value) <= (question.max_choices or len(question.options)))
    return question.type != "reply" and question.has_option(value)  # a reply request travels in its own record


def _invalid(detail: str) -> RecordRefused:
    return RecordRefused(INVALID_RECORD, detail)
