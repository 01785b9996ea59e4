"""FHIR R4 exports: the survey as a Questionnaire, responses as a batch Bundle.

fhir.resources checks structure only (no value sets, no links between resources), so the
rules a FHIR server or form filler relies on beyond that are checked here by hand.
"""

from __future__ import annotations

import json
import tomllib
from datetime import datetime, timezone
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire

from kiosk.errors import UserError
from kiosk.guard import Contact
from kiosk.survey import load_survey, parse_survey
from kiosk.tomlfile import Table
from kiosk.visit import Visit, VisitRules
from provider.fhir import (RESPONSE_SYSTEM, TRANSLATION, questionnaire, questionnaire_response,
                                response_bundle)

PHONE = Contact("phone", "+358401234567")
VISIT_HOUR = datetime(2025, 4, 22, 10, 37, tzinfo=timezone.utc)
# R4 value sets that fhir.resources does not enforce.
ITEM_TYPES = {"group", "display", "boolean", "decimal", "integer", "date", "dateTime", "time", "string", "text",
              "url", "choice", "open-choice", "attachment", "reference", "quantity"}
RESPONSE_STATUSES = {"in-progress", "completed", "amended", "entered-in-error", "stopped"}
OPERATORS = {"exists", "=", "!=", ">", "<", ">=", "<="}


@pytest.fixture(scope="module")
def survey():
    return load_survey()


@pytest.fixture(scope="module")
def form(survey) -> dict:
    return questionnaire(survey)


def visit(survey, steps: list, *, language: str = "fi", mode: str = "self", own_view: str | None = None) -> list[dict]:
    """The records the kiosk makes of one visit: each step answers the question on screen,
    None skips it, a Contact asks for a reply; steps that end before the survey does walk away.
    `own_view`: what a helped client says last, about whose view the answers are."""
    made = Visit(survey, VisitRules("lobby-1", "kalevi", reply_days=5), language=language, mode=mode,
                 clock=lambda: 1000.0)
    made.start()
    for step in steps:
        if step is None:
            made.skip()
        elif isinstance(step, Contact):
            made.request_reply(step)
        else:
            made.answer(step)
    if own_view is not None:
        made.tell_own_view(own_view)
    records = [record.to_wire() for record in made.end(VISIT_HOUR)]
    return json.loads(json.dumps(records))  # as the receiver opens them


@pytest.fixture(scope="module")
def records(survey) -> dict[str, list[dict]]:
    return {
        "full": visit(survey, [5, "listened", "  Hoitaja oli ystävällinen.  ", PHONE], language="sv"),
        "partial": visit(survey, [2, "waiting"]),
        "assisted": visit(survey, [3, None, None, None], language="fi-x-selko", mode="experience-expert",
                          own_view="partly"),
    }


@pytest.fixture(scope="module")
def bundle(survey, records) -> dict:
    every_record = [record for visit_records in records.values() for record in visit_records]
    return response_bundle(every_record, {(survey.id, survey.version): survey})


def responses(bundle: dict) -> dict[str, dict]:
    """The bundle's QuestionnaireResponses by record id."""
    return {entry["resource"]["identifier"]["value"]: entry["resource"] for entry in bundle["entry"]}


def response_of(bundle: dict, records: dict, name: str) -> dict:
    return responses(bundle)[records[name][0]["id"]]


def answer_of(response: dict, link_id: str) -> list[dict]:
    return next(item["answer"] for item in response["item"] if item["linkId"] == link_id)


def empty_values(value, path: str = "") -> list[str]:
    """Where the JSON has [], {} or "": FHIR JSON forbids them, fhir.resources lets them pass."""
    if value in ([], {}, ""):
        return [path]
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    return [found for key, child in children for found in empty_values(child, f"{path}/{key}")]


def translations(element: dict, key: str) -> dict[str, str]:
    return {next(part["valueCode"] for part in extension["extension"] if part["url"] == "lang"):
            next(part["valueString"] for part in extension["extension"] if part["url"] == "content")
            for extension in element[f"_{key}"]["extension"] if extension["url"] == TRANSLATION}


def enabled(item: dict, answers: dict[str, dict]) -> bool:
    """A form filler's reading of enableWhen for coded answers (`answers`: linkId -> Coding)."""
    if "enableWhen" not in item:
        return True
    results = []
    for condition in item["enableWhen"]:
        assert condition["operator"] == "=", "a Coding has no order in R4: only = works in every filler"
        given = answers.get(condition["question"])
        results.append(given is not None and (given["system"], given["code"]) ==
                       (condition["answerCoding"]["system"], condition["answerCoding"]["code"]))
    return any(results) if item.get("enableBehavior") == "any" else all(results)


