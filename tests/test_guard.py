from __future__ import annotations

import random
import unicodedata

import pytest

from kiosk.guard import (
    Contact,
    ContactError,
    Finding,
    clean_text,
    find_personal_data,
    grouped_phone,
    parse_email,
    parse_phone,
    redact,
)

CHECK_ALPHABET = "0123456789ABCDEFHJKLMNPRSTUVWXY"
VALID_HETUS = ["131052-308T", "010101A123N", "010594Y9021"]
CENTURY_SIGNS = "+-YXWVUABCDEF"


def found(text: str) -> list[tuple[str, str]]:
    """What was found, as (kind, the text found): easier to read in a failure than offsets."""
    return [(finding.kind, text[finding.start : finding.end]) for finding in find_personal_data(text)]


# -- clean_text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sequence",
    [
        "\x1b[2J",  # CSI: clear screen
        "\x1b[31;1m",  # CSI: colour
        "\x1b[?25l",  # CSI with a private parameter: hide cursor
        "\x1b]0;title\x07",  # OSC ended by BEL
        "\x1b]8;;https://example.com\x1b\\",  # OSC hyperlink ended by ST
        "\x1bP1$r\x1b\\",  # DCS
        "\x1b_payload\x1b\\",  # APC
        "\x1b^payload\x1b\\",  # PM
        "\x1bXpayload\x1b\\",  # SOS
        "\x9b31m",  # 8-bit CSI
        "\x9d0;title\x9c",  # 8-bit OSC and ST
        "\x90payload\x9c",  # 8-bit DCS
        "\x1bc",  # reset terminal
        "\x1b7",  # save cursor
        "\x1b(B",  # designate character set
    ],
)
def test_escape_sequences_are_removed_whole(sequence: str) -> None:
    assert clean_text(f"hyvä{sequence} palvelu") == "hyvä palvelu"


@pytest.mark.parametrize("sequence", ["\x1b", "\x1b[", "\x1b[31", "\x9b"])
def test_sequences_cut_short_at_the_end_are_removed(sequence: str) -> None:
    assert clean_text(f"hyvä palvelu{sequence}") == "hyvä palvelu"


def test_an_unterminated_string_sequence_loses_its_introducer() -> None:
    assert clean_text("hyvä\x1b]0;title palvelu") == "hyvä0;title palvelu"


_FOLLOWER = "ö"  # outside every escape-sequence byte range, so only the control itself can go
_CONTROLS = [chr(code) for code in [*range(0x00, 0x20), *range(0x7F, 0xA0)] if chr(code) not in "\t\n\r"]


@pytest.mark.parametrize("control", _CONTROLS, ids=lambda char: f"U+{ord(char):04X}")
def test_control_characters_are_removed(control: str) -> None:
    assert clean_text(f"a{control}{_FOLLOWER}") == f"a{_FOLLOWER}"


@pytest.mark.parametrize(
    "hidden",
    [
        *map(chr, range(0x202A, 0x202F)),  # bidi embeddings and overrides
        *map(chr, range(0x2066, 0x206A)),  # bidi isolates
        *"\u200b\u200c\u200d\u2060\ufeff\u00ad",  # zero-width characters, word joiner, BOM, soft hyphen
    ],
    ids=lambda char: f"U+{ord(char):04X}",
)
def test_bidi_controls_and_invisible_characters_are_removed(hidden: str) -> None:
    assert clean_text(f"huono{hidden}palvelu") == "huonopalvelu"


def test_line_breaks_are_kept_and_tabs_become_spaces() -> None:
    assert clean_text("eka\ntoka\r\nkolmas\rneljäs\tviides") == "eka\ntoka\nkolmas\nneljäs viides"


def test_text_is_normalised_to_nfc() -> None:
    decomposed = "ha\u0308irio\u0308 e\u0301"
    assert clean_text(decomposed) == "häiriö é"


