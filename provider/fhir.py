"""FHIR R4 exports of opened feedback: a survey as a Questionnaire, responses as
QuestionnaireResponses in a batch Bundle that a FHIR server can load twice without duplicates.

Pure functions from the kiosk's own data to FHIR JSON (dicts); nothing here talks to a server.
Reply requests never go to FHIR: a response only says that the client asked for a reply.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from kiosk.errors import UserError
from kiosk.survey import Option, Question, Survey, Text

SURVEY_BASE_URL = "urn:feedback-kiosk:survey"
RESPONSE_SYSTEM = "urn:feedback-kiosk:response"
EXTENSION_BASE = "urn:feedback-kiosk:extension"
TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
MAX_OCCURS = "http://hl7.org/fhir/StructureDefinition/questionnaire-maxOccurs"
ITEM_TYPES = {"faces": "choice", "scale": "choice", "single": "choice", "multi": "choice",
              "text": "text", "reply": "boolean"}
# An abandoned visit ("partial") will never be finished: R4's "stopped", not "in-progress"
# (which promises that answers are still coming).
PARTIAL_STATUS = "stopped"
RECORD_HOUR = "%Y-%m-%dT%H:%MZ"  # a record's hour (sync/wire/records.py, Origin)
FHIR_DATETIME = "%Y-%m-%dT%H:%M:%SZ"  # FHIR wants the seconds whenever there is a time


def survey_url(survey: Survey, base_url: str = SURVEY_BASE_URL) -> str:
    return f"{base_url}/{survey.id}"


# -- the survey ---------------------------------------------------------------------------


def questionnaire(survey: Survey, *, base_url: str = SURVEY_BASE_URL) -> dict:
    """The survey as a Questionnaire in its first language, with the others as translations.
    The survey has no title of its own: its headline question stands for it."""
    url = survey_url(survey, base_url)
    return {
        "resourceType": "Questionnaire",
        "url": url,
        "version": str(survey.version),
        **_translated("title", survey.headline.text, survey.languages),
        "status": "active",
        "language": survey.languages[0],
        "item": [_question_item(question, survey, url) for question in survey.questions],
    }


def questionnaires(surveys: list[Survey], *, base_url: str = SURVEY_BASE_URL) -> dict:
    """Several surveys' Questionnaires, in a collection Bundle."""
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": questionnaire(survey, base_url=base_url)} for survey in surveys]}


def _question_item(question: Question, survey: Survey, url: str) -> dict:
    item = {
        "linkId": question.id,
        **_translated("text", question.text, survey.languages),
        "type": ITEM_TYPES[question.type],
        "required": not question.optional,
    }
    if question.type == "multi":
        item["repeats"] = True
        if question.max_choices is not None and question.max_choices < len(question.options):
            item["extension"] = [{"url": MAX_OCCURS, "valueInteger": question.max_choices}]
    if question.options:
        item["answerOption"] = [{"valueCoding": _coding(question, option, url, survey.languages)}
                                for option in question.options]
    if question.show_if:
        item.update(_enable_when(survey.question(question.show_if.question), question.show_if.values, url))
    return item


def _enable_when(target: Question, values: frozenset[int | str], url: str) -> dict:
    """One "=" per value that shows the question. Not ">=" / "<=" for faces and scales: the
    answer is a Coding, and R4 defines no order on Codings, so form fillers differ on it."""
    conditions = [{"question": target.id, "operator": "=", "answerCoding": _code(target, option.value, url)}
                  for option in target.options if option.value in values]
    return {"enableWhen": conditions, "enableBehavior": "any"}


def _code(question: Question, value: int | str, url: str) -> dict:
    return {"system": f"{url}/{question.id}", "code": str(value)}


def _coding(question: Question, option: Option, url: str, languages: tuple[str, ...]) -> dict:
    return {**_code(question, option.value, url), **_translated("display", option.label, languages)}


def _translated(key: str, text: Text, languages: tuple[str, ...]) -> dict:
    """`key` in the first language, and `_key` with the others as translation extensions."""
    first, *others = languages
    translated = {key: text[first]}
    if others:
        translated[f"_{key}"] = {"extension": [
            {"url": TRANSLATION, "extension": [{"url": "lang", "valueCode": code},
                                               {"url": "content", "valueString": text[code]}]}
            for code in others]}
    return translated


# -- responses ----------------------------------------------------------------------------


