""""You said, we did": the provider's messages shown on the welcome loop.

They come in the signed bundle. A figure (say, "87 % found their way easily") is
shown only when it rests on at least MIN_RESPONSES responses: smaller numbers can
single people out and mislead (NHS Friends and Family Test practice).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from kiosk.guard import clean_text
from kiosk.languages import easy_variant

log = logging.getLogger(__name__)
MIN_RESPONSES = 5


@dataclass(frozen=True)
class Figure:
    label: dict[str, str]
    value: str
    responses: int


@dataclass(frozen=True)
class Announcement:
    id: str
    texts: dict[str, str]
    figures: tuple[Figure, ...] = ()

    def lines(self, language: str) -> list[str]:
        """The message in the client's language and its easy-language version, then the figures
        that rest on enough responses."""
        codes = dict.fromkeys([language, easy_variant(language)])
        lines = [self.texts[code] for code in codes if code and code in self.texts]
        lines += [f"{figure.label[language]}: {figure.value}" for figure in self.figures
                  if figure.responses >= MIN_RESPONSES and language in figure.label]
        return lines


def parse_announcements(items: list[dict]) -> list[Announcement]:
    """The bundle's announcements; one that is malformed is left out (and logged), not fatal.
    Their words reach the screen cleaned exactly as a client's free text is (kiosk.guard): an
    escape sequence in a bundle must not act on the terminal, nor a bidi control or a
    zero-width character reorder or hide what is shown."""
    announcements = []
    for item in items:
        try:
            figures = tuple(Figure(_cleaned(figure["label"]), clean_text(str(figure["value"])),
                                   int(figure["responses"])) for figure in item.get("figures", []))
            announcements.append(Announcement(str(item["id"]), _cleaned(item["texts"]), figures))
        except (KeyError, TypeError, ValueError) as error:
            log.warning("left out a malformed announcement: %s", error)
    return announcements


def _cleaned(texts: dict) -> dict[str, str]:
    """A text in each language, each cleaned."""
    return {code: clean_text(str(text)) for code, text in dict(texts).items()}