@pytest.mark.parametrize(
    ("raw", "max_length", "expected"),
    [
        ("a" * 1000, 1000, "a" * 1000),
        ("a" * 1001, 1000, "a" * 1000),
        ("\x1b[2J" + "a" * 1000, 1000, "a" * 1000),  # the cap counts what is left, not what was typed
        ("e\u0301" * 1000, 1000, "é" * 1000),  # ... after NFC
        ("abcdef", 5, "abcde"),
        ("abc", 0, ""),
    ],
)
def test_length_is_capped_exactly(raw: str, max_length: int, expected: str) -> None:
    assert clean_text(raw, max_length) == expected


def test_default_cap_is_1000_characters() -> None:
    assert len(clean_text("a" * 5000)) == 1000


def test_cleaned_text_has_no_controls_for_random_input() -> None:
    rng = random.Random(20240601)
    alphabet = [
        *map(chr, range(0x00, 0xA0)),
        "ä", "ö", "å", "é", "\u0301", "\u202e", "\u2067", "\u200b", "\ufeff", "\u2028", "\ud800", "\U0001f600",
    ]  # fmt: skip
    for _ in range(2000):
        raw = "".join(rng.choice(alphabet) for _ in range(rng.randrange(60)))
        cleaned = clean_text(raw, max_length=40)
        assert len(cleaned) <= 40
        hidden = [char for char in cleaned if char != "\n" and unicodedata.category(char) in {"Cc", "Cf", "Cs"}]
        assert hidden == [], repr(raw)
        assert clean_text(cleaned, max_length=40) == cleaned, repr(raw)


# -- henkilötunnus -------------------------------------------------------------------------


@pytest.mark.parametrize("hetu", VALID_HETUS)
def test_valid_hetu_is_found(hetu: str) -> None:
    assert found(f"Henkilötunnukseni on {hetu}.") == [("hetu", hetu)]


@pytest.mark.parametrize(
    "hetu",
    [hetu[:-1] + check for hetu in VALID_HETUS for check in CHECK_ALPHABET if check != hetu[-1]]
    + ["131052-308G", "131052-308"],  # a letter outside the alphabet; the check character left out
)
def test_hetu_with_a_wrong_or_missing_check_character_is_found(hetu: str) -> None:
    assert found(f"hetu {hetu} kiitos") == [("hetu", hetu)]


@pytest.mark.parametrize("sign", CENTURY_SIGNS)
@pytest.mark.parametrize("case", [str.upper, str.lower])
def test_every_century_sign_is_found_in_either_case(sign: str, case) -> None:
    hetu = case(f"010101{sign}123N")
    assert found(hetu) == [("hetu", hetu)]


@pytest.mark.parametrize("hetu", ["010101 a123n", "010101A 123N", "131052 - 308t", "010594 y9021"])
def test_hetu_with_a_space_around_the_century_sign_is_found(hetu: str) -> None:
    assert found(f"tunnus {hetu} ok") == [("hetu", hetu)]


@pytest.mark.parametrize(
    "text",
    [
        "(131052-308T)",
        "hetu:131052-308T,",
        "131052-308T!",
        "Onko 131052-308T?",
        "rivi\n131052-308T\n",
        "hetu131052-308T",
    ],
)
def test_hetu_is_found_among_punctuation(text: str) -> None:
    assert found(text) == [("hetu", "131052-308T")]


def test_hetu_hidden_with_a_zero_width_space_is_found_after_cleaning() -> None:
    assert redact(clean_text("131\u200b052-308T")) == "[HETU]"


@pytest.mark.parametrize("hetu", ["131052 308T", "131052308T", "131052308t", "010101 123N", "131052 1003",
                                  "1310521003", "131\u200b052 308T"])
def test_hetu_with_a_space_or_nothing_for_its_century_sign_is_found(hetu: str) -> None:
    assert redact(clean_text(f"tunnukseni {hetu}, kiitos")) == "tunnukseni [HETU], kiitos"


@pytest.mark.parametrize("text", ["tilaus 1310521004", "viite 2412801000", "131052 308", "lasku 1310523080"])
def test_ten_digits_with_a_wrong_check_digit_and_no_century_sign_are_other_numbers(text: str) -> None:
    """Order numbers and references are often ten digits: without a century sign only the right
    check digit (or a letter) makes them a henkilötunnus."""
    assert find_personal_data(text) == []


