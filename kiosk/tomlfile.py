"""Reading TOML files into typed values, with errors that name the file and the key.

Every config and survey file goes through `Table`, so that a mistake anywhere is
reported the same way: `file: key: what is wrong`, exit status 2, no traceback.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from kiosk.errors import UserError

_MISSING: Any = object()


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        raise UserError("file not found", file=path) from None
    except IsADirectoryError:
        raise UserError("is a folder, not a file", file=path) from None
    except PermissionError:
        raise UserError("cannot be read (permission denied)", file=path) from None
    except UnicodeDecodeError:
        raise UserError("is not UTF-8 text", file=path) from None
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"not valid TOML: {error}", file=path) from None


def _type_name(value: object) -> str:
    names = {bool: "true/false", int: "a whole number", float: "a number", str: "text",
             list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__)


class Table:
    """One TOML table. Read each key once with the typed getters, then call `finish()`:
    any key left unread is reported as unknown, which catches misspelt keys."""

    def __init__(self, data: Mapping[str, Any], file: Path, prefix: str = ""):
        self._data = data
        self.file = file
        self._prefix = prefix
        self._read: set[str] = set()

    @classmethod
    def load(cls, path: Path) -> Table:
        return cls(read_toml(path), path)

    def key(self, name: str) -> str:
        return f"{self._prefix}{name}"

    def error(self, name: str, problem: str) -> UserError:
        return UserError(problem, file=self.file, key=self.key(name))

    def has(self, name: str) -> bool:
        return name in self._data

    def _get(self, name: str, default: Any, expected: tuple[type, ...], wanted: str) -> Any:
        self._read.add(name)
        if name not in self._data:
            if default is _MISSING:
                raise self.error(name, f"is missing: give {wanted}")
            return default
        value = self._data[name]
        if isinstance(value, bool) and bool not in expected or not isinstance(value, expected):
            raise self.error(name, f"must be {wanted}, not {_type_name(value)} ({value!r})")
        return value

    def string(self, name: str, default: Any = _MISSING, *, choices: Iterable[str] | None = None,
               pattern: str | None = None, describe: str = "") -> str:
        value = self._get(name, default, (str,), "text in quotes")
        if value is default:
            return value
        if choices is not None:
            options = list(choices)
            if value not in options:
                raise self.error(name, f"must be one of {', '.join(map(repr, options))}, not {value!r}")
        if pattern is not None and not re.fullmatch(pattern, value):
            raise self.error(name, f"must be {describe or f'text matching {pattern}'}, not {value!r}")
        if not value.strip():
            raise self.error(name, "must not be empty")
        return value

    def integer(self, name: str, default: Any = _MISSING, *, minimum: int | None = None,
                maximum: int | None = None) -> int:
        value = self._get(name, default, (int,), "a whole number")
        if value is not default:
            self._check_range(name, value, minimum, maximum)
        return value

    def number(self, name: str, default: Any = _MISSING, *, minimum: float | None = None,
               maximum: float | None = None) -> float:
        value = self._get(name, default, (int, float), "a number")
        if value is not default and not math.isfinite(value):
            raise self.error(name, f"must be a finite number, not {value}")
        if value is not default:
            self._check_range(name, value, minimum, maximum)
        return float(value)

    def _check_range(self, name: str, value: float, minimum: float | None, maximum: float | None) -> None:
        if minimum is not None and value < minimum:
            raise self.error(name, f"must be at least {minimum}, not {value}")
        if maximum is not None and value > maximum:
            raise self.error(name, f"must be at most {maximum}, not {value}")

    def boolean(self, name: str, default: Any = _MISSING) -> bool:
        return self._get(name, default, (bool,), "true or false")

    def strings(self, name: str, default: Any = _MISSING) -> list[str]:
        values = self._get(name, default, (list,), "a list of texts, like [\"a\", \"b\"]")
        for index, value in enumerate(values):
            if not isinstance(value, str):
                raise self.error(f"{name}[{index}]", f"must be text, not {_type_name(value)}")
        return list(values)

    def path(self, name: str, default: Any = _MISSING) -> Path:
        """A path; a relative one is taken from the folder of the file that names it."""
        value = self.string(name, default)
        if value is default:
            return value
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.file.parent / path

    def table(self, name: str, *, required: bool = False) -> Table:
        value = self._get(name, _MISSING if required else {}, (dict,), "a table")
        return Table(value, self.file, f"{self.key(name)}.")

    def tables(self, name: str, *, required: bool = False) -> list[Table]:
        values = self._get(name, _MISSING if required else [], (list,), "a list of tables ([[...]])")
        tables = []
        for index, value in enumerate(values):
            key = f"{self.key(name)}[{index}]"
            if not isinstance(value, dict):
                raise UserError(f"must be a table, not {_type_name(value)}", file=self.file, key=key)
            tables.append(Table(value, self.file, f"{key}."))
        return tables

    def translations(self, name: str, languages: Iterable[str], default: Any = _MISSING) -> dict[str, str]:
        """A text given in each language, as a table `{fi = "...", sv = "..."}`."""
        if default is not _MISSING and name not in self._data:
            self._read.add(name)
            return default
        table = self.table(name, required=True)
        texts = {language: table.string(language) for language in languages}
        table.finish()
        return texts

    def finish(self) -> None:
        """Reject keys that no getter asked for: most often a misspelt key."""
        unknown = sorted(set(self._data) - self._read)
        if unknown:
            raise self.error(unknown[0], "is not a known key (misspelt?)")
