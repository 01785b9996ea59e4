"""The words of the kiosk's own screens, in every language (kiosk/strings.toml).

Survey texts live in the survey file; these are the buttons, hints and messages
around them. Every string must exist in every language, with the same {placeholders}:
a missing one is a load-time error naming its key, never a blank button or a crashed
screen in front of a client.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kiosk.errors import UserError
from kiosk.languages import CODES
from kiosk.tomlfile import read_toml


class Strings:
    def __init__(self, texts: Mapping[str, Mapping[str, str]]):
        self._texts = texts

    def __call__(self, key: str, language: str, **values: object) -> str:
        text = self._texts[key][language]
        return text.format(**values) if values else text

    def keys(self) -> list[str]:
        return sorted(self._texts)

    def in_all_languages(self, key: str) -> Mapping[str, str]:
        return self._texts[key]


def strings_path() -> Path:
    return Path(__file__).with_name("strings.toml")


def load_strings(path: Path | None = None) -> Strings:
    path = path or strings_path()
    texts: dict[str, dict[str, str]] = {}
    _collect(read_toml(path), "", texts, path)
    return Strings(texts)


def _collect(table: Mapping[str, Any], prefix: str, texts: dict[str, dict[str, str]], path: Path) -> None:
    """Walk nested tables down to the leaves, whose keys are language codes."""
    for name, value in table.items():
        key = f"{prefix}{name}"
        if not isinstance(value, dict):
            raise UserError("must be a table of translations (fi, sv, en, ...)", file=path, key=key)
        if not any(code in value for code in CODES):
            _collect(value, f"{key}.", texts, path)
            continue
        for code in CODES:
            if not isinstance(value.get(code), str) or not value[code].strip():
                raise UserError("has no translation", file=path, key=f"{key}.{code}")
        unknown = set(value) - set(CODES)
        if unknown:
            raise UserError("is not a known language code", file=path, key=f"{key}.{sorted(unknown)[0]}")
        _check_placeholders(value, key, path)
        texts[key] = dict(value)


def _check_placeholders(translations: Mapping[str, str], key: str, path: Path) -> None:
    """The kiosk fills in the same {names} in every language: one a translation lacks or
    misspells would raise KeyError when its screen is drawn."""
    expected = _placeholders(translations[CODES[0]], f"{key}.{CODES[0]}", path)
    for code in CODES[1:]:
        found = _placeholders(translations[code], f"{key}.{code}", path)
        if found != expected:
            differences = ", ".join(f"{{{name}}}" for name in sorted(found ^ expected))
            raise UserError(f"has other {{placeholders}} than {CODES[0]} ({differences})", file=path,
                            key=f"{key}.{code}")


def _placeholders(text: str, key: str, path: Path) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as error:  # an unpaired { or }: write {{ or }} for a brace itself
        raise UserError(f"has a broken {{placeholder}}: {error}", file=path, key=key) from None
