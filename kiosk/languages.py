"""The languages the kiosk speaks, each named in its own language.

Easy-language variants use BCP 47 private-use subtags: there is no registered
subtag for selkokieli or lättläst.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str
    native_name: str
    easy: bool = False

    @property
    def base(self) -> str:
        """The plain language code (`fi` for `fi-x-selko`), for speech and exports."""
        return self.code.split("-")[0]


LANGUAGES: tuple[Language, ...] = (
    Language("fi", "Suomi"),
    Language("sv", "Svenska"),
    Language("en", "English"),
    Language("fi-x-selko", "Selkosuomi", easy=True),
    Language("sv-x-lattlast", "Lättläst svenska", easy=True),
)
BY_CODE = {language.code: language for language in LANGUAGES}
CODES = tuple(BY_CODE)


def easy_variant(code: str) -> str | None:
    """The easy-language variant of a language (selkosuomi for Finnish), or None if it has none."""
    base = BY_CODE[code].base
    return next((language.code for language in LANGUAGES if language.easy and language.base == base), None)
