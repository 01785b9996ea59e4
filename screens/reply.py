"""The reply request: yes or no, then phone or e-mail, then who answers and when.

The contact details live only in these screens until the client confirms; then they
go to the session, which seals them in an envelope of their own.
"""

from __future__ import annotations

from kiosk.guard import Contact
from screens.base import ClientScreen
from screens.keyboard import KeyboardScreen, Purpose
from screens.question import QuestionScreen
from screens.widgets import Target


class ReplyScreen(QuestionScreen):
    def prompt(self):
        return self.text(self.question.text), f"{self.progress_line()}\n{self.t('reply.separate')}"

    def choices(self):
        return [Target(self.t("reply.yes"), id="yes", classes="choice"),
                Target(self.t("reply.no"), id="no", classes="choice")]

    def chosen(self, target: Target) -> None:
        if target.id == "yes":
            self.app.switch_screen(ContactMethodScreen(self))
        elif target.id == "no":
            self.app.skip(self.question)


class ContactMethodScreen(ClientScreen):
    def __init__(self, question_screen: ReplyScreen):
        super().__init__()
        self.question_screen = question_screen

    def prompt(self):
        return self.t("reply.how"), self.t("reply.separate")

    def choices(self):
        return [Target(self.t("reply.phone"), "phone", classes="choice"),
                Target(self.t("reply.email"), "email", classes="choice")]

    def nav_start(self):
        return self.back_target()

    def go_back(self) -> None:
        self.app.switch_screen(ReplyScreen(self.question_screen.question, self.question_screen.progress, None))

    def chosen(self, target: Target) -> None:
        self.open_keyboard(target.value, "")

    def open_keyboard(self, purpose: Purpose, typed: str) -> None:
        title = self.t("reply.enter_phone" if purpose == "phone" else "reply.enter_email")
        self.app.push_screen(KeyboardScreen(purpose, title, typed), self._typed)

    def _typed(self, contact: Contact | None) -> None:
        if contact:
            self.app.switch_screen(PromiseScreen(self, contact))


class PromiseScreen(ClientScreen):
    """Who will answer and within how many days, and the contact details to check."""

    def __init__(self, method_screen: ContactMethodScreen, contact: Contact):
        super().__init__()
        self.method_screen = method_screen
        self.contact = contact

    def prompt(self):
        promise = self.app.config.reply
        assert promise is not None
        answerer = promise.answerer[self.app.language]
        return (self.t("reply.promise", answerer=answerer, days=promise.days),
                self.t("reply.contact", contact=self.contact.value))

    def choices(self):
        return [Target(self.t("reply.confirm"), id="confirm", classes="choice primary"),
                Target(self.t("reply.change"), id="change", classes="choice")]

    def nav_start(self):
        return self.back_target()

    def go_back(self) -> None:
        self.app.switch_screen(ContactMethodScreen(self.method_screen.question_screen))

    def chosen(self, target: Target) -> None:
        if target.id == "confirm":
            self.app.request_reply(self.method_screen.question_screen.question, self.contact)
        elif target.id == "change":
            self.method_screen.open_keyboard(self.contact.kind, self.contact.value)
