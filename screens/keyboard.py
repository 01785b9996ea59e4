"""The on-screen keyboard: no physical keyboard is ever needed, and one types too.

In the normal text size every letter is one tap: keys may be smaller than other targets
(screens/keys.py), and the digits and signs are one tap away, on a second layer. With
bigger text (where a letter still takes at most two taps), or on a screen too small for
the one-tap keys, keys are as big as every other target, so they cannot all show at once:
letters then come in groups (tap "a b c d e f g", then the letter), and after each letter
the keyboard is back at the groups.

The typed text shows above the keys at every size: its end, where it is longer than a line.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widget import Widget

from kiosk.guard import Contact, ContactError, ContactProblem, parse_email, parse_phone
from screens.base import ClientScreen, Look, ReadAloud, TargetScreen
from screens.keys import (BACK, DELETE, DONE, KEY, LAYER, SIGNS, SPACE, Layer, Purpose, Row, keyboard_drawing,
                          keyboard_rows, with_help)
from screens.layout import CLIENT, TargetSize, capacity, header_lines
from screens.themes import GLYPHS
from screens.widgets import Prompt, Target

ALPHABET = tuple("abcdefghijklmnopqrstuvwxyzåäö")  # the groups of the bigger keys go in order
KEYS: dict[Purpose, tuple[tuple[str, ...], ...]] = {
    "text": (ALPHABET, tuple("".join(SIGNS["text"]))),
    "phone": (tuple("1234567890+"),),
    "email": (ALPHABET, tuple("".join(SIGNS["email"]))),
}
VALIDATORS: dict[Purpose, Callable[[str], Contact]] = {"phone": parse_phone, "email": parse_email}
GROUP_MAX = 8  # a group's target lists its letters, four to a line: two lines read at a glance
DELETE_SIGN = "←"  # as on a Nordic keyboard's backspace; every console font has it
OneTap = tuple[TargetSize, int, list[list[Row]]]  # the smallest key, the headline's lines, the keys
MENU, HELPERS = ("menu",), ("language", "about", "read-aloud", "bigger-text")
# The signs espeak-ng passes over in silence: speech names them in the person's language.
SIGN_NAMES = {".": "period", ",": "comma", "?": "question", "!": "exclamation", "-": "hyphen", ":": "colon",
              "'": "apostrophe", '"': "quote", "(": "left_paren", ")": "right_paren", "#": "hash", "_": "underscore"}


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


def taps(tree: Sequence[str | KeyGroup], depth: int = 1) -> dict[str, int]:
    """Each key of a tree and the taps that type it (opening its groups, then the key)."""
    found: dict[str, int] = {}
    for member in tree:
        if isinstance(member, KeyGroup):
            found.update(taps(member.members, depth + 1))
        else:
            found[member] = depth
    return found


def fitted(text: str, width: int, ellipsis: str) -> str:
    """The end of `text` in at most `width` cells: all of it, or an ellipsis and as much as fits."""
    if cell_len(text) <= width:
        return text
    tail = text
    while tail and cell_len(ellipsis + tail) > width:
        tail = tail[1:]
    return ellipsis + tail


def wrapped(text: str, width: int, most: int, ellipsis: str) -> list[str]:
    """`text` in lines of `width`, at most `most` of them (the last cut short with an ellipsis)."""
    lines = [part for line in text.splitlines() for part in textwrap.wrap(line, max(width, 1)) or [""]]
    if len(lines) <= most:
        return lines
    kept = lines[:most]
    last = kept[-1] + ellipsis
    while cell_len(last) > width and len(last) > len(ellipsis):
        last = last[:-len(ellipsis) - 1] + ellipsis
    return [*kept[:-1], last]


class Key(Target):
    """A key: smaller than other targets, its label as wide as the key lets it be."""

    def __init__(self, label: str, value: object = None, *, spoken: str = "", **kwargs):
        super().__init__(label, value, **kwargs)
        self.spoken_as = spoken
        self.styles.line_pad = 0  # Textual's CSS cannot set line-pad to 0
        # A button ignores taps while it shows it was pressed (0.2 s): a double letter, "ii", is two
        # quick taps. The typed text shows each at once.
        self.active_effect_duration = 0

    @property
    def spoken(self) -> str:
        return self.spoken_as or super().spoken


class KeyRow(Horizontal):
    """One row of keys, each as wide as the screen's arrangement says."""


