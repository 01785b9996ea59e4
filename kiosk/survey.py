"""Surveys: the questions a client is asked, read from a TOML file (see docs/survey-format.md)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from kiosk.errors import UserError
from kiosk.languages import CODES
from kiosk.tomlfile import Table

QuestionType = Literal["faces", "scale", "single", "multi", "text", "reply"]
QUESTION_TYPES: tuple[str, ...] = ("faces", "scale", "single", "multi", "text", "reply")
# Face shapes from worst to best; a survey with fewer faces picks a subset in this order.
FACE_SHAPES: tuple[str, ...] = ("very-bad", "bad", "neutral", "good", "very-good")
ID_PATTERN = r"[a-z][a-z0-9_-]{0,39}"
ID_RULE = "a short id of lowercase letters, digits, - and _, starting with a letter"
# A face's word must fit the smallest face button (16 columns less its border and padding).
FACE_LABEL_MAX = 14

Text = dict[str, str]  # language code -> text
Answer = int | str | tuple[str, ...]


@dataclass(frozen=True)
class Option:
    value: int | str
    label: Text
    face: str | None = None


@dataclass(frozen=True)
class Condition:
    """Show a question only when an earlier answer is in `values`."""

    question: str
    values: frozenset[int | str]

    def holds(self, answers: dict[str, Answer]) -> bool:
        return answers.get(self.question) in self.values


@dataclass(frozen=True)
class Question:
    id: str
    type: QuestionType
    text: Text
    options: tuple[Option, ...] = ()
    optional: bool = True
    show_if: Condition | None = None
    max_choices: int | None = None
    low_label: Text | None = None
    high_label: Text | None = None

    @property
    def numeric(self) -> bool:
        return self.type in ("faces", "scale")

    def option(self, value: int | str) -> Option:
        return next(option for option in self.options if option.value == value)

    def has_option(self, value: object) -> bool:
        """Whether `value` is one of the options' values (the kiosk and the provider both check
        answers with it). Compared by type too: True is not the face 1 (True == 1), "3" is not
        the scale's 3, and an unhashable value is refused, not a TypeError."""
        return any(type(value) is type(option.value) and value == option.value for option in self.options)


@dataclass(frozen=True)
class Survey:
    id: str
    version: int
    languages: tuple[str, ...]
    questions: tuple[Question, ...]
    source: str = field(default="", compare=False)

    @property
    def headline(self) -> Question:
        return self.questions[0]

    def question(self, question_id: str) -> Question:
        return next(question for question in self.questions if question.id == question_id)


def default_survey_path() -> Path:
    return Path(__file__).parent / "surveys" / "default.toml"


def load_survey(path: Path | None = None) -> Survey:
    path = path or default_survey_path()
    return parse_survey(Table.load(path))


