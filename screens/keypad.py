"""The phone keypad: every phone's layout, 1 2 3 / 4 5 6 / 7 8 9 / + 0 delete, one tap a
digit and on one screen at every size, with Back, help and Done beside it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from screens.base import Look
from screens.keyboard import TypingScreen
from screens.keys import KEY, KEYPAD, KEYPAD_SIDE, keypad_drawing, with_help
from screens.layout import CLIENT, TargetSize

PHONE_CHARACTERS = frozenset("0123456789+ -()")  # what a physical keyboard may add to a number
MAX_PHONE_LENGTH = 25  # E.164's 15 digits, and room for the spaces and dashes people type


class KeypadScreen(TypingScreen):
    """Type a phone number; dismisses with a validated Contact, or None for Back."""

    purpose = "phone"

    def __init__(self, look: Look, titles: Mapping[str, str], initial: str = "", *,
                 max_length: int = MAX_PHONE_LENGTH):
        super().__init__(look, titles, initial, max_length=max_length)

    def one_tap_sizes(self) -> list[TargetSize]:
        # Bigger text: keys as big as other targets where they fit, and never a digit in a group.
        return [CLIENT, KEY] if self.look.bigger_text else [KEY]

    def slots(self, helpers: Sequence[str]) -> list[str]:
        return [*(slot for row in KEYPAD for slot in row), *with_help(KEYPAD_SIDE, helpers)]

    def drawing(self, width, lines, helpers, smallest):
        drawn = keypad_drawing(width, lines, with_help(KEYPAD_SIDE, helpers), smallest)
        return list(drawn) if drawn else None

    def accepts(self, character: str) -> bool:
        return character in PHONE_CHARACTERS

    def spoken_text(self) -> str:
        return " ".join(self.typed)  # digit by digit, as a number is read back on the phone
