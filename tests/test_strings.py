"""The kiosk's own words: every key in every language, with the same {placeholders}."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from kiosk.easy_language import survey_texts
from kiosk.errors import UserError
from kiosk.languages import CODES
from kiosk.strings import load_strings
from kiosk.survey import load_survey


def test_every_key_has_all_five_languages():
    strings = load_strings()
    assert len(strings.keys()) > 40
    for key in strings.keys():
        translations = strings.in_all_languages(key)
        assert set(translations) == {"fi", "sv", "en", "fi-x-selko", "sv-x-lattlast"}, key
        assert all(text.strip() for text in translations.values()), key


def test_every_string_can_be_drawn_in_every_language_with_its_placeholders_filled():
    strings = load_strings()
    for key in strings.keys():
        names = {name for _, name, _, _ in string.Formatter().parse(strings.in_all_languages(key)["fi"]) if name}
        for code in CODES:
            shown = strings(key, code, **{name: f"<{name}>" for name in names})
            assert "{" not in shown, (key, code)
            assert all(f"<{name}>" in shown for name in names), (key, code)


def test_no_string_breaks_a_word_by_hand():
    """Targets break words for the width they have, where the language allows (kiosk.hyphenation):
    a hyphen at a line break in a string would show even where the word fits."""
    strings = load_strings()
    texts = {(key, code): text for key in strings.keys() for code, text in strings.in_all_languages(key).items()}
    texts |= {(key, code): text for key, translations in survey_texts(load_survey()).items()
              for code, text in translations.items()}
    assert [where for where, text in texts.items() if re.search(r"-\s*\n", text)] == []


def strings_file(tmp_path: Path, **texts: str) -> Path:
    """A strings file with one key, `reply.promise`, in the given languages."""
    lines = ["[reply.promise]", *(f"{code.replace('_', '-')} = {text!r}" for code, text in texts.items())]
    path = tmp_path / "strings.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


PROMISE = {
    "fi": "{answerer} vastaa {days} päivässä.",
    "sv": "{answerer} svarar inom {days} dagar.",
    "en": "{answerer} will reply within {days} days.",
    "fi_x_selko": "{answerer} vastaa. Vastaus tulee {days} päivässä.",
    "sv_x_lattlast": "{answerer} svarar. Du får svar inom {days} dagar.",
}


def load_error(path: Path) -> UserError:
    with pytest.raises(UserError) as caught:
        load_strings(path)
    assert caught.value.file == str(path)
    return caught.value


def test_a_complete_strings_file_loads(tmp_path):
    strings = load_strings(strings_file(tmp_path, **PROMISE))
    assert strings("reply.promise", "sv", answerer="Kundtjänsten", days=5) == "Kundtjänsten svarar inom 5 dagar."


def test_a_missing_translation_names_the_key_and_the_language(tmp_path):
    error = load_error(strings_file(tmp_path, **{**PROMISE, "sv_x_lattlast": " "}))
    assert error.key == "reply.promise.sv-x-lattlast"
    assert "no translation" in error.problem
    without_sv = {code: text for code, text in PROMISE.items() if code != "sv"}
    assert load_error(strings_file(tmp_path, **without_sv)).key == "reply.promise.sv"


def test_a_translation_that_drops_a_placeholder_fails_at_load_naming_the_key(tmp_path):
    error = load_error(strings_file(tmp_path, **{**PROMISE, "sv": "{answerer} svarar inom några dagar."}))
    assert error.key == "reply.promise.sv"
    assert "{days}" in error.problem


def test_a_misspelt_placeholder_fails_at_load(tmp_path):
    error = load_error(strings_file(tmp_path, **{**PROMISE, "en": "{answerer} will reply within {dayz} days."}))
    assert error.key == "reply.promise.en"
    assert "{days}" in error.problem and "{dayz}" in error.problem


def test_an_unpaired_brace_fails_at_load(tmp_path):
    error = load_error(strings_file(tmp_path, **{**PROMISE, "fi_x_selko": "{answerer vastaa {days} päivässä."}))
    assert error.key == "reply.promise.fi-x-selko"
    assert "placeholder" in error.problem


def test_an_unknown_language_code_fails_at_load(tmp_path):
    error = load_error(strings_file(tmp_path, **PROMISE, se="{answerer} {days}"))
    assert error.key == "reply.promise.se"

