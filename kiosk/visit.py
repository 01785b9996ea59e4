"""One person at the kiosk's screen, from their first touch until the screen is cleared for the next.

A visit lives only in memory: where the person is in the survey and what they answered,
and what they chose for themselves (language, who helps them, speech, bigger text). The
app holds one and replaces it as a whole when the screen is cleared, so nothing of one
person reaches the next. `end()` turns it into the records to seal, once: however many
paths end the same visit (the thanks screen, the idle timer, staff coming in), it is
recorded at most once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from kiosk.survey import Answer, Question, Survey
from sync.wire.records import OWN_VIEWS, Origin, Record, ReplyRequest, Response

if TYPE_CHECKING:
    from kiosk.config import KioskConfig, PartialPolicy
    from kiosk.guard import Contact

# Reference codes are read aloud over the phone: no letters or digits that look or sound alike.
REFERENCE_ALPHABET = "ACDEFHJKLMNPRTUVWXY34679"
REFERENCE_LENGTH = 6
SELF = "self"  # the person answers alone; other modes come from staff (assisted feedback)


@dataclass(frozen=True)
class VisitRules:
    """What every visit at this kiosk follows, from its config."""

    kiosk_id: str
    unit_id: str
    default_language: str = "fi"
    partial: PartialPolicy = "keep-rating"
    reply_days: int | None = None  # None: this kiosk does not offer replies
    free_text_max: int = 1000
    min_interval: float = 5  # seconds: a headline answer sooner after the previous response is flagged
    synthetic: bool = False  # test data (`kiosk simulate`)

    @classmethod
    def from_config(cls, config: KioskConfig, *, synthetic: bool = False) -> VisitRules:
        return cls(config.kiosk_id, config.unit_id, config.default_language, config.partial,
                   config.reply.days if config.reply else None, config.free_text_max, config.min_interval, synthetic)


@dataclass(frozen=True)
class ReplyWish:
    contact: Contact
    reference: str


# secrets, uuid and the guard's regular expressions are imported where they are used: none
# is needed before the first tap, and together they cost a first paint some ten milliseconds.


def new_reference() -> str:
    import secrets

    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def format_reference(reference: str) -> str:
    """`K7M4QX` is shown as `K7M 4QX`: two groups are easier to copy down."""
    half = len(reference) // 2
    return f"{reference[:half]} {reference[half:]}"


@dataclass
class Visit:
    survey: Survey
    rules: VisitRules
    language: str = ""  # "": the kiosk's default language
    mode: str = SELF
    speech: bool = False  # every screen read aloud (speech mode)
    bigger_text: bool = False
    previous_response_at: float | None = None  # the kiosk's last response, by `clock`: for the misuse check
    clock: Callable[[], float] = time.monotonic
    answers: dict[str, Answer] = field(default_factory=dict)
    reply: ReplyWish | None = None
    own_view: str | None = None  # when someone helped: are the answers the client's own view (OWN_VIEWS)
    _trail: list[Question] = field(default_factory=list)
    _headline_at: float | None = None
    _done: bool = False
    _ended: bool = False

    def __post_init__(self) -> None:
        self.language = self.language or self.rules.default_language

    @property
    def someone_is_here(self) -> bool:
        """Whether anything on screen is this person's: then the screen is cleared when they leave."""
        return (self.started or bool(self.answers) or self.language != self.rules.default_language
                or self.mode != SELF or self.speech or self.bigger_text)

    def with_survey(self, survey: Survey) -> Visit:
        """The same person's visit, asking `survey` (a bundle changed it before they began)."""
        if self.started or self.answers:
            raise ValueError("the visit has begun: it keeps its survey")
        return replace(self, survey=survey)

    # -- where the client is -------------------------------------------------

    @property
    def current(self) -> Question | None:
        """The question on screen; None before the first question and after the last."""
        return None if self._done or not self._trail else self._trail[-1]

    @property
    def started(self) -> bool:
        return bool(self._trail)

    @property
    def finished(self) -> bool:
        return self._done

    @property
    def asks_own_view(self) -> bool:
        """After the last question, when someone helped: the client is still to say whether the
        answers are their own view, the last thing asked before the thanks."""
        return self._done and not self._ended and self.mode != SELF and self.own_view is None

    def start(self) -> Question:
        """Begin at the headline question (again, after Back to welcome: answers are kept)."""
        self._trail = [self.survey.headline]
        return self.survey.headline

    def progress(self) -> tuple[int, int]:
        """("2 / 4"): the current question's number, and how many the client will see."""
        return len(self._trail), len(self._trail) - 1 + self._remaining(self._trail[-1])

    def _remaining(self, question: Question) -> int:
        """Questions from `question` on, counting a branch not yet decided as its longest arm."""
        later = self.survey.questions[self.survey.questions.index(question):]
        counted = 0
        undecided: dict[str, list[Question]] = {}
        for candidate in later:
            condition = candidate.show_if
            if not self._offered(candidate):
                continue
            if condition is None or condition.holds(self.answers):
                counted += 1
            elif condition.question not in self.answers:
                undecided.setdefault(condition.question, []).append(candidate)
        for target_id, dependents in undecided.items():
            values = {option.value for option in self.survey.question(target_id).options}
            counted += max(sum(value in d.show_if.values for d in dependents) for value in values)
        return counted

    def _offered(self, question: Question) -> bool:
        return question.type != "reply" or self.rules.reply_days is not None

    def _next_after(self, question: Question) -> Question | None:
        later = self.survey.questions[self.survey.questions.index(question) + 1:]
        for candidate in later:
            if self._offered(candidate) and (candidate.show_if is None or candidate.show_if.holds(self.answers)):
                return candidate
        return None

    # -- moving -------------------------------------------------------------

    def answer(self, value: Answer) -> Question | None:
        """Record the answer to the current question and move on; returns the next question."""
        question = self._require_current()
        self.answers[question.id] = self._checked(question, value)
        if question is self.survey.headline:
            self._headline_at = self.clock()
        self._forget_unreachable()
        return self._advance(question)

    def skip(self) -> Question | None:
        question = self._require_current()
        if not question.optional:
            raise ValueError(f"question {question.id!r} cannot be skipped")
        self.answers.pop(question.id, None)
        if question.type == "reply":
            self.reply = None
        return self._advance(question)

    def request_reply(self, contact: Contact) -> Question | None:
        """The client asked for a reply (the current question is the reply request)."""
        question = self._require_current()
        if question.type != "reply":
            raise ValueError("the current question is not a reply request")
        self.reply = ReplyWish(contact, self.reply.reference if self.reply else new_reference())
        return self._advance(question)

    def tell_own_view(self, view: str) -> None:
        """The client's answer to "are these answers your own view?" (asks_own_view)."""
        if not self.asks_own_view:
            raise ValueError("the own view is asked after the last question, and only when someone helped")
        if view not in OWN_VIEWS:
            raise ValueError(f"not a valid own view: {view!r}")
        self.own_view = view

    def back(self) -> Question | None:
        """One question back; from the first question, back to the welcome screen; from the
        question about their own view, back to the last question."""
        if self._done and not self._ended:
            self._done = False
        elif self._trail and not self._done:
            self._trail.pop()
        return self.current

    def _advance(self, question: Question) -> Question | None:
        following = self._next_after(question)
        if following is None:
            self._done = True
        else:
            self._trail.append(following)
        return following

    def _require_current(self) -> Question:
        if self.current is None:
            raise ValueError("no question is on screen")
        return self.current

    def _forget_unreachable(self) -> None:
        """A changed headline answer can switch branches: drop answers of the arm no longer shown."""
        for question in self.survey.questions:
            if question.show_if and not question.show_if.holds(self.answers):
                self.answers.pop(question.id, None)

    def _checked(self, question: Question, value: Answer) -> Answer:
        if question.type == "text":
            if not isinstance(value, str):
                raise ValueError(f"not a text for {question.id!r}: {value!r}")
            from kiosk.guard import clean_text, redact

            return redact(clean_text(value, self.rules.free_text_max))[:self.rules.free_text_max]
        if question.type == "multi":
            chosen = tuple(value) if isinstance(value, (tuple, list)) else (value,)
            valid = all(question.has_option(choice) for choice in chosen)
            if not valid or len(chosen) > (question.max_choices or len(question.options)):
                raise ValueError(f"not a valid choice for {question.id!r}: {value!r}")
            return tuple(option.value for option in question.options if option.value in chosen)
        if question.type == "reply" or not question.has_option(value):
            raise ValueError(f"not a valid answer to {question.id!r}: {value!r}")
        return value

    # -- the records to seal --------------------------------------------------

    def end(self, now: datetime | None = None) -> list[Record]:
        """The records this visit leaves, the first time it is asked; nothing after that.

        A finished visit leaves its response, and the reply request in a record of its own,
        linked only by a random reference. An abandoned one (the person walked away, staff
        came in) leaves, under `keep-rating`, an answered headline question, marked partial;
        free text and contact details are always dropped: the person never sent them.
        Afterwards the visit holds no answers: only the person's own choices (language, speech)
        stay, for the screen that says goodbye."""
        if self._ended:
            return []
        self._ended = True
        records = self._records(_hour(now))
        self.answers, self.reply, self.own_view = {}, None, None
        return records

    def _records(self, hour: str) -> list[Record]:
        if self._done:
            records: list[Record] = [self._response(dict(self.answers), partial=False, hour=hour)]
            if self.reply is not None:
                records.append(self._reply_request(hour))
            return records
        if self.rules.partial == "discard" or self.survey.headline.id not in self.answers:
            return []
        kept = {question_id: answer for question_id, answer in self.answers.items()
                if self.survey.question(question_id).type != "text"}
        return [self._response(kept, partial=True, hour=hour)]

    @property
    def misuse(self) -> bool:
        """A headline answer too soon after the previous response: kept, but flagged."""
        if self._headline_at is None or self.previous_response_at is None:
            return False
        return self._headline_at - self.previous_response_at < self.rules.min_interval

    def _origin(self, hour: str) -> Origin:
        return Origin(self.rules.kiosk_id, self.rules.unit_id, hour)

    def _response(self, answers: dict[str, Answer], *, partial: bool, hour: str) -> Response:
        return Response(
            id=_new_id(), survey_id=self.survey.id, survey_version=self.survey.version, language=self.language,
            answers=answers, mode=self.mode, origin=self._origin(hour), partial=partial, misuse=self.misuse,
            synthetic=self.rules.synthetic, reply=self.reply.reference if self.reply and not partial else None,
            own_view=self.own_view)

    def _reply_request(self, hour: str) -> ReplyRequest:
        assert self.reply is not None and self.rules.reply_days is not None
        return ReplyRequest(
            id=_new_id(), reference=self.reply.reference, contact_kind=self.reply.contact.kind,
            contact=self.reply.contact.value, language=self.language, promised_days=self.rules.reply_days,
            origin=self._origin(hour), synthetic=self.rules.synthetic)


def _new_id() -> str:
    import uuid

    return str(uuid.uuid4())


def _hour(now: datetime | None) -> str:
    """The time a record carries, coarsened to the hour so that it cannot single anyone out."""
    return (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:00Z")
