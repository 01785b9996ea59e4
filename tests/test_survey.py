"""Survey files: the bundled default survey, and the mistakes a survey author can make."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from commands.kiosk import main
from kiosk.errors import UserError
from kiosk.languages import CODES
from kiosk.survey import FACE_LABEL_MAX, FACE_SHAPES, load_survey


@pytest.fixture(scope="module")
def default():
    return load_survey()


# -- the default survey ---------------------------------------------------------------


def test_the_default_survey_asks_five_questions_in_every_language(default):
    assert [(question.id, question.type) for question in default.questions] == [
        ("visit", "faces"), ("went_well", "single"), ("went_badly", "single"), ("more", "text"), ("reply", "reply")]
    assert default.languages == CODES
    for question in default.questions:
        assert set(question.text) == set(CODES), question.id
        for option in question.options:
            assert set(option.label) == set(CODES), (question.id, option.value)


def test_the_headline_has_five_faces_worst_to_best_that_cannot_be_skipped(default):
    headline = default.headline
    assert headline.id == "visit"
    assert not headline.optional
    assert [option.face for option in headline.options] == list(FACE_SHAPES)
    assert [option.value for option in headline.options] == [1, 2, 3, 4, 5]
    for option in headline.options:
        assert all(len(word) <= FACE_LABEL_MAX for word in option.label.values())


@pytest.mark.parametrize("rating, branch", [(1, "went_badly"), (2, "went_badly"), (3, "went_badly"),
                                            (4, "went_well"), (5, "went_well")])
def test_each_rating_shows_exactly_one_branch(default, rating, branch):
    shown = [question.id for question in default.questions[1:3] if question.show_if.holds({"visit": rating})]
    assert shown == [branch]


def test_the_branches_offer_five_topics_and_the_rest_is_free_text_and_a_reply(default):
    for branch in ("went_well", "went_badly"):
        question = default.question(branch)
        assert question.optional
        assert len(question.options) == 5
    assert default.question("more").show_if is None
    assert default.question("reply").show_if is None


# -- mistakes in a survey file ----------------------------------------------------------

VALID = """\
id = "visit-feedback"
version = 1
languages = ["fi", "en"]

[[question]]
id = "visit"
type = "faces"
text = { fi = "Millainen oli käyntisi?", en = "How was your visit?" }

[[question.option]]
face = "bad"
label = { fi = "Huono", en = "Poor" }

[[question.option]]
face = "neutral"
label = { fi = "Kohtalainen", en = "Okay" }

[[question.option]]
face = "good"
label = { fi = "Hyvä", en = "Good" }

[[question]]
id = "topic"
type = "single"
show_if = { question = "visit", at_most = 2 }
text = { fi = "Mikä meni huonosti?", en = "What went badly?" }
option = [
  { value = "waiting", label = { fi = "Odotus", en = "Waiting" } },
  { value = "other", label = { fi = "Jokin muu", en = "Other" } },
]

[[question]]
id = "more"
type = "text"
text = { fi = "Kerro lisää", en = "Tell us more" }
"""
EXTRA_FACES = """
[[question.option]]
face = "very-good"
label = { fi = "Erittäin hyvä", en = "Very good" }

[[question.option]]
face = "very-bad"
label = { fi = "Erittäin huono", en = "Very poor" }

