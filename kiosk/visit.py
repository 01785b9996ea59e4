"""One client's visit to the kiosk: where they are in the survey and what they answered.

A session lives only in memory. It ends in `finish()` (the client reached the end)
or `abandon()` (the client walked away), each of which turns it into the records to
seal; after that the app drops it, so nothing of one client reaches the next.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from kiosk.config import PartialPolicy
from kiosk.survey import Answer, Question, Survey

if TYPE_CHECKING:
    from kiosk.guard import Contact

# Reference codes are read aloud over the phone: no letters or digits that look or sound alike.
REFERENCE_ALPHABET = "ACDEFHJKLMNPRTUVWXY34679"
REFERENCE_LENGTH = 6
SELF = "self"  # the client answers alone; other modes come from staff (assisted feedback)


@dataclass(frozen=True)
class Origin:
    """Where and how a response was given, copied into every record."""

    kiosk_id: str
    unit_id: str
    mode: str = SELF
    synthetic: bool = False


@dataclass(frozen=True)
class ReplyRequest:
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
class Session:
    survey: Survey
    language: str
    origin: Origin
    free_text_max: int = 1000
    reply_days: int | None = None  # None: this kiosk does not offer replies
    previous_response_at: float | None = None
    min_interval: float = 5
    clock: Callable[[], float] = time.monotonic
    answers: dict[str, Answer] = field(default_factory=dict)
    reply: ReplyRequest | None = None
    _trail: list[Question] = field(default_factory=list)
    _headline_at: float | None = None

    _done: bool = False

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
        return question.type != "reply" or self.reply_days is not None

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
        self.reply = ReplyRequest(contact, self.reply.reference if self.reply else new_reference())
        return self._advance(question)

    def back(self) -> Question | None:
        """One question back; from the first question, back to the welcome screen."""
        if self._trail and not self._done:
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

            return redact(clean_text(value, self.free_text_max))[:self.free_text_max]
        if question.type == "multi":
            chosen = tuple(value) if isinstance(value, (tuple, list)) else (value,)
            valid = all(is_option_value(question, choice) for choice in chosen)
            if not valid or len(chosen) > (question.max_choices or len(question.options)):
                raise ValueError(f"not a valid choice for {question.id!r}: {value!r}")
            return tuple(option.value for option in question.options if option.value in chosen)
        if question.type == "reply" or not is_option_value(question, value):
            raise ValueError(f"not a valid answer to {question.id!r}: {value!r}")
        return value

    # -- the records to seal --------------------------------------------------

    def finish(self, now: datetime | None = None) -> list[dict]:
        """The records of a completed visit: the response, and the reply request in a record of
        its own, linked to the response only by a random reference."""
        if not self._done:
            raise ValueError("the visit is not finished")
        hour = _hour(now)
        records = [self._response(self.answers, partial=False, hour=hour)]
        if self.reply is not None:
            records.append(self._reply_request(hour))
        return records

    def abandon(self, policy: PartialPolicy, now: datetime | None = None) -> list[dict]:
        """The client walked away. With `keep-rating` an answered headline question is kept,
        marked partial; free text and contact details are always dropped: the client never
        sent them."""
        if self._done or policy == "discard" or self.survey.headline.id not in self.answers:
            return []
        kept = {question_id: answer for question_id, answer in self.answers.items()
                if self.survey.question(question_id).type != "text"}
        return [self._response(kept, partial=True, hour=_hour(now), with_reply=False)]

    @property
    def misuse(self) -> bool:
        """A headline answer too soon after the previous response: kept, but flagged."""
        if self._headline_at is None or self.previous_response_at is None:
            return False
        return self._headline_at - self.previous_response_at < self.min_interval

    def _response(self, answers: dict[str, Answer], *, partial: bool, hour: str, with_reply: bool = True) -> dict:
        return {
            "type": "response",
            "id": _new_id(),
            "survey": {"id": self.survey.id, "version": self.survey.version},
            "language": self.language,
            "answers": {key: list(value) if isinstance(value, tuple) else value for key, value in answers.items()},
            "mode": self.origin.mode,
            "flags": {"partial": partial, "misuse": self.misuse, "synthetic": self.origin.synthetic},
            "kiosk": self.origin.kiosk_id,
            "unit": self.origin.unit_id,
            "hour": hour,
            "reply": self.reply.reference if with_reply and self.reply else None,
        }

    def _reply_request(self, hour: str) -> dict:
        assert self.reply is not None
        return {
            "type": "reply_request",
            "id": _new_id(),
            "reference": self.reply.reference,
            "contact": {"kind": self.reply.contact.kind, "value": self.reply.contact.value},
            "language": self.language,
            "promised_days": self.reply_days,
            "kiosk": self.origin.kiosk_id,
            "unit": self.origin.unit_id,
            "hour": hour,
            "flags": {"synthetic": self.origin.synthetic},
        }


def is_option_value(question: Question, value: object) -> bool:
    """Whether `value` is the value of one of the question's options (the kiosk and the receiver
    both check answers with it). Compared by type too: True is not the face 1 (True == 1), "3"
    is not the scale's 3, and an unhashable value is refused, not a TypeError."""
    return any(type(value) is type(option.value) and value == option.value for option in question.options)


def _new_id() -> str:
    import uuid

    return str(uuid.uuid4())


def _hour(now: datetime | None) -> str:
    """The time a record carries, coarsened to the hour so that it cannot single anyone out."""
    return (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:00Z")
