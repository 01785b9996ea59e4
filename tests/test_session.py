"""One client's visit: where they are in the survey, what they answered, and the records it makes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from kiosk.guard import Contact
from kiosk.visit import REFERENCE_ALPHABET, REFERENCE_LENGTH, Origin, Session, format_reference, new_reference
from kiosk.survey import load_survey

PHONE = Contact("phone", "+358401234567")
HELSINKI_WINTER = timezone(timedelta(hours=2))


@pytest.fixture(scope="module")
def survey():
    return load_survey()


@pytest.fixture
def new_session(survey, clock):
    def new(**options) -> Session:
        settings = {"reply_days": 5, "free_text_max": 1000, "min_interval": 5} | options
        return Session(survey=survey, language="sv", origin=Origin("lobby-1", "kalevi"), clock=clock, **settings)

    return new


def at(session: Session) -> tuple[str | None, tuple[int, int] | None]:
    """The question on screen and its progress line."""
    current = session.current
    return (current.id, session.progress()) if current else (None, None)


def finished_visit(session: Session, *, text: str = "Hyvä palvelu", reply: Contact | None = PHONE) -> Session:
    session.start()
    session.answer(5)
    session.answer("listened")
    session.answer(text)
    session.request_reply(reply) if reply else session.skip()
    return session


# -- moving through the survey -------------------------------------------------------------


def test_a_good_rating_leads_through_its_branch_to_text_and_reply(new_session):
    session = new_session()
    assert at(session) == (None, None)
    session.start()
    assert at(session) == ("visit", (1, 4))
    session.answer(5)
    assert at(session) == ("went_well", (2, 4))
    session.answer("listened")
    assert at(session) == ("more", (3, 4))
    session.answer("Kiitos")
    assert at(session) == ("reply", (4, 4))
    assert session.request_reply(PHONE) is None
    assert session.finished
    assert session.answers == {"visit": 5, "went_well": "listened", "more": "Kiitos"}


def test_a_poor_rating_leads_to_the_other_branch(new_session):
    session = new_session()
    session.start()
    session.answer(2)
    assert at(session) == ("went_badly", (2, 4))
    session.skip()
    assert at(session) == ("more", (3, 4))
    session.skip()
    session.skip()
    assert session.finished
    assert session.answers == {"visit": 2}


def test_back_from_the_first_question_goes_to_welcome_and_keeps_the_answers(new_session):
    session = new_session()
    session.start()
    session.answer(4)
    assert session.back().id == "visit"
    assert session.back() is None  # the welcome screen
    assert not session.started
    assert session.answers == {"visit": 4}
    assert session.start().id == "visit"
    assert session.answers["visit"] == 4  # shown as chosen when the client comes back


def test_changing_the_rating_drops_the_answer_of_the_branch_no_longer_shown(new_session):
    session = new_session()
    session.start()
    session.answer(5)
    session.answer("listened")
    session.back()
    session.back()
    assert at(session) == ("visit", (1, 4))
    session.answer(1)
    assert at(session) == ("went_badly", (2, 4))
    assert session.answers == {"visit": 1}


def test_the_headline_cannot_be_skipped(new_session):
    session = new_session()
    session.start()
    with pytest.raises(ValueError, match="cannot be skipped"):
        session.skip()
    assert at(session) == ("visit", (1, 4))


WRONG_ANSWERS = {
    "visit": ["3", 6, 0, True, [1], None, ("4",)],
    "went_well": [2, "privacy", ["listened"], ("listened",), True],  # "privacy" is a topic of the other branch
    "more": [5, None, ["text"]],
}


@pytest.mark.parametrize("question_id, value", [(question_id, value) for question_id, values in WRONG_ANSWERS.items()
                                                for value in values])
def test_an_answer_of_the_wrong_kind_is_refused(new_session, question_id, value):
    session = new_session()
    session.start()
    for answer in {"visit": [], "went_well": [5], "more": [5, "listened"]}[question_id]:
        session.answer(answer)
    answers_before = dict(session.answers)
    with pytest.raises(ValueError):
        session.answer(value)
    assert session.current.id == question_id
    assert session.answers == answers_before


def test_the_reply_question_takes_contact_details_not_an_answer(new_session):
    session = new_session()
    session.start()
    for answer in (5, "listened", "Kiitos"):
        session.answer(answer)
    with pytest.raises(ValueError):
        session.answer("+358401234567")
    at_the_headline = new_session()
    at_the_headline.start()
    with pytest.raises(ValueError, match="not a reply request"):
        at_the_headline.request_reply(PHONE)


def test_free_text_is_cleaned_of_control_characters_and_personal_data(new_session):
    session = new_session()
    session.start()
    session.answer(5)
    session.answer("listened")
    session.answer("Soita \x1b[31m040 123 4567\u202e tai anna.virtanen@example.fi, hetu 131052-308T.")
    assert session.answers["more"] == "Soita [PHONE] tai [EMAIL], hetu [HETU]."


def test_free_text_is_capped(new_session):
    session = new_session(free_text_max=20)
    session.start()
    session.answer(5)
    session.answer("listened")
    session.answer("jono oli pitkä " * 10)
    assert session.answers["more"] == ("jono oli pitkä " * 10)[:20]


def test_without_a_reply_promise_the_reply_question_is_not_offered(new_session):
    session = new_session(reply_days=None)
    session.start()
    assert at(session) == ("visit", (1, 3))
    session.answer(5)
    session.answer("listened")
    assert at(session) == ("more", (3, 3))
    assert session.answer("Kiitos") is None
    assert session.finished


# -- the records -----------------------------------------------------------------------------


RESPONSE_FIELDS = {"type", "id", "survey", "language", "answers", "mode", "flags", "kiosk", "unit", "hour", "reply"}
REPLY_FIELDS = {"type", "id", "reference", "contact", "language", "promised_days", "kiosk", "unit", "hour", "flags"}


def test_a_finished_visit_gives_a_response_and_a_separate_reply_request(new_session):
    session = finished_visit(new_session())
    response, reply_request = session.finish(now=datetime(2025, 3, 4, 15, 47, 12, tzinfo=HELSINKI_WINTER))
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
    assert reply_request["reference"] == response["reply"] == session.reply.reference
    assert reply_request["id"] != response["id"]

    assert "358401234567" not in json.dumps(response)  # no contact details in the response
    for answer in ("listened", "Hyvä palvelu"):  # no answers in the reply request
        assert answer not in json.dumps(reply_request, ensure_ascii=False)


def test_a_simulated_visit_marks_its_reply_request_synthetic_too(survey, clock):
    origin = Origin("lobby-1", "kalevi", synthetic=True)
    session = Session(survey=survey, language="sv", origin=origin, clock=clock, reply_days=5)
    response, reply_request = finished_visit(session).finish()
    assert response["flags"]["synthetic"] and reply_request["flags"] == {"synthetic": True}


def test_a_visit_without_a_reply_gives_only_the_response(new_session):
    records = finished_visit(new_session(), reply=None).finish()
    assert [record["type"] for record in records] == ["response"]
    assert records[0]["reply"] is None


def test_an_unfinished_visit_cannot_be_finished(new_session):
    session = new_session()
    session.start()
    session.answer(5)
    with pytest.raises(ValueError):
        session.finish()


def walked_away_at_the_reply_question(new_session) -> Session:
    session = new_session()
    session.start()
    for answer in (2, "waiting", "Jono oli pitkä"):
        session.answer(answer)
    assert session.current.type == "reply"
    return session


def test_walking_away_keeps_the_rating_marked_partial_but_no_free_text(new_session):
    records = walked_away_at_the_reply_question(new_session).abandon("keep-rating")
    assert len(records) == 1
    assert records[0]["type"] == "response"
    assert records[0]["answers"] == {"visit": 2, "went_badly": "waiting"}
    assert records[0]["flags"]["partial"] is True
    assert records[0]["reply"] is None
    assert "Jono" not in json.dumps(records)


def test_walking_away_with_the_discard_policy_keeps_nothing(new_session):
    assert walked_away_at_the_reply_question(new_session).abandon("discard") == []


def test_walking_away_before_the_rating_keeps_nothing(new_session):
    session = new_session()
    session.start()
    assert session.abandon("keep-rating") == []


def test_walking_away_after_going_back_to_welcome_keeps_the_rating(new_session):
    session = new_session()
    session.start()
    session.answer(4)
    session.back()
    session.back()
    records = session.abandon("keep-rating")
    assert [record["answers"] for record in records] == [{"visit": 4}]


def test_a_rating_soon_after_the_previous_response_is_flagged_as_possible_misuse(new_session, clock):
    previous = clock()
    clock.advance(3)
    hurried = finished_visit(new_session(previous_response_at=previous, min_interval=5))
    clock.advance(60)  # answering slowly after the rating does not clear the flag
    assert hurried.finish()[0]["flags"]["misuse"] is True
    assert hurried.abandon("keep-rating") == []  # a finished visit is not also abandoned

    clock.advance(6)
    later = finished_visit(new_session(previous_response_at=clock() - 6, min_interval=5))
    assert later.finish()[0]["flags"]["misuse"] is False


def test_the_first_response_of_a_kiosk_is_not_misuse(new_session):
    assert finished_visit(new_session(previous_response_at=None)).finish()[0]["flags"]["misuse"] is False


def test_references_are_easy_to_read_aloud_and_differ_between_visits(new_session):
    references = {finished_visit(new_session()).reply.reference for _ in range(20)}
    references |= {new_reference() for _ in range(200)}
    assert len(references) == 220
    for reference in references:
        assert len(reference) == REFERENCE_LENGTH
        assert set(reference) <= set(REFERENCE_ALPHABET)
    assert not set(REFERENCE_ALPHABET) & set("O0I1B8S5Z2G")  # letters and digits easily confused
    assert format_reference("K7M4QX") == "K7M 4QX"