class TypingScreen(ClientScreen):
    """What the keyboard and the phone keypad share: the typed text above the keys, typing by
    tap or on a physical keyboard, Delete, Done, Back and the help every client screen has.
    Dismisses with the text (for "text"), a validated Contact (for "phone" and "email"), or
    None when the client goes back."""

    BINDINGS = [*TargetScreen.BINDINGS, Binding("backspace", "delete", show=False),
                Binding("escape", "close_group", show=False), Binding("enter", "done", show=False)]
    # Nothing focused at first (None would be the app's "*"): a physical keyboard's Enter is Done
    # until an arrow key focuses a key.
    AUTO_FOCUS = ""
    purpose: Purpose

    def __init__(self, look: Look, titles: Mapping[str, str], initial: str = "", *, max_length: int = 1000):
        """`titles`: what is being typed, by language (it follows a change of language)."""
        super().__init__(look)
        self.titles = titles
        self.typed = initial
        self.max_length = max_length
        self.error: ContactProblem | None = None
        self.key_layer: Layer = "letters"  # or digits and signs
        self.path: list[KeyGroup] = []  # the groups opened, outermost first (bigger keys only)
        self._drawn: OneTap | None = None  # the one-tap keys as laid out; None: in groups
        self._help_labels: dict[str, str] = {}  # the help targets' labels, by id

    # -- what subclasses provide ----------------------------------------------

    def one_tap_sizes(self) -> list[TargetSize]:
        """The key sizes to try for one tap a key, largest first; none: the keys come in groups."""
        raise NotImplementedError

    def slots(self, helpers: Sequence[str]) -> list[str]:
        """Every slot of the one-tap keys, with these help targets (or the menu)."""
        raise NotImplementedError

    def drawing(self, width: int, lines: int, helpers: Sequence[str],
                smallest: dict[str, TargetSize]) -> list[list[Row]] | None:
        """The one-tap keys as blocks of rows side by side, or None where they do not fit."""
        raise NotImplementedError

    def accepts(self, character: str) -> bool:
        """Whether a physical keyboard's character is typed here."""
        return True

    def spoken_text(self) -> str:
        return self.typed

    # -- what is shown --------------------------------------------------------

    def headline(self) -> str:
        """What to type, or what is wrong with what was typed."""
        return self.t(f"reply.error.{self.error}") if self.error else self.titles[self.look.language]

    def typed_line(self, width: int) -> str:
        """The typed text with the caret, as much of its end as fits one line."""
        signs = self.look.glyphs
        if not self.typed:
            return wrapped(self.t("keyboard.empty"), width, 1, signs.ellipsis)[0]
        return fitted(self.typed + signs.caret, width, signs.ellipsis)

    def prompt(self) -> tuple[str, str]:
        typed = self.typed_line(self.app.size.width - 2)
        return (typed, "") if self.path else (self.headline(), typed)

    def speech_text(self) -> str:
        parts = [self.headline(), self.spoken_text() or self.t("keyboard.empty")]
        return ". ".join(part.strip() for part in parts if part.strip())

    def _prompt_text(self, headline_lines: int) -> Text:
        width = self.app.size.width - 2  # the prompt's padding
        headline = wrapped(self.headline(), width, headline_lines, self.look.glyphs.ellipsis)
        return Text.assemble(("\n".join(headline), "bold"), "\n", self.typed_line(width))

    # -- one tap a key ----------------------------------------------------------

    def _one_tap(self) -> OneTap | None:
        """The smallest key, the lines of the headline and the keys laid out below it, or None
        where one tap a key does not fit (the keys then come in groups)."""
        width, height = self.app.size
        wanted = header_lines(self.headline(), width)
        for size in self.one_tap_sizes():
            for helpers in (HELPERS, MENU):
                for short in (False, True):
                    smallest = {slot: self._smallest(slot, size, short) for slot in self.slots(helpers)}
                    for headline in range(wanted, 0, -1):
                        drawn = self.drawing(width, height - headline - 1, helpers, smallest)
                        if drawn:
                            return size, headline, drawn
        return None

    def _smallest(self, slot: str, size: TargetSize, short: bool) -> TargetSize:
        lines = self._label(slot, short)[0].splitlines() or [""]
        return TargetSize(max(size.columns, max(map(cell_len, lines)) + 2), max(size.rows, len(lines) + 2))

    def _label(self, slot: str, short: bool = False) -> tuple[str, str]:
        """A slot's label and what speech says for it."""
        if slot == DELETE:
            word = self.t("keyboard.delete")
            return (DELETE_SIGN if short else word), word
        if slot == SPACE:
            return self.t("keyboard.space"), self.t("keyboard.space")
        if slot == DONE:
            return self.t("keyboard.done"), ""
        if slot == BACK:
            return self.t("nav.back"), ""
        if slot == LAYER:
            letters = self.key_layer == "letters"
            return ("123" if letters else "abc"), self.t("keyboard.symbols" if letters else "keyboard.letters")
        if slot in MENU:
            return self.t("nav.menu"), ""
        if slot in HELPERS:
            return self._help_labels[slot], ""
        return slot, self.spoken_name(slot)

    def _key(self, slot: str, width: int, short: bool) -> Key:
        label, spoken = self._label(slot, short)
        if slot == SPACE:
            key = Key(label, " ", spoken=spoken, classes="key nav")
        elif slot == DONE:
            key = Key(label, id=slot, classes="key primary")
        elif len(slot) > 1:
            key = Key(label, id=slot, spoken=spoken, selected=slot == "bigger-text" and self.look.bigger_text,
                      classes="key nav")
        else:
            key = Key(label, slot, spoken=spoken, classes="key")
        key.styles.width = width
        return key

    def _compose_one_tap(self, headline: int, blocks: list[list[Row]]):
        prompt = Prompt(self._prompt_text(headline), id="prompt")
        prompt.styles.height = headline + 1
        yield prompt
        with Horizontal(classes="keys"):
            for block in blocks:
                column = Vertical(classes="key-block")
                column.styles.width = sum(width for _, width in block[0].keys)
                with column:
                    for row in block:
                        yield self._row(row)

    def _row(self, row: Row) -> Widget:
        # Each key's long label where it fits the key's width, else its short one.
        keys = [self._key(slot, width, self._smallest(slot, KEY, False).columns > width) for slot, width in row.keys]
        drawn = KeyRow(*keys)
        drawn.styles.height = row.height
        drawn.styles.width = sum(width for _, width in row.keys)
        return drawn

    def compose(self):
        self._arranged_for = self.app.size
        self._help_labels = {target.id: target.text for target in self.client_help()}  # in this look
        self._drawn = self._one_tap()
        if self._drawn is None:
            yield from super().compose()
        else:
            yield from self._compose_one_tap(*self._drawn[1:])
        # What bigger text gives here is keys as big as other targets (base.py tells the client
        # where it gives nothing).
        self._large = self.look.bigger_text and (self._drawn is None or self._drawn[0] == CLIENT)

    def refresh_prompt(self) -> None:
        if self._drawn is None:
            super().refresh_prompt()
            return
        if not self.is_mounted:
            return
        drawn = self._one_tap()
        if drawn != self._drawn:
            self.run_worker(self.recompose())
            return
        self.query_one("#prompt", Prompt).update(self._prompt_text(drawn[1]))

    def on_resize(self) -> None:
        if self.size != self._arranged_for:
            self._arranged_for = self.size
            self.run_worker(self.recompose())

    async def recompose(self) -> None:
        """Draw again (another layer, group, language or size); one using the keys keeps a key focused."""
        focused = self.focused
        await super().recompose()
        if focused is None:
            return
        again = [target for target in self.query(Target) if focused.id and target.id == focused.id]
        targets = again or list(self.query(Target))
        if targets:
            targets[0].focus()

    # -- bigger keys, in groups ---------------------------------------------------

    def nav_start(self):
        if self.path:
            return [Target(self.t("keyboard.close_group"), id="close-group", classes="nav")]
        keys = [*self.back_target(), Target(self.t("keyboard.delete"), id="delete", classes="nav")]
        if self.purpose == "text":
            keys.append(Target(self.t("keyboard.space"), " ", classes="nav key"))
        return keys

    def nav_end(self):
        return [] if self.path else [Target(self.t("keyboard.done"), id="done", classes="nav primary")]

    def help_targets(self):
        return [] if self.path else super().help_targets()  # an opened group is left by its Back

    def choices(self):
        level = self.path[-1].members if self.path else self._tree()
        ellipsis = self.look.glyphs.ellipsis
        return [Target(member.title(ellipsis), member, classes="key-group") if isinstance(member, KeyGroup)
                else Key(member, member, spoken=self.spoken_name(member), classes="key") for member in level]

    def _tree(self) -> list[str | KeyGroup]:
        """The keys in groups, for the first level's slots and an opened group's."""
        width, height = self.app.size
        prompt_height = header_lines(f"{self.headline()}\n{self.typed_line(width - 2)}", width)
        nav = 4 + (self.purpose == "text")  # Back, Delete, Space (for text), Done, and the menu
        top = capacity(width, height, prompt_height, nav)
        inside = min(capacity(width, height, 1, 1), GROUP_MAX)  # an opened group: the typed line, and its Back
        return key_tree(KEYS[self.purpose], top, inside, self.t("keyboard.symbols"))

    # -- input ------------------------------------------------------------------

    def spoken_name(self, character: str) -> str:
        if character == " ":
            return self.t("keyboard.space")
        if character in SIGN_NAMES:
            return self.t(f"keyboard.sign.{SIGN_NAMES[character]}")
        return character

    def say(self, text: str) -> None:
        """In speech mode, say what a key did."""
        if self.look.speech:
            self.post_message(ReadAloud(" ".join(text.split())))  # a label's line breaks are no pauses

    def action_back(self) -> None:
        self.dismiss(None)

    def chosen(self, target: Target) -> None:
        if isinstance(target.value, KeyGroup):
            self.path.append(target.value)
            self.run_worker(self.recompose())
        elif isinstance(target.value, str):
            self.type_key(target.value)

    def on_key(self, event) -> None:
        if event.is_printable and event.character and self.accepts(event.character):
            event.stop()
            self.type_key(event.character)

    def type_key(self, character: str) -> None:
        if len(self.typed) < self.max_length:
            self.typed += character
            self.say(self.spoken_name(character))
        self._typed_changed()

    def action_delete(self) -> None:
        if self.typed:
            deleted, self.typed = self.typed[-1], self.typed[:-1]
            self.say(self.t("keyboard.deleted", character=self.spoken_name(deleted)))
        else:
            self.say(self.t("keyboard.nothing_deleted"))
        self._typed_changed()

    def _typed_changed(self) -> None:
        self.error = None
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
            self.error = error.reason
            self.say(self.headline())
            self.refresh_prompt()


