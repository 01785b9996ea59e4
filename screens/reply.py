"""The reply request: yes or no, then phone or e-mail, then who answers and when.

The contact details live only in these screens until the client confirms; then they
go to the visit, which seals them in an envelope of its own.
"""

from __future__ import annotations

from kiosk.config import ReplyPromise
from kiosk.guard import Contact
from kiosk.survey import Answer, Question
from screens.base import ClientScreen, Look
from screens.keyboard import KeyboardScreen, Purpose
from screens.question import QuestionMessage, QuestionScreen
from screens.widgets import Target


class ReplyWanted(QuestionMessage):
    """The client confirmed their contact details for a reply."""

    def __init__(self, question: Question, contact: Contact) -> None:
        super().__init__(question)
        self.contact = contact


class ReplyScreen(QuestionScreen):
    def __init__(self, look: Look, question: Question, progress: tuple[int, int], answer: Answer | None, *,
                 promise: ReplyPromise, physical_typing: bool = False):
        super().__init__(look, question, progress, answer)
        self.promise = promise
        self.physical_typing = physical_typing

    def prompt(self):
        return self.text(self.question.text), f"{self.progress_line()}\n{self.t('reply.separate')}"

    def choices(self):
        return [Target(self.t("reply.yes"), id="yes", classes="choice"),
                Target(self.t("reply.no"), id="no", classes="choice")]

    def action_yes(self) -> None:
        self.app.switch_screen(ContactMethodScreen(self.look, self))

    def action_no(self) -> None:
        self.action_skip()


class ContactMethodScreen(ClientScreen):
    def __init__(self, look: Look, question_screen: ReplyScreen):
        super().__init__(look)
        self.question_screen = question_screen

    def prompt(self):
        return self.t("reply.how"), self.t("reply.separate")

    def choices(self):
        return [Target(self.t("reply.phone"), "phone", classes="choice"),
                Target(self.t("reply.email"), "email", classes="choice")]

    def nav_start(self):
        return self.back_target()

    def action_back(self) -> None:
        asked = self.question_screen
        self.app.switch_screen(ReplyScreen(self.look, asked.question, asked.progress, None, promise=asked.promise,
                                           physical_typing=asked.physical_typing))

    def chosen(self, target: Target) -> None:
        self.open_keyboard(target.value, "")

    def open_keyboard(self, purpose: Purpose, typed: str) -> None:
        title = self.t("reply.enter_phone" if purpose == "phone" else "reply.enter_email")
        keyboard = KeyboardScreen(self.look, purpose, title, typed, physical_typing=self.question_screen.physical_typing)
        self.app.push_screen(keyboard, self._typed)

    def _typed(self, contact: Contact | None) -> None:
        if contact:
            self.app.switch_screen(PromiseScreen(self.look, self, contact))


class PromiseScreen(ClientScreen):
    """Who will answer and within how many days, and the contact details to check."""

    def __init__(self, look: Look, method_screen: ContactMethodScreen, contact: Contact):
        super().__init__(look)
        self.method_screen = method_screen
        self.contact = contact

    def prompt(self):
        promise = self.method_screen.question_screen.promise
        return (self.t("reply.promise", answerer=promise.answerer[self.look.language], days=promise.days),
                self.t("reply.contact", contact=self.contact.value))

    def choices(self):
        return [Target(self.t("reply.confirm"), id="confirm", classes="choice primary"),
                Target(self.t("reply.change"), id="change", classes="choice")]

    def nav_start(self):
        return self.back_target()

    def action_back(self) -> None:
        self.app.switch_screen(ContactMethodScreen(self.look, self.method_screen.question_screen))

    def action_confirm(self) -> None:
        self.post_message(ReplyWanted(self.method_screen.question_screen.question, self.contact))

    def action_change(self) -> None:
        self.method_screen.open_keyboard(self.contact.kind, self.contact.value)