def parse_survey_text(text: str, source: str) -> Survey:
    """A survey from TOML text that came from elsewhere than a file (a signed bundle);
    `source` names it in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"not valid TOML: {error}", file=source) from None
    return parse_survey(Table(data, Path(source)))


def parse_survey(table: Table) -> Survey:
    survey_id = table.string("id", pattern=ID_PATTERN, describe=ID_RULE)
    version = table.integer("version", minimum=1)
    languages = tuple(table.strings("languages"))
    _check_languages(table, languages)
    questions: list[Question] = []
    for index, question_table in enumerate(table.tables("question", required=True)):
        questions.append(_parse_question(question_table, languages, questions, first=index == 0))
    table.finish()
    if not questions:
        raise table.error("question", "the survey needs at least one question")
    return Survey(survey_id, version, languages, tuple(questions), source=str(table.file))


def _check_languages(table: Table, languages: tuple[str, ...]) -> None:
    if not languages:
        raise table.error("languages", "list at least one language")
    for index, code in enumerate(languages):
        if code not in CODES:
            raise table.error(f"languages[{index}]", f"unknown language {code!r}; known: {', '.join(CODES)}")
    if len(set(languages)) != len(languages):
        raise table.error("languages", "lists a language twice")


def _parse_question(table: Table, languages: tuple[str, ...], earlier: list[Question], *, first: bool) -> Question:
    question_id = table.string("id", pattern=ID_PATTERN, describe=ID_RULE)
    if any(question.id == question_id for question in earlier):
        raise table.error("id", f"another question already has the id {question_id!r}")
    kind = table.string("type", choices=QUESTION_TYPES)
    if first and kind not in ("faces", "scale", "single"):
        raise table.error("type", "the first (headline) question must be faces, scale or single")
    if kind == "reply" and any(question.type == "reply" for question in earlier):
        raise table.error("type", "a survey can ask for a reply only once")
    text = table.translations("text", languages)
    # The headline question is what a response is: it cannot be skipped.
    optional = False if first else table.boolean("optional", True)
    show_if = None if first else _parse_condition(table, earlier)
    options, extra = _parse_options(table, kind, languages)
    table.finish()
    return Question(question_id, kind, text, options, optional, show_if, **extra)


def _parse_options(table: Table, kind: str, languages: tuple[str, ...]) -> tuple[tuple[Option, ...], dict]:
    if kind == "faces":
        return _parse_faces(table, languages), {}
    if kind == "scale":
        low, high = table.integer("min", 0, minimum=0, maximum=1), table.integer("max", 10, minimum=4, maximum=10)
        labels = {"low_label": table.translations("low_label", languages, None),
                  "high_label": table.translations("high_label", languages, None)}
        return tuple(Option(value, {code: str(value) for code in languages}) for value in range(low, high + 1)), labels
    if kind in ("single", "multi"):
        options = _parse_choices(table, languages)
        if kind == "multi":
            return options, {"max_choices": table.integer("max_choices", len(options), minimum=1, maximum=len(options))}
        return options, {}
    return (), {}


def _parse_faces(table: Table, languages: tuple[str, ...]) -> tuple[Option, ...]:
    option_tables = table.tables("option", required=True)
    if not 3 <= len(option_tables) <= 5:
        raise table.error("option", f"a faces question has 3 to 5 faces, not {len(option_tables)}")
    options = []
    for value, option_table in enumerate(option_tables, start=1):
        face = option_table.string("face", choices=FACE_SHAPES)
        if options and FACE_SHAPES.index(face) <= FACE_SHAPES.index(options[-1].face):
            raise option_table.error("face", "faces go from worst to best, each shape once")
        label = option_table.translations("label", languages)
        for code, word in label.items():
            if len(word) > FACE_LABEL_MAX:
                raise option_table.error(f"label.{code}", f"is {len(word)} characters; a face's word "
                                         f"must fit the smallest button ({FACE_LABEL_MAX} characters)")
        options.append(Option(value, label, face))
        option_table.finish()
    return tuple(options)


def _parse_choices(table: Table, languages: tuple[str, ...]) -> tuple[Option, ...]:
    option_tables = table.tables("option", required=True)
    if not 2 <= len(option_tables) <= 12:
        raise table.error("option", f"a choice question has 2 to 12 options, not {len(option_tables)}")
    options: list[Option] = []
    for option_table in option_tables:
        value = option_table.string("value", pattern=ID_PATTERN, describe=ID_RULE)
        if any(option.value == value for option in options):
            raise option_table.error("value", f"another option already has the value {value!r}")
        options.append(Option(value, option_table.translations("label", languages)))
        option_table.finish()
    return tuple(options)


def _parse_condition(table: Table, earlier: list[Question]) -> Condition | None:
    if not table.has("show_if"):
        return None
    condition = table.table("show_if")
    target_id = condition.string("question")
    target = next((question for question in earlier if question.id == target_id), None)
    if target is None:
        raise condition.error("question", f"must name an earlier question, not {target_id!r}")
    values = _condition_values(condition, target)
    condition.finish()
    if not values:
        raise table.error("show_if", "no answer of the earlier question can make this question show")
    return Condition(target_id, frozenset(values))


def _condition_values(condition: Table, target: Question) -> set[int | str]:
    possible = {option.value for option in target.options}
    if target.type not in ("faces", "scale", "single"):
        raise condition.error("question", "must name a faces, scale or single-choice question")
    if condition.has("equals"):
        wanted = set(condition.strings("equals")) if not target.numeric else None
        if wanted is None:
            raise condition.error("equals", "use at_least / at_most with faces and scale questions")
        if wanted - possible:
            raise condition.error("equals", f"{sorted(wanted - possible)[0]!r} is not an option of {target.id!r}")
        return wanted
    if not target.numeric:
        raise condition.error("equals", "is missing: list the option values that show this question")
    low = condition.integer("at_least", min(possible))
    high = condition.integer("at_most", max(possible))
    return {value for value in possible if low <= value <= high}


def check_covers(survey: Survey, languages: tuple[str, ...], *, file: Path | str) -> None:
    """A kiosk may offer only languages the survey is written in."""
    missing = [code for code in languages if code not in survey.languages]
    if missing:
        raise UserError(f"the survey {survey.source} has no {missing[0]!r} texts", file=file, key="kiosk.languages")