class KeyboardScreen(TypingScreen):
    """Letters, with digits and signs one tap away: for free text and e-mail addresses."""

    def __init__(self, look: Look, purpose: Purpose, titles: Mapping[str, str], initial: str = "", *,
                 max_length: int = 1000):
        super().__init__(look, titles, initial, max_length=max_length)
        self.purpose = purpose

    def one_tap_sizes(self) -> list[TargetSize]:
        if not self.look.bigger_text:
            return [KEY]
        # Bigger text: keys as big as other targets, in groups where they do not all fit, as long
        # as a letter takes at most two taps; on a smaller screen (where bigger text cannot make
        # anything bigger) one tap a key, as in the normal size.
        return [CLIENT] if max(taps(self._tree())[letter] for letter in ALPHABET) <= 2 else [CLIENT, KEY]

    def slots(self, helpers: Sequence[str]) -> list[str]:
        return [slot for row in self._rows(helpers) for slot in row]

    def _rows(self, helpers: Sequence[str]) -> list[tuple[str, ...]]:
        return [with_help(row, helpers) for row in keyboard_rows(self.purpose, self.key_layer)]

    def drawing(self, width, lines, helpers, smallest):
        rows = keyboard_drawing(width, lines, self._rows(helpers), smallest)
        return [rows] if rows else None

    def action_layer(self) -> None:
        """Letters, or digits and signs."""
        self.key_layer = "signs" if self.key_layer == "letters" else "letters"
        self.say(self.t("keyboard.symbols" if self.key_layer == "signs" else "keyboard.letters"))
        self.run_worker(self.recompose())
