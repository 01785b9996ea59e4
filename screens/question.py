"""The question screens: faces, a 0-10 scale, single and multiple choice, free text."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message

from kiosk.guard import clean_text, find_personal_data
from kiosk.survey import Answer, Question
from screens.base import ClientScreen, Look, TargetScreen
from screens.keyboard import KeyboardScreen
from screens.widgets import FaceTarget, Target


class QuestionMessage(Message):
    """Something the person did on the screen of `question`. The app acts on it only while that
    question is the visit's current one: a second tap that lands after the screen has moved on
    (a double tap, a tap during saving) is not applied to the next question."""

    def __init__(self, question: Question) -> None:
        super().__init__()
        self.question = question


class Answered(QuestionMessage):
    def __init__(self, question: Question, value: Answer) -> None:
        super().__init__(question)
        self.value = value


class Skipped(QuestionMessage):
    pass


class BackWanted(QuestionMessage):
    pass


class QuestionScreen(ClientScreen):
    """One question of the survey, with its progress line ("Question 2 / 4") and Back."""

    def __init__(self, look: Look, question: Question, progress: tuple[int, int], answer: Answer | None):
        super().__init__(look)
        self.question = question
        self.progress = progress
        self.answer = answer

    def text(self, texts: dict[str, str]) -> str:
        return texts[self.look.language]

    def progress_line(self) -> str:
        number, total = self.progress
        return self.t("question.progress", number=number, total=total)

    def nav_start(self):
        return self.back_target()

    def action_back(self) -> None:
        self.post_message(BackWanted(self.question))

    def action_skip(self) -> None:
        self.post_message(Skipped(self.question))

    def answered(self, value: Answer) -> None:
        self.post_message(Answered(self.question, value))

    def skip_target(self) -> list[Target]:
        return [Target(self.t("nav.skip"), id="skip", classes="nav")] if self.question.optional else []


class ChoiceScreen(QuestionScreen):
    """Faces, scale and single choice move on at the first tap; multiple choice has Next."""

    BINDINGS = [*TargetScreen.BINDINGS, *(Binding(str(digit), f"digit({digit})", show=False) for digit in range(10))]

    def __init__(self, look: Look, question: Question, progress: tuple[int, int], answer: Answer | None):
        super().__init__(look, question, progress, answer)
        self.picked: list = list(answer) if question.type == "multi" and answer else []

    def prompt(self):
        question = self.question
        lines = [self.progress_line()]
        if question.type == "multi":
            lines.append(self.t("question.choose_many"))
        if question.low_label and question.high_label:
            low, high = question.options[0].value, question.options[-1].value
            lines.append(self.t("question.scale_ends", low=low, high=high, low_label=self.text(question.low_label),
                                high_label=self.text(question.high_label)))
        return self.text(question.text), "\n".join(lines)

    def choices(self):
        targets = []
        for number, option in enumerate(self.question.options, start=1):
            label = self.text(option.label)
            selected = option.value in self.picked or option.value == self.answer
            if option.face:
                targets.append(FaceTarget(option.face, label, option.value, number=number, selected=selected))
            else:
                targets.append(Target(label, option.value, selected=selected, classes="choice"))
        return targets

    def nav_end(self):
        if self.question.type == "multi":
            return [Target(self.t("nav.next"), id="next", classes="nav primary")]
        return self.skip_target()

    def action_next(self) -> None:
        if self.picked:
            self.answered(tuple(self.picked))
        else:
            self.action_skip()

    def chosen(self, target: Target) -> None:
        if self.question.type == "multi":
            self._toggle(target)
        else:
            self.answered(target.value)

    def _toggle(self, target: Target) -> None:
        if target.value in self.picked:
            self.picked.remove(target.value)
        elif len(self.picked) < (self.question.max_choices or len(self.question.options)):
            self.picked.append(target.value)
        target.mark(target.value in self.picked)

    def action_digit(self, digit: int) -> None:
        """Digits choose a face or a choice by its number (a scale by its value)."""
        question = self.question
        if question.type == "scale":
            values = [option.value for option in question.options]
            if digit in values:
                self.answered(digit)
        elif 1 <= digit <= len(question.options):
            option = question.options[digit - 1]
            target = next(t for t in self.query(Target) if t.value == option.value)
            self.chosen(target)


class FreeTextScreen(QuestionScreen):
    """Optional free text, typed on the on-screen keyboard and checked for personal data."""

    def __init__(self, look: Look, question: Question, progress: tuple[int, int], answer: Answer | None, *,
                 max_length: int):
        super().__init__(look, question, progress, answer)
        self.max_length = max_length

    def prompt(self):
        lines = [self.progress_line(), self.t("text.hint")]
        if self.answer:
            lines.append(self.t("text.yours", text=self.answer))
        return self.text(self.question.text), "\n".join(lines)

    def choices(self):
        label = self.t("text.edit") if self.answer else self.t("text.write")
        return [Target(label, id="write", classes="choice primary")]

    def nav_end(self):
        if self.answer:
            return [Target(self.t("nav.next"), id="next", classes="nav primary")]
        return self.skip_target()

    def action_write(self) -> None:
        self.open_keyboard(str(self.answer or ""))

    def action_next(self) -> None:
        self.answered(self.answer)

    def open_keyboard(self, text: str) -> None:
        keyboard = KeyboardScreen(self.look, "text", self.question.text, text, max_length=self.max_length)
        self.app.push_screen(keyboard, self._typed)

    def _typed(self, typed: str | None) -> None:
        text = clean_text(typed or "", self.max_length).strip()
        if not text:
            return
        kinds = list(dict.fromkeys(finding.kind for finding in find_personal_data(text)))
        if not kinds:
            self.answered(text)
            return
        # The visit replaces personal data before sealing; the client is told first.
        self.app.push_screen(PrivacyNoticeScreen(self.look, kinds),
                             lambda go_on: self.answered(text) if go_on else self.open_keyboard(text))


class PrivacyNoticeScreen(ClientScreen):
    """Tells the client, in easy words, that personal data in their text will be removed."""

    def __init__(self, look: Look, kinds: list[str]):
        super().__init__(look)
        self.kinds = kinds

    def prompt(self):
        found = " ".join(self.t(f"privacy.{kind}") for kind in self.kinds)
        return found, f"{self.t('privacy.removed')}\n{self.t('privacy.reply_hint')}"

    def choices(self):
        return [Target(self.t("privacy.continue"), id="continue", classes="choice primary"),
                Target(self.t("text.edit"), id="edit", classes="choice")]

    def action_continue(self) -> None:
        self.dismiss(True)

    def action_edit(self) -> None:
        self.dismiss(False)