# -- the Questionnaire --------------------------------------------------------------------------


def test_the_default_survey_is_a_valid_r4_questionnaire(survey, form):
    Questionnaire.model_validate(form)
    assert empty_values(form) == []
    assert (form["url"], form["version"], form["status"], form["language"]) == (
        "urn:feedback-kiosk:survey/visit-feedback", "1", "active", "fi")
    assert [(item["linkId"], item["type"]) for item in form["item"]] == [
        ("visit", "choice"), ("went_well", "choice"), ("went_badly", "choice"), ("more", "text"), ("reply", "boolean")]
    assert {item["type"] for item in form["item"]} <= ITEM_TYPES
    assert [item["linkId"] for item in form["item"] if item["required"]] == ["visit"]


def test_the_faces_are_coded_one_to_five_with_their_finnish_words(form):
    options = [option["valueCoding"] for option in form["item"][0]["answerOption"]]
    assert [(coding["code"], coding["display"]) for coding in options] == [
        ("1", "Erittäin huono"), ("2", "Huono"), ("3", "Kohtalainen"), ("4", "Hyvä"), ("5", "Erittäin hyvä")]
    assert {coding["system"] for coding in options} == {"urn:feedback-kiosk:survey/visit-feedback/visit"}


def test_every_text_has_a_translation_in_every_other_language_of_the_survey(survey, form):
    others = set(survey.languages[1:])
    assert {"fi-x-selko", "sv-x-lattlast"} <= others  # private-use tags pass through as they are
    assert set(translations(form, "title")) == others
    for item, question in zip(form["item"], survey.questions, strict=True):
        assert translations(item, "text") == {code: question.text[code] for code in others}
        for option, choice in zip(item.get("answerOption", []), question.options, strict=True):
            assert translations(option["valueCoding"], "display") == {code: choice.label[code] for code in others}


@pytest.mark.parametrize("face", [1, 2, 3, 4, 5])
def test_the_good_topics_show_exactly_for_the_two_best_faces(form, face):
    items = {item["linkId"]: item for item in form["item"]}
    chosen = {"visit": items["visit"]["answerOption"][face - 1]["valueCoding"]}
    assert all(condition["operator"] in OPERATORS for item in form["item"] for condition in item.get("enableWhen", []))
    assert enabled(items["went_well"], chosen) is (face >= 4)
    assert enabled(items["went_badly"], chosen) is (face <= 3)
    assert enabled(items["more"], chosen) and enabled(items["reply"], chosen)


# -- the responses --------------------------------------------------------------------------------


def test_the_bundle_of_responses_is_a_valid_r4_batch(bundle):
    Bundle.model_validate(bundle)
    assert bundle["type"] == "batch"
    assert empty_values(bundle) == []
    assert {entry["resource"]["resourceType"] for entry in bundle["entry"]} == {"QuestionnaireResponse"}


def test_every_answer_is_one_the_questionnaire_offers(form, bundle):
    offered = {item["linkId"]: {(option["valueCoding"]["system"], option["valueCoding"]["code"])
                                for option in item.get("answerOption", [])} for item in form["item"]}
    types = {item["linkId"]: item["type"] for item in form["item"]}
    answer_kinds = {"choice": "valueCoding", "text": "valueString", "boolean": "valueBoolean"}
    for response in responses(bundle).values():
        assert response["questionnaire"] == f"{form['url']}|{form['version']}"
        for item in response["item"]:
            assert item["linkId"] in offered
            for answer in item["answer"]:
                assert list(answer) == [answer_kinds[types[item["linkId"]]]]
                if "valueCoding" in answer:
                    assert (answer["valueCoding"]["system"], answer["valueCoding"]["code"]) in offered[item["linkId"]]


def test_a_finished_visit_keeps_its_answers_and_says_only_that_a_reply_was_asked(bundle, records):
    response = response_of(bundle, records, "full")
    assert [item["linkId"] for item in response["item"]] == ["visit", "went_well", "more", "reply"]
    assert answer_of(response, "visit")[0]["valueCoding"]["display"] == "Mycket bra"  # what the client saw
    assert answer_of(response, "more") == [{"valueString": "Hoitaja oli ystävällinen."}]
    assert answer_of(response, "reply") == [{"valueBoolean": True}]
    assert (response["status"], response["language"], response["authored"]) == ("completed", "sv", "2025-04-22T10:00:00Z")
    exported = json.dumps(bundle)
    assert PHONE.value not in exported and records["full"][1]["reference"] not in exported
    assert "subject" not in response and "author" not in response