# -- phone numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "040 123 4567",
        "040-1234567",
        "0401234567",
        "050 123 45 67",
        "040/1234567",
        "+358 40 123 4567",
        "+358401234567",
        "+358 (0)40 123 4567",
        "00358401234567",
        "09 123 4567",
        "(09) 123 4567",
        "013 123 456",
        "010 123 4567",
        "020 123 456",
        "029 123 4567",
        "030 123 4567",
        "0600 123 456",
        "0700 123 456",
        "0800 12345",
        "040 – 123 4567",
        "+46 70 123 45 67",
        "0046 70 123 45 67",
        "+1 212 555 0123",
    ],
)
def test_phone_number_is_found(phone: str) -> None:
    assert found(f"Soita {phone}, kiitos") == [("phone", phone)]


@pytest.mark.parametrize(
    "email",
    [
        "matti.meikalainen@example.com",
        "m_m+palaute@posti.fi",
        "äiti@esimerkki.fi",
        "matti @ example.com",
        "Matti@Example.COM",
    ],
)
def test_email_address_is_found(email: str) -> None:
    assert found(f"Vastaa osoitteeseen {email}.") == [("email", email)]


@pytest.mark.parametrize(
    "text",
    [
        "klo 10.30",
        "1.1.2024",
        "01.01.2024",
        "05-06-2024",
        "2025",
        "vuosina 2019-2024",
        "huone 214",
        "12 €",
        "1 000 000 €",
        "odotin 45 minuuttia",
        "auki klo 8-16",
        "sain 0 vastausta 3 viikkoon",
        "tilaus 12345678",
        "syntynyt 010101",
        "matti at example dot com",
    ],
)
def test_ordinary_numbers_and_dates_are_not_flagged(text: str) -> None:
    assert find_personal_data(text) == []
    assert redact(text) == text


# -- find_personal_data and redact ---------------------------------------------------------

MIXED = "Hetu 131052-308T, puh 040 123 4567 tai matti@example.com."


def test_findings_are_in_order_with_their_positions() -> None:
    expected = [Finding("hetu", 5, 16), Finding("phone", 22, 34), Finding("email", 39, 56)]
    assert find_personal_data(MIXED) == expected


def test_redact_replaces_each_finding_with_its_marker() -> None:
    assert redact(MIXED) == "Hetu [HETU], puh [PHONE] tai [EMAIL]."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("010101-1234", "[HETU]"),  # also has the digits of a number in the 010 service range
        ("040 131052-308T", "040 [HETU]"),  # the phone candidate would run into the hetu
        ("0401234567@example.com", "[EMAIL]"),
    ],
)
def test_overlapping_candidates_give_one_marker(text: str, expected: str) -> None:
    assert redact(text) == expected
    findings = find_personal_data(text)
    assert all(first.end <= second.start for first, second in zip(findings, findings[1:]))


def test_text_without_personal_data_is_unchanged() -> None:
    text = "Hoitaja oli ystävällinen, mutta odotin 45 minuuttia. Kiitos!"
    assert redact(text) == text


# -- contact details -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("040 123 4567", "+358401234567"),
        ("040-123 45 67", "+358401234567"),
        (" 0401234567 ", "+358401234567"),
        ("+358 40 123 4567", "+358401234567"),
        ("+358 (0)40 123 4567", "+358401234567"),
        ("+358 040 1234567", "+358401234567"),
        ("00358 40 123 4567", "+358401234567"),
        ("09 123 4567", "+35891234567"),
        ("(09) 123 4567", "+35891234567"),
        ("0800 12345", "+35880012345"),
        ("+46 70 123 45 67", "+46701234567"),
        ("0046 70 123 45 67", "+46701234567"),
    ],
)
def test_phone_numbers_are_accepted_as_e164(raw: str, e164: str) -> None:
    assert parse_phone(raw) == Contact("phone", e164)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("0401234567", "040 123 4567"),
        ("040 12 34 567", "040 123 4567"),
        ("0501234567", "050 123 4567"),
        ("091234567", "09 123 4567"),
        ("0131234567", "013 123 4567"),
        ("0201234567", "020 123 4567"),
        ("080012345", "0800 123 45"),
        ("00401234567", "00 40 123 4567"),  # one 0 too many: Romania
        ("+358401234567", "+358 40 123 4567"),
        ("+358 (0)40 123 4567", "+358 40 123 4567"),
        ("00358401234567", "00 358 40 123 4567"),
        ("+46701234567", "+46 701 234 567"),
        ("+12125550123", "+1 212 555 0123"),
    ],
)
def test_a_phone_number_is_shown_as_typed_with_its_digits_grouped(raw: str, shown: str) -> None:
    assert grouped_phone(raw) == shown
    assert parse_phone(raw).shown == shown


