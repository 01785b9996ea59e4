"""The privacy guard for what clients type: free text and the contact details for a reply.

Free text is cleaned of anything that could act on a terminal or hide text from a reader,
and personal data in it (henkilötunnus, phone numbers, e-mail addresses) is found so the
UI can tell the client it will be removed, and replaced before the response is sealed.
Detection errs towards flagging: a number redacted by mistake costs little, a leaked
henkilötunnus can cost a client their trust.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

# -- cleaning free text -------------------------------------------------------------------

# ECMA-48 sequences, as both the 7-bit (ESC x) and the 8-bit (C1) introducers.
_ESCAPE_SEQUENCE = re.compile(
    r"""
      (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])   # OSC, DCS, SOS, PM, APC: a string ...
      [^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)      # ... up to BEL or ST
    | (?:\x1b\[|\x9b)                           # CSI: parameters, intermediates, final byte
      [\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?
    | \x1b[\x20-\x2f]*[\x30-\x7e]?              # ESC c, ESC 7, ESC ( B ... or a lone ESC
    """,
    re.VERBOSE,
)
_LINE_BREAK = re.compile("\r\n?|[\u2028\u2029]")
# Controls (Cc), format characters (Cf: bidi overrides and isolates, zero-width characters,
# soft hyphen, tag characters) and lone surrogates (Cs) are invisible or act on the display:
# they could hide or reorder text, or split a henkilötunnus so that it is not found.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


def clean_text(raw: str, max_length: int = 1000) -> str:
    """Free text as safe to show on any terminal or screen, NFC, at most `max_length` characters."""
    if max_length < 0:
        raise ValueError(f"max_length must not be negative: {max_length}")
    text = _ESCAPE_SEQUENCE.sub("", raw)
    text = _LINE_BREAK.sub("\n", text).replace("\t", " ")
    text = "".join(char for char in text if char == "\n" or unicodedata.category(char) not in _HIDDEN_CATEGORIES)
    return unicodedata.normalize("NFC", text)[:max_length]


# -- finding personal data ----------------------------------------------------------------

_SPACE = r"[^\S\n]"  # one space of any kind, but a number does not continue on the next line
_DASHES = "\\-\u2010\u2011\u2012\u2013\u2014\u2212"  # hyphen-minus and its look-alikes

# Henkilötunnus DDMMYYCZZZQ. Found by its shape: the check character may be wrong or missing
# and the client may have typed a space around the century sign. Not glued to other digits.
# Without a century sign (a space instead, or nothing: "131052 308T", "131052308T") it is found
# by its check character: a letter, or the right digit (ten digits alone are often other numbers).
_HETU = re.compile(
    rf"""
    (?<!\d)
    (?P<birth>(?:0[1-9]|[12]\d|3[01]) (?:0[1-9]|1[0-2]) \d\d)   # DDMMYY
    (?:
        {_SPACE}? [+{_DASHES}ABCDEFUVWXY] {_SPACE}?      # century sign: 1800s +, 1900s -YXWVU, 2000s ABCDEF
        \d{{3}} [0-9A-Z]?                                 # individual number, any check character
      | {_SPACE}? (?P<number>\d{{3}}) (?P<check>[0-9A-Z])  # no century sign: the check character tells
    )
    (?!\d)
    """,
    re.VERBOSE | re.IGNORECASE,
)
_HETU_CHECK = "0123456789ABCDEFHJKLMNPRSTUVWXY"  # the check character: DDMMYYZZZ modulo 31

# local@domain.tld, tolerating a space typed around the @. Only tried from the start of
# the local part: trying from inside every long word would take time quadratic in its length.
_EMAIL = re.compile(
    rf"(?<![\w.+\-])[\w.+\-]+{_SPACE}?@{_SPACE}?(?:[\w\-]+\.)+[^\W\d_]{{2,}}(?![\w\-])",
)

# Phone numbers start with +, 00 or a national 0. Digit groups are joined by a space, a dash
# or a slash; parentheses may hold an area code or the trunk 0: "+358 (0)40 123 4567".
_DIGIT_GROUP = r"(?:\d+(?:\(\d+\)\d*)?|\(\d+\)\d*)"
_GROUP_SEPARATOR = rf"(?:{_SPACE}?[{_DASHES}/]{_SPACE}?|{_SPACE})"
_PHONE = re.compile(rf"(?<![\d+])(?:\+|(?=\(?0)){_DIGIT_GROUP}(?:{_GROUP_SEPARATOR}{_DIGIT_GROUP})*")
# Dates written with dashes or slashes look like "05-06-2024", a number in area code 05.
_DATE = re.compile(r"\d\d?([\-/])\d\d?\1(?:\d\d)?\d\d")
# After the trunk 0: area codes 02–09 (which take in mobile 04x and 050, and the service
# numbers 020, 029, 030, 0600, 0700, 0800) and 013–019, and the service numbers 010.
_FINNISH_NATIONAL = re.compile(r"(?:[2-9]|1[03-9])\d*")
_FINNISH_COUNTRY_CODE = "358"
MIN_PHONE_DIGITS = 7  # fewer digits are times, dates, prices and room numbers
MAX_PHONE_DIGITS = 15  # E.164, country code included

FindingKind = Literal["hetu", "phone", "email"]
REDACTION_MARKERS: dict[FindingKind, str] = {"hetu": "[HETU]", "phone": "[PHONE]", "email": "[EMAIL]"}


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    start: int
    end: int


def find_personal_data(text: str) -> list[Finding]:
    """Personal data in `text`, in order, none overlapping.

    Where matches overlap, an e-mail address wins (it may contain a number), then a
    henkilötunnus (its digits also look like a phone number).
    """
    phones = (match for match in _PHONE.finditer(text) if _looks_like_phone(match[0]))
    hetus = (match for match in _HETU.finditer(text) if _has_hetu_check(match))
    candidates = [
        *(Finding("email", *match.span()) for match in _EMAIL.finditer(text)),
        *(Finding("hetu", *match.span()) for match in hetus),
        *(Finding("phone", *match.span()) for match in phones),
    ]
    kept: list[Finding] = []
    for candidate in candidates:
        if not any(candidate.start < other.end and other.start < candidate.end for other in kept):
            kept.append(candidate)
    return sorted(kept, key=lambda finding: finding.start)


def redact(text: str) -> str:
    """`text` with each piece of personal data replaced by a marker such as `[HETU]`."""
    for finding in reversed(find_personal_data(text)):
        text = text[: finding.start] + REDACTION_MARKERS[finding.kind] + text[finding.end :]
    return text


def _has_hetu_check(match: re.Match) -> bool:
    """With a century sign the shape is enough; without one, a letter or the right check digit."""
    check = match["check"]
    if check is None or not check.isdigit():
        return True
    return _HETU_CHECK[int(match["birth"] + match["number"]) % 31] == check


def _looks_like_phone(candidate: str) -> bool:
    """Any number with a + counts; other numbers must fit the Finnish numbering plan."""
    digits = _digits(candidate)
    if len(digits) < MIN_PHONE_DIGITS or _DATE.fullmatch(candidate):
        return False
    international = _international_digits(candidate, digits)
    return candidate.startswith("+") or (international is not None and _is_diallable(international))


# -- contact details for a reply ----------------------------------------------------------

ContactProblem = Literal["empty", "too-short", "too-long", "not-a-phone-number", "not-an-email-address"]
MAX_EMAIL_LENGTH = 254  # RFC 5321 limit on a forward path, less the angle brackets

_PHONE_CHARACTERS = re.compile(rf"\+?[0-9\s(){_DASHES}]*")
_EMAIL_ADDRESS = re.compile(
    r"""
    (?P<local>[\w!#$%&'*+/=?^`{|}~\-]+(?:\.[\w!#$%&'*+/=?^`{|}~\-]+)*)   # dots only between atoms
    @
    (?P<domain>(?:[^\W_](?:[\w\-]*[^\W_])?\.)+[^\W\d_]{2,})             # labels do not start or end with -
    """,
    re.VERBOSE,
)


class ContactError(ValueError):
    """Contact details the client must correct; `reason` is the code the UI words for them."""

    def __init__(self, reason: ContactProblem):
        self.reason: ContactProblem = reason
        super().__init__(reason)


@dataclass(frozen=True)
class Contact:
    kind: Literal["phone", "email"]
    value: str  # what the provider dials or writes to: a phone number in E.164 (+358401234567), or an address
    # What the client typed, as they will know it again ("040 123 4567"): shown to them, never sealed.
    shown: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.shown:
            object.__setattr__(self, "shown", self.value)

    @property
    def foreign(self) -> bool:
        """A phone number outside Finland: often a Finnish one mistyped (00401234567 calls Romania)."""
        return self.kind == "phone" and not self.value.startswith("+" + _FINNISH_COUNTRY_CODE)


def parse_phone(raw: str) -> Contact:
    """A Finnish (national or +358) or international (+ or 00) phone number, as E.164, shown
    as typed, its digits grouped."""
    typed = raw.strip()
    if not typed:
        raise ContactError("empty")
    if not _PHONE_CHARACTERS.fullmatch(typed):
        raise ContactError("not-a-phone-number")
    digits = _digits(typed)
    if len(digits) < MIN_PHONE_DIGITS:
        raise ContactError("too-short")
    international = _international_digits(typed, digits)
    if international is None or not _is_diallable(international):
        raise ContactError("not-a-phone-number")
    if len(international) > MAX_PHONE_DIGITS:
        raise ContactError("too-long")
    return Contact("phone", "+" + international, grouped_phone(typed))


# After the trunk 0 (or +358): mobile 04x and 050, 010 and the area codes 013–019, the service
# numbers 020, 029, 030, 0600, 0700 and 0800; else a one-digit area code (02, 03, 05, 06, 08, 09).
_FINNISH_PREFIX = re.compile(r"4\d|50|1\d|2[09]|30|[678]00|[2-9]")
# E.164 country codes of one and of two digits; all others have three.
_SHORT_COUNTRY_CODES = frozenset({
    "1", "7", "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48",
    "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66", "81", "82", "84",
    "86", "90", "91", "92", "93", "94", "95", "98",
})


def grouped_phone(typed: str) -> str:
    """A phone number's digits as typed, in groups read at a glance: "0401234567" as
    "040 123 4567", "00401234567" as "00 40 123 4567", "+46701234567" as "+46 701 234 567"."""
    digits = _digits(typed)
    if typed.lstrip().startswith("+"):
        start, rest = "+", digits
    elif digits.startswith("00"):
        start, rest = "00 ", digits[2:]
    elif digits.startswith("0"):
        return " ".join(_finnish_groups(digits[1:], trunk="0"))
    else:
        return " ".join(_groups(digits))
    country = next((rest[:size] for size in (1, 2) if rest[:size] in _SHORT_COUNTRY_CODES), rest[:3])
    national = rest[len(country):]
    if country == _FINNISH_COUNTRY_CODE:
        groups = _finnish_groups(national.removeprefix("0"))  # "+358 (0)40": the trunk 0 is not dialled
    else:
        groups = _groups(national)
    return " ".join([start + country, *groups])


def _finnish_groups(national: str, trunk: str = "") -> list[str]:
    prefix = _FINNISH_PREFIX.match(national)
    if prefix is None:
        return [trunk + national] if trunk else _groups(national)
    return [trunk + prefix[0], *_groups(national[prefix.end():])]


def _groups(digits: str) -> list[str]:
    """Threes, the last of four rather than one: "1234567" as "123 4567"."""
    groups = [digits[start:start + 3] for start in range(0, len(digits), 3)]
    if len(groups) > 1 and len(groups[-1]) == 1:
        groups[-2:] = [groups[-2] + groups[-1]]
    return groups


def _digits(typed: str) -> str:
    return re.sub(r"[^0-9]", "", typed)


def _international_digits(typed: str, digits: str) -> str | None:
    """Country code and national number; None for a number with neither a + nor a leading 0."""
    if typed.startswith("+"):
        international = digits
    elif digits.startswith("00"):
        international = digits[2:]
    elif digits.startswith("0"):
        international = _FINNISH_COUNTRY_CODE + digits[1:]
    else:
        return None
    # "+358 (0)40 ...": the trunk 0 is not dialled after the country code.
    return re.sub(rf"^{_FINNISH_COUNTRY_CODE}0", _FINNISH_COUNTRY_CODE, international)


def _is_diallable(international: str) -> bool:
    if international.startswith("0"):  # no country code starts with 0
        return False
    national = international.removeprefix(_FINNISH_COUNTRY_CODE)
    return national == international or _FINNISH_NATIONAL.fullmatch(national) is not None


def parse_email(raw: str) -> Contact:
    """An e-mail address with one @ and a dotted domain, the domain lowercased."""
    typed = unicodedata.normalize("NFC", raw.strip())
    if not typed:
        raise ContactError("empty")
    if len(typed) > MAX_EMAIL_LENGTH:
        raise ContactError("too-long")
    address = _EMAIL_ADDRESS.fullmatch(typed)
    if address is None:
        raise ContactError("not-an-email-address")
    return Contact("email", f"{address['local']}@{address['domain'].lower()}")  # shown as it is kept