def test_a_visit_the_client_walked_away_from_is_stopped_not_completed(bundle, records):
    response = response_of(bundle, records, "partial")
    assert response["status"] == "stopped"
    assert [item["linkId"] for item in response["item"]] == ["visit", "went_badly"]
    assert {response["status"] for response in responses(bundle).values()} <= RESPONSE_STATUSES


def test_assisted_feedback_and_the_kiosk_are_marked_with_extensions(bundle, records):
    response = response_of(bundle, records, "assisted")
    extensions = {extension["url"]: extension for extension in response["extension"]}
    assert extensions["urn:feedback-kiosk:extension:mode"]["valueCode"] == "experience-expert"
    assert extensions["urn:feedback-kiosk:extension:own-view"]["valueCode"] == "partly"
    assert extensions["urn:feedback-kiosk:extension:misuse"]["valueBoolean"] is False
    assert extensions["urn:feedback-kiosk:extension:synthetic"]["valueBoolean"] is False
    assert extensions["urn:feedback-kiosk:extension:kiosk"]["valueString"] == "lobby-1"
    assert extensions["urn:feedback-kiosk:extension:unit"]["valueString"] == "kalevi"
    assert (response["status"], response["language"]) == ("completed", "fi-x-selko")
    assert [item["linkId"] for item in response["item"]] == ["visit"]
    alone = response_of(bundle, records, "full")  # a client alone was never asked
    assert not any(extension["url"].endswith(":own-view") for extension in alone["extension"])


def test_loading_the_export_twice_creates_each_response_once(bundle, records):
    response_ids = [visit_records[0]["id"] for visit_records in records.values()]
    assert [entry["request"] for entry in bundle["entry"]] == [
        {"method": "POST", "url": "QuestionnaireResponse", "ifNoneExist": f"identifier={RESPONSE_SYSTEM}|{record_id}"}
        for record_id in response_ids]
    assert [entry["resource"]["identifier"] for entry in bundle["entry"]] == [
        {"system": "urn:feedback-kiosk:response", "value": record_id} for record_id in response_ids]


def test_a_survey_changed_without_a_new_version_stops_the_export(survey, records):
    record = records["full"][0] | {"answers": {"visit": 5, "went_well": "parking"}}
    with pytest.raises(UserError, match="'parking' to 'went_well'.*without a new version"):
        response_bundle([record], {(survey.id, survey.version): survey})
    with pytest.raises(UserError, match="visit-feedback version 1"):
        response_bundle([record], {})


def test_a_bundle_of_nothing_is_still_a_valid_batch():
    bundle = response_bundle([], {})
    Bundle.model_validate(bundle)
    assert empty_values(bundle) == []


# -- other question types --------------------------------------------------------------------------

SCALE_AND_MULTI = """
id = "clinic"
version = 3
languages = ["fi", "en"]

[[question]]
id = "recommend"
type = "scale"
text = { fi = "Suosittelisitko?", en = "Would you recommend us?" }

[[question]]
id = "helped"
type = "multi"
max_choices = 2
show_if = { question = "recommend", at_most = 6 }
text = { fi = "Mikä auttaisi?", en = "What would help?" }
option = [{ value = "time", label = { fi = "Aika", en = "Time" } },
          { value = "calls", label = { fi = "Puhelut", en = "Calls" } },
          { value = "signs", label = { fi = "Opasteet", en = "Signs" } }]
"""


@pytest.fixture(scope="module")
def clinic():
    return parse_survey(Table(tomllib.loads(SCALE_AND_MULTI), Path("clinic.toml")))


def test_a_multiple_choice_repeats_up_to_its_limit_and_a_scale_answer_is_coded(clinic):
    form = questionnaire(clinic)
    Questionnaire.model_validate(form)
    scale, multi = form["item"]
    assert [option["valueCoding"]["code"] for option in scale["answerOption"]] == [str(n) for n in range(11)]
    assert multi["repeats"] is True
    assert multi["extension"] == [{"url": "http://hl7.org/fhir/StructureDefinition/questionnaire-maxOccurs",
                                   "valueInteger": 2}]
    assert [code for code in map(str, range(11)) if enabled(multi, {"recommend": {
        "system": "urn:feedback-kiosk:survey/clinic/recommend", "code": code}})] == list("0123456")

    record = visit(clinic, [4, ("signs", "time")], language="en")[0]
    response = questionnaire_response(record, clinic)
    assert response["questionnaire"] == "urn:feedback-kiosk:survey/clinic|3"
    assert [answer["valueCoding"]["display"] for answer in answer_of(response, "helped")] == ["Time", "Signs"]
    assert answer_of(response, "recommend")[0]["valueCoding"]["code"] == "4"
