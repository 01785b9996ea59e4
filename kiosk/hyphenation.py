"""Lines of a label for the width it has: words break only where their language's
hyphenation dictionary allows, and only when they do not fit a line whole.

Finnish is hyphenated by Voikko (Debian's `libvoikko1` and `voikko-fi`, through the
`libvoikko` binding on PyPI): it knows Finnish compounds and inflection, and pyphen has
no Finnish dictionary. Swedish and English by pyphen, whose dictionaries are LibreOffice's
(Voikko has no Swedish). Each dictionary is loaded the first time a word of its language
does not fit: most screens never need one, and the first screen paints without them.
Where a dictionary is missing, a word that does not fit is cut where the line ends, as
it was before (and the kiosk's log says why, once).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from kiosk.languages import BY_CODE

log = logging.getLogger(__name__)

HYPHEN = "-"
MIN_PIECE = 2  # letters left on either side of a break: "A-loita" is no help to a reader
PYPHEN_DICTIONARIES = {"sv": "sv", "en": "en_GB"}


@dataclass(frozen=True)
class Breaks:
    """Where a word may be broken: at i, `word[:i]` ends a line (with a hyphen added unless
    it ends in one) and `word[i:]` begins the next. `between_parts`: those of them between
    the parts of a compound ("sähkö-postilla"), which a reader takes in most easily."""

    points: tuple[int, ...] = ()
    between_parts: frozenset[int] = frozenset()


Dictionary = Callable[[str], Breaks]  # for a word of letters


def wrap(text: str, width: int, language: str | None, height: int | None = None) -> list[str]:
    """`text` in lines of at most `width` characters. Its own line breaks stay, and a line
    that fits stays as it is (a face's drawing keeps its spaces); the others are wrapped
    at spaces, and a word longer than a whole line is broken where `language` allows,
    with a hyphen. `language` None: no dictionary, a long word is cut.

    A word too long for a line starts a line of its own, where it breaks between the parts
    of a compound ("Siirry / komento- / riville", not "Siirry ko- / mentoriville"), if that
    still fits `height` lines; else (and with no `height`) it starts where there is room."""
    tidy, compact = (_wrap(text, width, language, own_line) for own_line in (True, False))
    return tidy if len(tidy) <= (height if height is not None else len(compact)) else compact


def _wrap(text: str, width: int, language: str | None, own_line: bool) -> list[str]:
    lines: list[str] = []
    for line in text.split("\n"):
        lines += [line] if len(line) <= width or width < 1 else _wrap_words(line.split(), width, language, own_line)
    return lines


def breaks(word: str, language: str | None) -> Breaks:
    """Where `word` may be broken in `language` (any of the kiosk's codes). Punctuation
    around it stays with it; a hyphen in it ("PIN-koodi", "e-postadress") is a break too."""
    return _breaks(word, BY_CODE[language].base if language in BY_CODE else None)


@cache
def _breaks(word: str, base: str | None) -> Breaks:
    dictionary = _dictionary(base) if base else None
    points: list[int] = []
    between_parts: set[int] = set()
    start = 0
    for part in word.split(HYPHEN):
        if start:  # just after a hyphen the word has
            points.append(start)
            between_parts.add(start)
        letters = [index for index, char in enumerate(part) if char.isalpha()]
        if dictionary is not None and len(letters) >= 2 * MIN_PIECE:
            offset = start + letters[0]
            found = dictionary(part[letters[0]:letters[-1] + 1])
            inside = [point for point in found.points if MIN_PIECE <= point <= letters[-1] + 1 - letters[0] - MIN_PIECE]
            points += [offset + point for point in inside]
            between_parts |= {offset + point for point in inside if point in found.between_parts}
        start += len(part) + 1
    points = [point for point in points if 0 < point < len(word)]
    return Breaks(tuple(points), frozenset(between_parts & set(points)))


def _wrap_words(words: list[str], width: int, language: str | None, own_line: bool) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in words:
        joined = f"{line} {word}" if line else word
        if len(joined) <= width:
            line = joined
            continue
        if line and (len(word) <= width or own_line):  # a word that fits a line of its own is never broken
            lines.append(line)
            line = ""
        if len(word) <= width:
            line = word
            continue
        head, rest = _split(word, width - len(line) - 1 if line else width, width, language)
        if head:
            line = f"{line} {head}" if line else head
        while rest:
            if line:
                lines.append(line)
            if len(rest) <= width:
                line, rest = rest, ""
            else:
                line, rest = _split(rest, width, width, language)
                if not line:  # no break the dictionary allows is short enough: cut, as a last resort
                    line, rest = rest[:width], rest[width:]
    return [*lines, line] if line else lines


def _split(word: str, room: int, width: int, language: str | None) -> tuple[str, str]:
    """(the first piece of `word` that fits `room` with its hyphen, the rest), or ("", word)
    when no allowed break leaves so short a piece. The longest such piece, unless a break
    between the parts of a compound fits and leaves a rest that fits a line whole."""
    found = breaks(word, language)
    fitting = [point for point in found.points if len(_head(word, point)) <= room]
    if not fitting:
        return "", word
    between_parts = [point for point in fitting if point in found.between_parts and len(word) - point <= width]
    point = (between_parts or fitting)[-1]
    return _head(word, point), word[point:]


def _head(word: str, point: int) -> str:
    return word[:point] if word[point - 1] == HYPHEN else f"{word[:point]}{HYPHEN}"


@cache
def _dictionary(base: str) -> Dictionary | None:
    try:
        if base == "fi":
            return _voikko()
        if base in PYPHEN_DICTIONARIES:
            return _pyphen(PYPHEN_DICTIONARIES[base])
    except (ImportError, OSError) as error:  # the library, or its data, is not installed
        log.warning("no hyphenation for %s: %s", base, error)
    return None


def _pyphen(name: str) -> Dictionary:
    import pyphen

    dictionary = pyphen.Pyphen(lang=name)
    return lambda word: Breaks(tuple(dictionary.positions(word)))


def _voikko() -> Dictionary:
    import libvoikko

    try:
        voikko = libvoikko.Voikko("fi")
    except libvoikko.VoikkoException as error:
        raise OSError(f"{error}: is voikko-fi installed?") from error
    voikko.setNoUglyHyphenation(True)

    def breaks_in(word: str) -> Breaks:
        points = tuple(index for index, mark in enumerate(voikko.getHyphenationPattern(word)) if mark == "-")
        return Breaks(points, frozenset(_compound_parts(voikko, word)))

    return breaks_in


def _compound_parts(voikko, word: str) -> set[int]:
    """Where the parts of a compound meet, in every reading Voikko finds ("=ppppp=pppppppp":
    "sähkö" + "postilla" meet at 5)."""
    starts: set[int] = set()
    for analysis in voikko.analyze(word):
        position = 0
        for mark in analysis.get("STRUCTURE", ""):
            if mark == "=":
                starts.add(position)
            else:
                position += 1
    return starts - {0}
