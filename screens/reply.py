"""The reply request: yes or no, then phone or e-mail, then who answers and when.

The contact details live only in these screens until the client confirms; then they
go to the visit, which seals them in an envelope of its own.
"""

from __future__ import annotations

from kiosk.config import ReplyPromise
from kiosk.guard import MAX_EMAIL_LENGTH, Contact
from kiosk.survey import Answer, Question
from screens.base import ClientScreen, Look
from screens.keyboard import KeyboardScreen
from screens.keypad import KeypadScreen
from screens.keys import Purpose
from screens.question import QuestionMessage, QuestionScreen
from screens.widgets import Target


class ReplyWanted(QuestionMessage):
    """The client confirmed their contact details for a reply."""

    def __init__(self, question: Question, contact: Contact) -> None:
        super().__init__(question)
        self.contact = contact


class ReplyScreen(QuestionScreen):
    def __init__(self, look: Look, question: Question, progress: tuple[int, int], answer: Answer | None, *,
                 promise: ReplyPromise):
        super().__init__(look, question, progress, answer)
        self.promise = promise

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
        self.app.switch_screen(ReplyScreen(self.look, asked.question, asked.progress, None, promise=asked.promise))

    def chosen(self, target: Target) -> None:
        self.open_keyboard(target.value, "")

    def open_keyboard(self, purpose: Purpose, typed: str) -> None:
        titles = self.look.strings.in_all_languages("reply.enter_phone" if purpose == "phone" else "reply.enter_email")
        if purpose == "phone":
            keyboard = KeypadScreen(self.look, titles, typed)
        else:
            keyboard = KeyboardScreen(self.look, purpose, titles, typed, max_length=MAX_EMAIL_LENGTH)
        self.app.push_screen(keyboard, self._typed)

    def _typed(self, contact: Contact | None) -> None:
        if contact is None:
            return
        if contact.foreign:  # most often a Finnish number mistyped: the client says first
            self.app.push_screen(NumberCheckScreen(self.look, contact),
                                 lambda right: self._promise(contact) if right else self.retype(contact))
        else:
            self._promise(contact)

    def _promise(self, contact: Contact) -> None:
        self.app.switch_screen(PromiseScreen(self.look, self, contact))

    def retype(self, contact: Contact) -> None:
        self.open_keyboard(contact.kind, "".join(contact.shown.split()) if contact.kind == "phone" else contact.shown)


class NumberCheckScreen(ClientScreen):
    """Asks whether a phone number outside Finland is meant: 00401234567, one 0 too many, calls
    Romania. Dismisses with True (it is right) or False (correct it)."""

    def __init__(self, look: Look, contact: Contact):
        super().__init__(look)
        self.contact = contact

    def prompt(self):
        return self.t("reply.check.title"), f"{self.contact.shown}\n{self.t('reply.check.foreign')}"

    def choices(self):
        return [Target(self.t("reply.check.fix"), id="fix", classes="choice primary"),
                Target(self.t("reply.check.right"), id="right", classes="choice")]

    def nav_start(self):
        return self.back_target()

    def action_back(self) -> None:
        self.dismiss(False)  # back to the keypad, to correct it

    action_fix = action_back

    def action_right(self) -> None:
        self.dismiss(True)


class PromiseScreen(ClientScreen):
    """Who will answer and within how many days, and the contact details to check."""

    def __init__(self, look: Look, method_screen: ContactMethodScreen, contact: Contact):
        super().__init__(look)
        self.method_screen = method_screen
        self.contact = contact

    def prompt(self):
        promise = self.method_screen.question_screen.promise
        return (self.t("reply.promise", answerer=promise.answerer[self.look.language], days=promise.days),
                self.t("reply.contact", contact=self.contact.shown))

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
        self.method_screen.retype(self.contact)