def questionnaire_response(record: dict, survey: Survey, *, base_url: str = SURVEY_BASE_URL) -> dict:
    """One opened `response` record as a QuestionnaireResponse. Anonymous: no subject, no
    author, and of a reply request only the fact that there was one."""
    _check_record(record, survey)
    url = survey_url(survey, base_url)
    items = [{"linkId": question.id, "answer": answers} for question in survey.questions
             if (answers := _answers(question, record, url))]
    return {
        "resourceType": "QuestionnaireResponse",
        "extension": _record_extensions(record),
        "identifier": {"system": RESPONSE_SYSTEM, "value": record["id"]},
        "questionnaire": f"{url}|{survey.version}",
        "status": PARTIAL_STATUS if record["flags"]["partial"] else "completed",
        "authored": datetime.strptime(record["hour"], RECORD_HOUR).strftime(FHIR_DATETIME),
        "language": record["language"],
        "item": items,  # never empty: the headline is always answered
    }


def _check_record(record: dict, survey: Survey) -> None:
    """A record the survey cannot describe means the wrong survey file, or one changed
    without a new version: the export would be wrong, so it stops."""
    if record.get("type") != "response":
        raise ValueError(f"not a response record: {record.get('type')!r}")
    if (record["survey"]["id"], record["survey"]["version"]) != (survey.id, survey.version):
        raise ValueError(f"response {record['id']} is for survey {record['survey']}, not {survey.id} v{survey.version}")
    if record["language"] not in survey.languages:
        raise _mismatch(survey, record, f"is in {record['language']!r}, which the survey is not written in")
    asked = {question.id: question for question in survey.questions}
    for question_id, answer in record["answers"].items():
        question = asked.get(question_id)
        if question is None:
            raise _mismatch(survey, record, f"answers {question_id!r}, which the survey does not ask")
        if question.options and any(_option(question, value) is None for value in _chosen(answer)):
            raise _mismatch(survey, record, f"answers {answer!r} to {question_id!r}, which is not one of its options")


def _mismatch(survey: Survey, record: dict, problem: str) -> UserError:
    return UserError(f"response {record['id']} {problem}: was the survey changed without a new version?",
                     file=survey.source or None, key=f"{survey.id} v{survey.version}")


def _chosen(answer: int | str | list) -> list:
    return answer if isinstance(answer, list) else [answer]


def _option(question: Question, value: object) -> Option | None:
    """Compared by type too, as the kiosk does: JSON keeps 4 and "4" apart."""
    return next((option for option in question.options
                 if type(option.value) is type(value) and option.value == value), None)


def _answers(question: Question, record: dict, url: str) -> list[dict]:
    if question.type == "reply":
        return [{"valueBoolean": True}] if record.get("reply") else []
    answer = record["answers"].get(question.id)
    if answer is None:
        return []
    if question.type == "text":
        text = answer.strip()  # FHIR strings may not be empty
        return [{"valueString": text}] if text else []
    # Each answer's display in the language the client saw, as `language` says.
    return [{"valueCoding": {**_code(question, value, url),
                             "display": _option(question, value).label[record["language"]]}}
            for value in _chosen(answer)]


def _record_extensions(record: dict) -> list[dict]:
    flags = record["flags"]
    # Beside who helped, whether the answers are the client's own view (absent: not asked, or not said).
    own_view = [{"url": f"{EXTENSION_BASE}:own-view", "valueCode": record["own_view"]}] if "own_view" in record else []
    return [
        {"url": f"{EXTENSION_BASE}:mode", "valueCode": record["mode"]},
        *own_view,
        {"url": f"{EXTENSION_BASE}:misuse", "valueBoolean": flags["misuse"]},
        {"url": f"{EXTENSION_BASE}:synthetic", "valueBoolean": flags["synthetic"]},
        {"url": f"{EXTENSION_BASE}:kiosk", "valueString": record["kiosk"]},
        {"url": f"{EXTENSION_BASE}:unit", "valueString": record["unit"]},
    ]


# -- a batch --------------------------------------------------------------------------------


def response_bundle(records: list[dict], surveys: Mapping[tuple[str, int], Survey], *,
                    base_url: str = SURVEY_BASE_URL) -> dict:
    """A batch of conditional creates: loading the same export twice creates nothing twice.
    Reply requests among `records` are left out: contact details never go to FHIR."""
    entries = []
    for record in records:
        if record.get("type") != "response":
            continue
        key = (record["survey"]["id"], record["survey"]["version"])
        if key not in surveys:
            raise UserError(f"response {record['id']} is for survey {key[0]} version {key[1]}, "
                            "which is not among the surveys given")
        entries.append({
            "resource": questionnaire_response(record, surveys[key], base_url=base_url),
            "request": {"method": "POST", "url": "QuestionnaireResponse",
                        "ifNoneExist": f"identifier={RESPONSE_SYSTEM}|{record['id']}"},
        })
    return {"resourceType": "Bundle", "type": "batch", **({"entry": entries} if entries else {})}
