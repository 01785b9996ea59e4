"""The on-screen keyboard: no physical keyboard is ever needed.

Keys are as big as every other target, so on a small screen they cannot all show at
once: letters then come in groups (tap "a b c d e f g", then the letter), and after
each letter the keyboard is back at the groups. On a large screen every key shows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from textual.binding import Binding

from kiosk.guard import Contact, ContactError, parse_email, parse_phone
from screens.base import Look, TargetScreen
from screens.layout import capacity, header_lines
from screens.themes import GLYPHS
from screens.widgets import Target

Purpose = Literal["text", "phone", "email"]
LETTERS = tuple("abcdefghijklmnopqrstuvwxyzåäö")
DIGITS = tuple("1234567890")
KEYS: dict[Purpose, tuple[tuple[str, ...], ...]] = {
    "text": (LETTERS, DIGITS + tuple(".,?!-")),
    "phone": (DIGITS + ("+",),),
    "email": (LETTERS, DIGITS + tuple("@.-_+")),
}
VALIDATORS: dict[Purpose, Callable[[str], Contact]] = {"phone": parse_phone, "email": parse_email}
SPACE = " "
DISPLAY_TAIL = 40  # the end of the typed text: three lines of the smallest slot, under the title
GROUP_MAX = 8  # a group's target lists its letters, four to a line: two lines read at a glance


@dataclass(frozen=True)
class KeyGroup:
    """A target that opens a group of keys (or of smaller groups)."""

    members: tuple[str | KeyGroup, ...]
    label: str = ""

    def title(self, ellipsis: str = GLYPHS.ellipsis) -> str:
        """Its keys, four to a line (they fit the narrowest target), or its first and last."""
        if self.label:
            return self.label
        keys = self.keys()
        if len(keys) > 12:
            return f"{keys[0]} {ellipsis} {keys[-1]}"
        return "\n".join(" ".join(keys[start:start + 4]) for start in range(0, len(keys), 4))

    def keys(self) -> list[str]:
        return [key for member in self.members for key in (member.keys() if isinstance(member, KeyGroup) else [member])]


def _chunks(items: Sequence, size: int) -> list[tuple]:
    """Split into the fewest chunks of at most `size`, as even as possible."""
    count = math.ceil(len(items) / size)
    per = math.ceil(len(items) / count)
    return [tuple(items[index:index + per]) for index in range(0, len(items), per)]


def key_tree(sections: Sequence[Sequence[str]], top: int, inside: int, symbols_label: str) -> list[str | KeyGroup]:
    """Arrange keys for `top` slots at the first level and `inside` slots in an opened group.

    Every key shows when they all fit; else the other sections (digits and signs) go in one
    group of their own, nested as deep as it must be, and the letters show beside it, or in
    groups when they do not fit either.
    """
    every_key = [key for section in sections for key in section]
    if len(every_key) <= top:
        return every_key
    inside = max(inside, 2)  # groups of one would never shrink the top level (TargetGrid pages instead)
    first, *rest = sections
    others = [key for section in rest for key in section]
    groups: list[str | KeyGroup] = list(first)
    if len(first) + bool(others) > top:
        groups = [KeyGroup(chunk) for chunk in _chunks(first, inside)]
    if others:
        groups.append(_nested(others, inside, symbols_label))
    while len(groups) > top:
        groups = [KeyGroup(chunk) if len(chunk) > 1 else chunk[0] for chunk in _chunks(groups, inside)]
    return groups


def _nested(keys: Sequence[str], inside: int, label: str) -> KeyGroup:
    members: list[str | KeyGroup] = list(keys)
    while len(members) > inside:
        members = [KeyGroup(chunk) for chunk in _chunks(members, inside)]
    return KeyGroup(tuple(members), label)


class KeyboardScreen(TargetScreen):
    """Type a text, a phone number or an e-mail address. Dismisses with the text (for
    "text"), a validated Contact (for "phone" and "email"), or None when the client goes back."""

    BINDINGS = [*TargetScreen.BINDINGS, Binding("backspace", "delete", show=False),
                Binding("escape", "close_group", show=False)]

    def __init__(self, look: Look, purpose: Purpose, title: str, initial: str = "", *, max_length: int = 1000,
                 physical_typing: bool = False):
        """`physical_typing`: letters typed on a physical keyboard count too (assisted feedback,
        say an interpreter's keyboard); else only the on-screen keys type."""
        super().__init__(look)
        self.purpose = purpose
        self.physical_typing = physical_typing
        self.title_text = title
        self.typed = initial
        self.max_length = max_length
        self.error = ""
        self.path: list[KeyGroup] = []  # the groups opened, outermost first

    # -- what is shown --------------------------------------------------------

    def prompt(self) -> tuple[str, str]:
        signs = self.look.glyphs
        shown = self.typed if len(self.typed) <= DISPLAY_TAIL else f"{signs.ellipsis}{self.typed[-DISPLAY_TAIL:]}"
        body = f"{shown}{signs.caret}" if self.typed else self.t("keyboard.empty")
        return self.title_text, f"{body}\n{self.error}".rstrip()

    def _nav_keys(self) -> list[Target]:
        if self.path:
            return [Target(self.t("keyboard.close_group"), id="close-group", classes="nav")]
        keys = [Target(self.t("keyboard.delete"), id="delete", classes="nav")]
        if self.purpose == "text":
            keys.append(Target(self.t("keyboard.space"), SPACE, classes="nav key"))
        else:
            keys.insert(0, Target(self.t("nav.back"), id="back", classes="nav"))
        return keys

    def nav_start(self):
        return self._nav_keys()

    def nav_end(self):
        return [] if self.path else [Target(self.t("keyboard.done"), id="done", classes="nav primary")]

    def choices(self):
        level = self.path[-1].members if self.path else self._tree()
        ellipsis = self.look.glyphs.ellipsis
        return [Target(member.title(ellipsis), member, classes="key-group") if isinstance(member, KeyGroup)
                else Target(member, member, classes="key") for member in level]

    def prompt_can_hide(self) -> bool:
        # In an opened group the client is picking one letter: on a small screen the letters
        # get the whole grid, and the typed text shows again with the first level.
        return bool(self.path)

    def _tree(self) -> list[str | KeyGroup]:
        width, height = self.app.size
        prompt_height = header_lines("\n".join(self.prompt()), width)
        top = capacity(width, height, prompt_height, len(self._nav_keys()) + 1)
        # An opened group needs no prompt: the client is picking one letter of it.
        inside = min(capacity(width, height, 0, 1), GROUP_MAX)
        return key_tree(KEYS[self.purpose], top, inside, self.t("keyboard.symbols"))

    # -- input ---------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss(None)

    def chosen(self, target: Target) -> None:
        if isinstance(target.value, KeyGroup):
            self.path.append(target.value)
            self.run_worker(self.recompose())
        elif isinstance(target.value, str):
            self._type(target.value)

    def on_key(self, event) -> None:
        if self.physical_typing and event.is_printable and event.character:
            event.stop()
            self._type(event.character)

    def _type(self, key: str) -> None:
        if len(self.typed) < self.max_length:
            self.typed += key
        self._typed_changed()

    def action_delete(self) -> None:
        self.typed = self.typed[:-1]
        self._typed_changed()

    def _typed_changed(self) -> None:
        self.error = ""
        if self.path:  # back from the group to the first level
            self.path.clear()
            self.run_worker(self.recompose())
        else:
            self.refresh_prompt()

    def action_close_group(self) -> None:
        if self.path:
            self.path.pop()
            self.run_worker(self.recompose())

    def action_done(self) -> None:
        if self.purpose == "text":
            self.dismiss(self.typed)
            return
        try:
            self.dismiss(VALIDATORS[self.purpose](self.typed))
        except ContactError as error:
            self.error = self.t(f"reply.error.{error.reason}")
            self.refresh_prompt()
