"""One person's visit: where they are in the survey, what they answered, and the records it makes, once."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from kiosk.guard import Contact
from kiosk.visit import REFERENCE_ALPHABET, REFERENCE_LENGTH, Visit, VisitRules, format_reference, new_reference
from kiosk.survey import load_survey

PHONE = Contact("phone", "+358401234567")
HELSINKI_WINTER = timezone(timedelta(hours=2))


@pytest.fixture(scope="module")
def survey():
    return load_survey()


RULES = VisitRules("lobby-1", "kalevi", reply_days=5)


@pytest.fixture
def new_visit(survey, clock):
    def new(previous_response_at: float | None = None, **rules) -> Visit:
        return Visit(survey, replace(RULES, **rules), language="sv", previous_response_at=previous_response_at,
                     clock=clock)

    return new


def wire(records) -> list[dict]:
    return [record.to_wire() for record in records]


def at(visit: Visit) -> tuple[str | None, tuple[int, int] | None]:
    """The question on screen and its progress line."""
    current = visit.current
    return (current.id, visit.progress()) if current else (None, None)


def finished_visit(visit: Visit, *, text: str = "Hyvä palvelu", reply: Contact | None = PHONE) -> Visit:
    visit.start()
    visit.answer(5)
    visit.answer("listened")
    visit.answer(text)
    visit.request_reply(reply) if reply else visit.skip()
    return visit


# -- moving through the survey -------------------------------------------------------------


def test_a_good_rating_leads_through_its_branch_to_text_and_reply(new_visit):
    visit = new_visit()
    assert at(visit) == (None, None)
    visit.start()
    assert at(visit) == ("visit", (1, 4))
    visit.answer(5)
    assert at(visit) == ("went_well", (2, 4))
    visit.answer("listened")
    assert at(visit) == ("more", (3, 4))
    visit.answer("Kiitos")
    assert at(visit) == ("reply", (4, 4))
    assert visit.request_reply(PHONE) is None
    assert visit.finished
    assert visit.answers == {"visit": 5, "went_well": "listened", "more": "Kiitos"}


def test_a_poor_rating_leads_to_the_other_branch(new_visit):
    visit = new_visit()
    visit.start()
    visit.answer(2)
    assert at(visit) == ("went_badly", (2, 4))
    visit.skip()
    assert at(visit) == ("more", (3, 4))
    visit.skip()
    visit.skip()
    assert visit.finished
    assert visit.answers == {"visit": 2}


def test_back_from_the_first_question_goes_to_welcome_and_keeps_the_answers(new_visit):
    visit = new_visit()
    visit.start()
    visit.answer(4)
    assert visit.back().id == "visit"
    assert visit.back() is None  # the welcome screen
    assert not visit.started
    assert visit.answers == {"visit": 4}
    assert visit.start().id == "visit"
    assert visit.answers["visit"] == 4  # shown as chosen when the client comes back


def test_changing_the_rating_drops_the_answer_of_the_branch_no_longer_shown(new_visit):
    visit = new_visit()
    visit.start()
    visit.answer(5)
    visit.answer("listened")
    visit.back()
    visit.back()
    assert at(visit) == ("visit", (1, 4))
    visit.answer(1)
    assert at(visit) == ("went_badly", (2, 4))
    assert visit.answers == {"visit": 1}


def test_the_headline_cannot_be_skipped(new_visit):
    visit = new_visit()
    visit.start()
    with pytest.raises(ValueError, match="cannot be skipped"):
        visit.skip()
    assert at(visit) == ("visit", (1, 4))


WRONG_ANSWERS = {
    "visit": ["3", 6, 0, True, [1], None, ("4",)],
    "went_well": [2, "privacy", ["listened"], ("listened",), True],  # "privacy" is a topic of the other branch
    "more": [5, None, ["text"]],
}


@pytest.mark.parametrize("question_id, value", [(question_id, value) for question_id, values in WRONG_ANSWERS.items()
                                                for value in values])
def test_an_answer_of_the_wrong_kind_is_refused(new_visit, question_id, value):
    visit = new_visit()
    visit.start()
    for answer in {"visit": [], "went_well": [5], "more": [5, "listened"]}[question_id]:
        visit.answer(answer)
    answers_before = dict(visit.answers)
    with pytest.raises(ValueError):
        visit.answer(value)
    assert visit.current.id == question_id
    assert visit.answers == answers_before


def test_the_reply_question_takes_contact_details_not_an_answer(new_visit):
    visit = new_visit()
    visit.start()
    for answer in (5, "listened", "Kiitos"):
        visit.answer(answer)
    with pytest.raises(ValueError):
        visit.answer("+358401234567")
    at_the_headline = new_visit()
    at_the_headline.start()
    with pytest.raises(ValueError, match="not a reply request"):
        at_the_headline.request_reply(PHONE)


def test_free_text_is_cleaned_of_control_characters_and_personal_data(new_visit):
    visit = new_visit()
    visit.start()
    visit.answer(5)
    visit.answer("listened")
    visit.answer("Soita \x1b[31m040 123 4567\u202e tai anna.virtanen@example.fi, hetu 131052-308T.")
    assert visit.answers["more"] == "Soita [PHONE] tai [EMAIL], hetu [HETU]."


def test_free_text_is_capped(new_visit):
    visit = new_visit(free_text_max=20)
    visit.start()
    visit.answer(5)
    visit.answer("listened")
    visit.answer("jono oli pitkä " * 10)
    assert visit.answers["more"] == ("jono oli pitkä " * 10)[:20]


def test_without_a_reply_promise_the_reply_question_is_not_offered(new_visit):
    visit = new_visit(reply_days=None)
    visit.start()
    assert at(visit) == ("visit", (1, 3))
    visit.answer(5)
    visit.answer("listened")
    assert at(visit) == ("more", (3, 3))
    assert visit.answer("Kiitos") is None
    assert visit.finished


# -- the records -----------------------------------------------------------------------------


RESPONSE_FIELDS = {"v", "type", "id", "survey", "language", "answers", "mode", "flags", "kiosk", "unit", "hour", "reply"}
REPLY_FIELDS = {"v", "type", "id", "reference", "contact", "language", "promised_days", "kiosk", "unit", "hour", "flags"}


def test_a_finished_visit_gives_a_response_and_a_separate_reply_request(new_visit):
    visit = finished_visit(new_visit())
    reference = visit.reply.reference
    response, reply_request = wire(visit.end(now=datetime(2025, 3, 4, 15, 47, 12, tzinfo=HELSINKI_WINTER)))
    assert set(response) == RESPONSE_FIELDS
    assert response["type"] == "response"
    assert response["survey"] == {"id": "visit-feedback", "version": 1}
    assert response["language"] == "sv"
    assert response["answers"] == {"visit": 5, "went_well": "listened", "more": "Hyvä palvelu"}
    assert response["mode"] == "self"
    assert response["flags"] == {"partial": False, "misuse": False, "synthetic": False}
    assert (response["kiosk"], response["unit"]) == ("lobby-1", "kalevi")
    assert response["hour"] == "2025-03-04T13:00Z"  # to the hour, in UTC

    assert set(reply_request) == REPLY_FIELDS
    assert reply_request["type"] == "reply_request"
    assert reply_request["contact"] == {"kind": "phone", "value": "+358401234567"}
    assert reply_request["promised_days"] == 5
    assert reply_request["flags"] == {"synthetic": False}
    assert reply_request["reference"] == response["reply"] == reference
    assert reply_request["id"] != response["id"]

    assert "358401234567" not in json.dumps(response)  # no contact details in the response
    for answer in ("listened", "Hyvä palvelu"):  # no answers in the reply request
        assert answer not in json.dumps(reply_request, ensure_ascii=False)


def test_a_simulated_visit_marks_its_reply_request_synthetic_too(new_visit):
    response, reply_request = wire(finished_visit(new_visit(synthetic=True)).end())
    assert response["flags"]["synthetic"] and reply_request["flags"] == {"synthetic": True}


def test_a_visit_without_a_reply_gives_only_the_response(new_visit):
    records = wire(finished_visit(new_visit(), reply=None).end())
    assert [record["type"] for record in records] == ["response"]
    assert records[0]["reply"] is None


def test_a_visit_is_recorded_once_however_many_paths_end_it(new_visit):
    finished = finished_visit(new_visit())
    assert len(finished.end()) == 2
    assert finished.end() == []  # say, the thanks timer after the staff panel: nothing again
    abandoned = new_visit()
    abandoned.start()
    abandoned.answer(4)
    assert len(abandoned.end()) == 1  # the staff's PIN
    assert abandoned.end() == []  # the panel's timeout


def test_after_it_ends_a_visit_holds_no_answers_only_the_persons_choices(new_visit):
    visit = finished_visit(new_visit())
    visit.bigger_text = True
    visit.end()
    assert (visit.answers, visit.reply) == ({}, None)
    assert (visit.language, visit.bigger_text) == ("sv", True)  # the thanks are still in their language


# -- when someone helped: are the answers the client's own view? ---------------------------------


def helped_visit(new_visit, mode: str = "experience-expert") -> Visit:
    visit = new_visit()
    visit.mode = mode
    return finished_visit(visit)


def test_a_helped_client_is_asked_last_whether_the_answers_are_their_own_view(new_visit):
    visit = helped_visit(new_visit)
    assert visit.finished and visit.current is None and visit.asks_own_view
    visit.tell_own_view("partly")
    assert not visit.asks_own_view
    response, _ = wire(visit.end())
    assert (response["mode"], response["own_view"]) == ("experience-expert", "partly")
    assert set(response) == RESPONSE_FIELDS | {"own_view"}


def test_a_client_alone_is_not_asked_and_their_record_has_no_own_view(new_visit):
    visit = finished_visit(new_visit())
    assert visit.finished and not visit.asks_own_view
    with pytest.raises(ValueError):
        visit.tell_own_view("yes")
    response, _ = wire(visit.end())
    assert "own_view" not in response


def test_a_helped_client_who_leaves_at_the_last_question_keeps_the_answers_without_an_own_view(new_visit):
    visit = helped_visit(new_visit, "friend-help")
    response, _ = wire(visit.end())  # the idle timer: everything was answered, the last question was not
    assert response["answers"]["more"] == "Hyvä palvelu" and not response["flags"]["partial"]
    assert "own_view" not in response
    assert not visit.asks_own_view and visit.own_view is None


def test_back_from_the_own_view_question_is_the_last_question_and_an_unknown_view_is_refused(new_visit):
    visit = helped_visit(new_visit)
    with pytest.raises(ValueError):
        visit.tell_own_view("mostly")
    assert visit.back().type == "reply" and not visit.finished and not visit.asks_own_view
    visit.skip()
    assert visit.asks_own_view
    visit.tell_own_view("helper")
    assert wire(visit.end())[0]["own_view"] == "helper"


def test_the_provider_reads_the_own_view_back_refuses_an_unknown_one_and_takes_older_records(new_visit):
    from sync.wire.records import RecordInvalid, Response

    visit = helped_visit(new_visit)
    visit.tell_own_view("yes")
    response = wire(visit.end())[0]
    assert Response.from_wire(response).own_view == "yes"
    with pytest.raises(RecordInvalid, match="own_view"):
        Response.from_wire({**response, "own_view": "mostly"})
    older = {key: value for key, value in response.items() if key != "own_view"}  # sealed before it was asked
    assert Response.from_wire(older).own_view is None


def test_someone_is_here_once_they_touch_anything_of_their_own(new_visit):
    in_swedish = {"default_language": "sv"}  # the language the fixture's visits are in
    assert not new_visit(**in_swedish).someone_is_here
    for change in ({"language": "en"}, {"mode": "interpreter"}, {"speech": True}, {"bigger_text": True}):
        visit = new_visit(**in_swedish)
        for name, value in change.items():
            setattr(visit, name, value)
        assert visit.someone_is_here, change
    started = new_visit(**in_swedish)
    started.start()
    assert started.someone_is_here


def test_an_untouched_visit_takes_a_new_survey_a_begun_one_keeps_its_own(new_visit, survey):
    from dataclasses import replace as changed

    newer = changed(survey, version=2)
    visit = new_visit()
    visit.language = "en"
    renewed = visit.with_survey(newer)
    assert (renewed.survey.version, renewed.language) == (2, "en")
    renewed.start()
    with pytest.raises(ValueError):
        renewed.with_survey(survey)


def test_the_rules_come_from_the_kiosks_config(config):
    rules = VisitRules.from_config(config)
    assert (rules.kiosk_id, rules.unit_id, rules.reply_days, rules.partial) == ("lobby-1", "kalevi", 5, "keep-rating")
    assert VisitRules.from_config(config, synthetic=True).synthetic


def walked_away_at_the_reply_question(new_visit) -> Visit:
    visit = new_visit()
    visit.start()
    for answer in (2, "waiting", "Jono oli pitkä"):
        visit.answer(answer)
    assert visit.current.type == "reply"
    return visit


def test_walking_away_keeps_the_rating_marked_partial_but_no_free_text(new_visit):
    records = wire(walked_away_at_the_reply_question(new_visit).end())
    assert len(records) == 1
    assert records[0]["type"] == "response"
    assert records[0]["answers"] == {"visit": 2, "went_badly": "waiting"}
    assert records[0]["flags"]["partial"] is True
    assert records[0]["reply"] is None
    assert "Jono" not in json.dumps(records)


def test_walking_away_with_the_discard_policy_keeps_nothing(new_visit):
    assert walked_away_at_the_reply_question(lambda: new_visit(partial="discard")).end() == []


def test_walking_away_before_the_rating_keeps_nothing(new_visit):
    visit = new_visit()
    visit.start()
    assert visit.end() == []


def test_walking_away_after_going_back_to_welcome_keeps_the_rating(new_visit):
    visit = new_visit()
    visit.start()
    visit.answer(4)
    visit.back()
    visit.back()
    assert [record["answers"] for record in wire(visit.end())] == [{"visit": 4}]


def test_a_rating_soon_after_the_previous_response_is_flagged_as_possible_misuse(new_visit, clock):
    previous = clock()
    clock.advance(3)
    hurried = finished_visit(new_visit(previous_response_at=previous, min_interval=5))
    clock.advance(60)  # answering slowly after the rating does not clear the flag
    assert wire(hurried.end())[0]["flags"]["misuse"] is True

    clock.advance(6)
    later = finished_visit(new_visit(previous_response_at=clock() - 6, min_interval=5))
    assert wire(later.end())[0]["flags"]["misuse"] is False


def test_the_first_response_of_a_kiosk_is_not_misuse(new_visit):
    assert wire(finished_visit(new_visit(previous_response_at=None)).end())[0]["flags"]["misuse"] is False


def test_references_are_easy_to_read_aloud_and_differ_between_visits(new_visit):
    references = {finished_visit(new_visit()).reply.reference for _ in range(20)}
    references |= {new_reference() for _ in range(200)}
    assert len(references) == 220
    for reference in references:
        assert len(reference) == REFERENCE_LENGTH
        assert set(reference) <= set(REFERENCE_ALPHABET)
    assert not set(REFERENCE_ALPHABET) & set("O0I1B8S5Z2G")  # letters and digits easily confused
    assert format_reference("K7M4QX") == "K7M 4QX"