def test_a_number_outside_finland_is_foreign_and_an_e_mail_address_never():
    assert parse_phone("00401234567").foreign and parse_phone("+46 70 123 45 67").foreign
    assert not parse_phone("040 123 4567").foreign and not parse_phone("00358 40 123 4567").foreign
    assert not parse_email("matti@example.com").foreign


def test_what_a_contact_shows_is_not_what_makes_it_the_same_contact():
    assert parse_phone("040 123 4567") == parse_phone("+358401234567") == Contact("phone", "+358401234567")
    assert Contact("email", "a@example.fi").shown == "a@example.fi"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("040 12", "too-short"),
        ("+358 40", "too-short"),
        ("+358 40 1234 5678 9012", "too-long"),
        ("040 123 456a", "not-a-phone-number"),
        ("matti@example.com", "not-a-phone-number"),
        ("040+1234567", "not-a-phone-number"),
        ("401234567", "not-a-phone-number"),  # no leading 0 and no country code
        ("358401234567", "not-a-phone-number"),
        ("0123 4567", "not-a-phone-number"),  # 012 is no Finnish prefix
        ("+358 12 345 678", "not-a-phone-number"),
        ("+040 123 4567", "not-a-phone-number"),  # no country code starts with 0
    ],
)
def test_bad_phone_numbers_are_rejected_with_a_reason(raw: str, reason: str) -> None:
    with pytest.raises(ContactError) as error:
        parse_phone(raw)
    assert error.value.reason == reason


@pytest.mark.parametrize(
    ("raw", "address"),
    [
        ("matti@example.com", "matti@example.com"),
        (" Matti.Meikalainen@Example.COM ", "Matti.Meikalainen@example.com"),
        ("m_m+palaute@posti.fi", "m_m+palaute@posti.fi"),
        ("äiti@sähkö.fi", "äiti@sähkö.fi"),
        ("a@mail.example.co.uk", "a@mail.example.co.uk"),
    ],
)
def test_email_addresses_are_accepted_with_the_domain_lowercased(raw: str, address: str) -> None:
    assert parse_email(raw) == Contact("email", address)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty"),
        (" ", "empty"),
        ("a" * 245 + "@example.fi", "too-long"),
        ("matti", "not-an-email-address"),
        ("matti@example", "not-an-email-address"),
        ("matti@@example.com", "not-an-email-address"),
        ("matti@ex@ample.com", "not-an-email-address"),
        ("matti meikäläinen@example.com", "not-an-email-address"),
        ("@example.com", "not-an-email-address"),
        ("matti@.com", "not-an-email-address"),
        ("matti@example..com", "not-an-email-address"),
        ("matti.@example.com", "not-an-email-address"),
        ("matti@-example.com", "not-an-email-address"),
        ("matti@example.c", "not-an-email-address"),
        ("040 123 4567", "not-an-email-address"),
    ],
)
def test_bad_email_addresses_are_rejected_with_a_reason(raw: str, reason: str) -> None:
    with pytest.raises(ContactError) as error:
        parse_email(raw)
    assert error.value.reason == reason


def test_email_of_the_maximum_length_is_accepted() -> None:
    raw = "a" * 243 + "@example.fi"
    assert len(raw) == 254
    assert parse_email(raw).value == raw