[[question.option]]
face = "very-good"
label = { fi = "Erittäin hyvä", en = "Very good" }
"""
NEUTRAL_FACE = """
[[question.option]]
face = "neutral"
label = { fi = "Kohtalainen", en = "Okay" }
"""


def edited(old: str, new: str) -> str:
    assert old in VALID, old  # a mistake that is not made would test nothing
    return VALID.replace(old, new, 1)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "survey.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_valid_example_loads(tmp_path):
    survey = load_survey(write(tmp_path, VALID))
    assert [question.id for question in survey.questions] == ["visit", "topic", "more"]
    assert survey.question("topic").show_if.values == {1, 2}


MISTAKES = {
    "missing survey id": (edited('id = "visit-feedback"\n', ""), "id", "is missing"),
    "missing question id": (edited('id = "more"\n', ""), "question[2].id", "is missing"),
    "bad id": (edited('id = "topic"', 'id = "Topic 2"'), "question[1].id", "lowercase letters"),
    "unknown type": (edited('type = "text"', 'type = "essay"'), "question[2].type", "not 'essay'"),
    "two faces": (edited(NEUTRAL_FACE, ""), "question[0].option", "3 to 5 faces, not 2"),
    "six faces": (edited('label = { fi = "Hyvä", en = "Good" }\n',
                         'label = { fi = "Hyvä", en = "Good" }\n' + EXTRA_FACES), "question[0].option",
                  "3 to 5 faces, not 6"),
    "faces out of order": (edited('face = "good"', 'face = "very-bad"'), "question[0].option[2].face",
                           "worst to best"),
    "face word too long": (edited('en = "Okay"', 'en = "Neither good nor bad"'), "question[0].option[1].label.en",
                           "is 20 characters"),
    "missing translation": (edited('{ fi = "Jokin muu", en = "Other" }', '{ fi = "Jokin muu" }'),
                            "question[1].option[1].label.en", "is missing"),
    "unknown language": (edited('["fi", "en"]', '["fi", "en", "se"]'), "languages[2]", "unknown language 'se'"),
    "show_if names a later question": (edited('question = "visit"', 'question = "more"'),
                                       "question[1].show_if.question", "earlier question, not 'more'"),
    "show_if names no question": (edited('question = "visit"', 'question = "vist"'),
                                  "question[1].show_if.question", "earlier question, not 'vist'"),
    "show_if can never hold": (edited("at_most = 2", "at_least = 4"), "question[1].show_if",
                               "no answer of the earlier question"),
    "duplicate question id": (edited('id = "more"', 'id = "topic"'), "question[2].id",
                              "already has the id 'topic'"),
    "duplicate option value": (edited('value = "other"', 'value = "waiting"'), "question[1].option[1].value",
                               "already has the value 'waiting'"),
    "misspelt key": (edited('type = "text"', 'type = "text"\noptinal = true'), "question[2].optinal",
                     "not a known key"),
    "headline is text": (edited('type = "faces"', 'type = "text"'), "question[0].type",
                         "headline) question must be faces, scale or single"),
}


@pytest.mark.parametrize("text, key, problem", MISTAKES.values(), ids=MISTAKES.keys())
def test_a_mistake_names_the_file_and_the_key(tmp_path, text, key, problem):
    path = write(tmp_path, text)
    with pytest.raises(UserError) as caught:
        load_survey(path)
    error = caught.value
    assert (error.file, error.key) == (str(path), key)
    assert problem in error.problem
    assert str(error).startswith(f"{path}: {key}: ")


def test_a_toml_syntax_error_names_the_file_and_the_line(tmp_path):
    path = write(tmp_path, edited("version = 1", "version = "))
    with pytest.raises(UserError) as caught:
        load_survey(path)
    assert caught.value.file == str(path)
    assert "not valid TOML" in caught.value.problem
    assert "line 2" in caught.value.problem


# -- through the command line --------------------------------------------------------------


@pytest.fixture
def bad_survey_config(tmp_path, write_config) -> Path:
    write(tmp_path, MISTAKES["face word too long"][0])
    return write_config(kiosk='survey = "survey.toml"\nlanguages = ["fi", "en"]')


def test_kiosk_run_reports_a_bad_survey_in_one_line_before_starting(bad_survey_config, tmp_path, capsys):
    assert main(["run", "--config", str(bad_survey_config)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (f"kiosk: {tmp_path / 'survey.toml'}: question[0].option[1].label.en: is 20 characters; "
                            "a face's word must fit the smallest button (14 characters)\n")
    assert not (tmp_path / "data").exists()  # nothing made on disk for a kiosk that did not start


def test_python_m_kiosk_run_reports_a_bad_survey_without_a_traceback(bad_survey_config, tmp_path):
    result = subprocess.run([sys.executable, "-m", "commands.kiosk", "run", "--config", str(bad_survey_config)],
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert f"{tmp_path / 'survey.toml'}: question[0].option[1].label.en:" in result.stderr
